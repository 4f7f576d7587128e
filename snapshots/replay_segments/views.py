"""``/api/0/projects/{org}/{project}/replays/{replay_id}/recording-segments/[{segment_id}/]``.

Without ``download``: segment metadata (``{"data": [{"replayId", "segmentId", "projectId",
"dateAdded"}]}``, ``per_page``/``cursor`` or ``limit``/``offset``, the ``Link`` header), as the
seed has it. With ``download`` (any value; presence is enough): the list streams a JSON array of
the page's segments' event arrays (``application/json``), a segment its events
(``application/octet-stream``, the seed's type, with Sentry's ``Content-Disposition``). Both
stream from object storage and the live buffer with flat memory (``streams``).

An archived (deleted) replay has no segments (``[]``, ``{"data": []}``). Listing an unknown
replay, or an id that is no UUID, is a 404 with an empty body, as Sentry's replay endpoints
answer; a segment of an unknown or archived replay, or an unknown segment, is 404 ``Replay
recording segment not found.``. Storage or live buffer down before the first byte: 503 with
``Retry-After``; after it, the connection is cut, so a short body is never a complete-looking
download.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponseBase, StreamingHttpResponse
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.models import SessionRecording
from recordings.sentry_replay.replays import FoundReplay, sentry_replay_find
from recordings.sentry_replay.schema import WholeBodySchema
from recordings_api.errors import ServiceUnavailable
from recordings_api.sentry.pagination import link_header as sentry_link_header
from recordings_api.sentry.pagination import page_window
from recordings_api.sentry.tenancy import SentryProjectScopedViewSetMixin
from snapshots.api import blob_http
from snapshots.api.blob_response import STORAGE_DOWN
from snapshots.api.blocks_response import BUFFER_DOWN
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.replay_segments.listing import (
    ReplaySegmentRef,
    replay_segment_get,
    replay_segments_list,
)
from snapshots.replay_segments.schema import segment_detail_schema, segments_list_schema
from snapshots.replay_segments.streams import replay_segment_chunks, replay_segments_chunks
from snapshots.storage import StorageUnavailable

logger = logging.getLogger(__name__)
SEGMENT_NOT_FOUND = "Replay recording segment not found."
DEFAULT_RETENTION_DAYS = 30


def _date(moment: Any) -> str:
    return serializers.DateTimeField().to_representation(moment)


def segment_object(
    replay: FoundReplay, segment: ReplaySegmentRef, *, project_id: str | int
) -> dict[str, Any]:
    return {
        "replayId": replay.replay_id,
        "segmentId": segment.segment_id,
        "projectId": project_id,
        "dateAdded": _date(segment.date_added),
    }


class ReplayRecordingSegmentViewSet(SentryProjectScopedViewSetMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    schema = WholeBodySchema()
    openapi_tag = "Sentry: replays"
    lookup_field = "segment_id"
    lookup_value_regex = "[^/]+"

    def _replay(self) -> FoundReplay | None:
        return sentry_replay_find(environments=[self.environment], replay_id=str(self.kwargs["replay_id"]))

    @segments_list_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        window = page_window(request, default_limit=100)
        replay = self._replay()
        if replay is None:
            return Response(status=404)
        recording = replay.recording
        rows = (
            []
            if recording is None
            else _guarded(
                lambda: replay_segments_list(
                    recording=recording, offset=window.offset, limit=window.limit + 1
                )
            )
        )
        page, has_more = rows[: window.limit], len(rows) > window.limit
        link = sentry_link_header(request, window, has_more=has_more)
        response: HttpResponseBase
        if "download" in request.query_params:
            chunks = (
                iter([b"[]"])
                if recording is None
                else replay_segments_chunks(recording=recording, segments=page)
            )
            response = _streamed(request, chunks, content_type="application/json")
        else:
            project_id = str(self.environment.id)
            response = Response({"data": [segment_object(replay, s, project_id=project_id) for s in page]})
        response["Link"] = link
        return response

    @segment_detail_schema
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        replay = self._replay()
        # Sentry looks the segment up directly: an unknown replay has no segment either.
        segment = self._segment(replay.recording if replay else None, str(kwargs["segment_id"]))
        assert replay is not None
        if "download" not in request.query_params:
            return Response({"data": segment_object(replay, segment, project_id=self.environment.id)})
        assert replay.recording is not None
        chunks = replay_segment_chunks(recording=replay.recording, segment=segment)
        response = _streamed(request, chunks, content_type="application/octet-stream")
        retention = replay.recording.retention_period_days or DEFAULT_RETENTION_DAYS
        name = f"{retention}/{self.environment.id}/{replay.replay_id}/{segment.segment_id}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def _segment(self, recording: SessionRecording | None, raw: str) -> ReplaySegmentRef:
        segment_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
        segment = (
            None
            if recording is None or segment_id is None
            else _guarded(lambda: replay_segment_get(recording=recording, segment_id=segment_id))
        )
        if segment is None:
            raise NotFound(SEGMENT_NOT_FOUND)
        return segment


def _guarded(read: Any) -> Any:
    try:
        return read()
    except LiveBufferUnavailable as error:
        raise ServiceUnavailable(BUFFER_DOWN) from error


def _nothing() -> None:
    return None


def _streamed(request: Request, chunks: Iterator[bytes], *, content_type: str) -> StreamingHttpResponse:
    """The body streamed, its first chunk read now (a failure then is a 503, see the module)."""

    def aborted(error: Exception) -> None:
        logger.warning(
            "replay_segments_stream_aborted", extra={"path": request.path, "error": repr(error)[:300]}
        )

    try:
        body = blob_http.PrefetchedBody(chunks, close=getattr(chunks, "close", _nothing), on_error=aborted)
    except StorageUnavailable as error:
        raise ServiceUnavailable(STORAGE_DOWN) from error
    except LiveBufferUnavailable as error:
        raise ServiceUnavailable(BUFFER_DOWN) from error
    content = blob_http.AsyncBody(body) if isinstance(request._request, ASGIRequest) else body
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
