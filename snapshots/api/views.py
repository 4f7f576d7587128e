"""``GET|HEAD …/session_recordings/{recording_id}/snapshots``: PostHog's two-phase protocol.

1. Without ``source``: ``{"sources": [...]}`` from the database (plus size/event hints): v1
   ``blob`` + ``realtime`` sources, or with ``blob_v2=true`` / ``blob_v2_lts=true`` (era B's
   switches) the v2 ``blob_v2`` blocks or the ``blob_v2_lts`` long-term copy.
2. ``source=blob&blob_key=K``: that blob, streamed from object storage (``BlobResponder``);
   ``source=realtime``: the live buffer's lines (``version`` og → ``{"snapshots": [...]}``,
   2024-04-30 → JSONL), never cached; ``source=blob_v2&start_blob_key=A&end_blob_key=B`` and
   ``source=blob_v2_lts&blob_key=K``: PostHog's v2 encodings (``blocks_response``).

The recording must be visible in the URL's environment (404 "Recording not found" otherwise); a
deleted one answers 410 as current PostHog does. Parameters are validated before any storage
call. Object storage or live buffer failures are 503 with Retry-After, never an empty recording.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse, HttpResponseBase
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.models import DeletedRecording, SessionRecording
from recordings.selectors import session_recording_find
from recordings_api.errors import ServiceUnavailable, error_body
from recordings_api.models import PersonalAPIKey
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import SNAPSHOT_THROTTLES
from snapshots.api.blob_response import JSON, BlobResponder
from snapshots.api.blocks_response import BUFFER_DOWN, JSONL, blocks_response, long_term_response
from snapshots.api.schema import snapshots_schema
from snapshots.api.serializers import (
    MAX_BLOCKS,
    MAX_BLOCKS_PERSONAL_API_KEY,
    SnapshotSourcesSerializer,
    SnapshotsQuerySerializer,
)
from snapshots.blocks import long_term_copy_get
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.selectors import (
    snapshot_blob_annotations,
    snapshot_blob_get,
    snapshot_realtime_lines,
    snapshot_recording_deletion,
    snapshot_sources_list,
    snapshot_v2_sources_list,
)

DELETED = "This recording has been permanently deleted"


class SnapshotsViewSet(EnvironmentScopedViewSetMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    scope_read_actions = ("list",)
    scope_write_actions = ()
    grant_enabled_actions = ("list",)
    throttle_classes = SNAPSHOT_THROTTLES
    openapi_tag = "Session recordings"

    @snapshots_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        max_blocks = MAX_BLOCKS_PERSONAL_API_KEY if isinstance(request.auth, PersonalAPIKey) else MAX_BLOCKS
        query = SnapshotsQuerySerializer(data=request.query_params, context={"max_blocks": max_blocks})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        session_id = str(kwargs["recording_id"])
        source = params.get("source")
        # A blob request reads its blob row in the recording's own query (one round trip).
        annotations = snapshot_blob_annotations(blob_key=params["blob_key"]) if source == "blob" else None
        recording = session_recording_find(
            environment=self.environment, session_id=session_id, annotations=annotations
        )
        if recording is None:
            deletion = snapshot_recording_deletion(environment=self.environment, session_id=session_id)
            if deletion is not None:
                return _deleted(deletion)
            raise NotFound("Recording not found")
        self.check_object_permissions(request, recording)
        if source == "blob":
            return self._blob(request, recording, params["blob_key"])
        if source == "realtime":
            return self._realtime(recording, params["version"])
        if source == "blob_v2":
            return blocks_response(
                request, recording, start=params["start"], end=params["end"], decompress=params["decompress"]
            )
        if source == "blob_v2_lts":
            return self._long_term(request, recording, params["blob_key"], params["decompress"])
        return self._sources(recording, blob_v2=params["blob_v2"], blob_v2_lts=params["blob_v2_lts"])

    def _sources(self, recording: SessionRecording, *, blob_v2: bool, blob_v2_lts: bool) -> Response:
        try:
            if blob_v2 or blob_v2_lts:
                listing = snapshot_v2_sources_list(recording=recording, long_term=blob_v2_lts)
            else:
                listing = snapshot_sources_list(recording=recording)
        except LiveBufferUnavailable as error:
            raise ServiceUnavailable(BUFFER_DOWN) from error
        response = Response(SnapshotSourcesSerializer(listing).data)
        response["Cache-Control"] = "no-store"
        return response

    def _long_term(
        self, request: Request, recording: SessionRecording, blob_key: str, decompress: bool
    ) -> HttpResponseBase:
        copy = long_term_copy_get(recording=recording) if recording.persisted else None
        if copy is None or copy.object_key != blob_key.lstrip("/"):
            raise NotFound("Snapshot file not found")
        return long_term_response(request, recording, copy, decompress=decompress)

    def _realtime(self, recording: SessionRecording, version: str) -> HttpResponse:
        try:
            lines = snapshot_realtime_lines(recording=recording)
        except LiveBufferUnavailable as error:
            raise ServiceUnavailable(BUFFER_DOWN) from error
        if version == "og":
            body = orjson.dumps({"snapshots": [orjson.Fragment(item.line) for item in lines]})
            response = HttpResponse(body, content_type=JSON)
        else:
            response = HttpResponse("\n".join(item.line for item in lines).encode(), content_type=JSONL)
        response["Cache-Control"] = "no-store"
        return response

    def _blob(self, request: Request, recording: SessionRecording, blob_key: str) -> HttpResponseBase:
        blob = snapshot_blob_get(recording=recording, blob_key=blob_key)
        if blob is None:
            raise NotFound("Snapshot file not found")
        return BlobResponder(request, blob).respond()


def _deleted(deletion: DeletedRecording) -> Response:
    """PostHog's 410 for a permanently deleted recording, in both shapes (ours and its
    ``{"error", "message", "deleted_at", "deleted_by"}``, which its player reads)."""
    deleted_by = deletion.deleted_by.email if deletion.deleted_by is not None else None
    body = {
        **error_body(type_="invalid_request", code="recording_deleted", detail=DELETED),
        "error": "recording_deleted",
        "message": DELETED,
        "deleted_at": serializers.DateTimeField().to_representation(deletion.deleted_at),
        "deleted_by": deleted_by,
    }
    response = Response(body, status=410)
    response["Cache-Control"] = "no-store"
    return response
