"""``GET|HEAD …/session_recordings/{recording_id}/snapshots``: PostHog's two-phase protocol.

1. Without ``source``: ``{"sources": [...]}`` from the database (plus size/event hints).
2. ``source=blob&blob_key=K``: that blob's JSONL, streamed from object storage; immutable, so
   ETag / ``If-None-Match`` (304), a long private ``Cache-Control``, ``Range`` (206/416) on the
   bytes served; ``Accept-Encoding: gzip`` gets the stored gzip bytes untouched.
   ``source=realtime``: the live buffer's lines (``version`` og → ``{"snapshots": [...]}``,
   2024-04-30 → JSONL), never cached.

The recording must be visible in the URL's environment (404 "Recording not found" otherwise,
also for deleted ones). Object storage or live buffer failures are 503 with Retry-After.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.models import SessionRecording
from recordings_api.errors import ServiceUnavailable, error_body
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import SNAPSHOT_THROTTLES
from snapshots.api import http
from snapshots.api.serializers import (
    RealtimeSnapshotsSerializer,
    SnapshotsErrorSerializer,
    SnapshotSourcesSerializer,
    SnapshotsQuerySerializer,
)
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.models import RecordingBlob
from snapshots.selectors import (
    snapshot_blob_get,
    snapshot_blob_open,
    snapshot_realtime_lines,
    snapshot_recording_get,
    snapshot_sources_list,
)
from snapshots.storage import RangeNotSatisfiable, StorageUnavailable

logger = logging.getLogger(__name__)

BLOB_CACHE_CONTROL = "private, max-age=31536000, immutable"
JSON = "application/json"
STORAGE_DOWN = "Object storage is unavailable; the recording's data could not be read. Try again shortly."
BUFFER_DOWN = (
    "The live buffer is unavailable; the recording's recent data could not be read. Try again shortly."
)

_DESCRIPTION = """Snapshot data of a recording, in two phases (PostHog's protocol).

**1. List sources** (no `source`): `{"sources": [...]}`, one `blob` entry per flushed blob
(`blob_key` = `{first_ms}-{last_ms}`) sorted by start, plus a `realtime` entry while data is
still in the live buffer. Size and event-count hints help planning big downloads.

**2. Fetch each source.** `source=blob&blob_key=K` streams that blob as JSONL (one
`{"window_id": "…", "data": [rrweb events]}` object per line, `Content-Type: application/json`).
Blobs are immutable: the response has an `ETag` and `Cache-Control: private, max-age=31536000,
immutable`; `If-None-Match` answers 304. With `Accept-Encoding: gzip` the stored gzip bytes are
sent as-is with `Content-Encoding: gzip`. `Range: bytes=…` (one range) answers 206 with those
bytes of the representation served, 416 when it starts past the end. `HEAD` is supported.
`source=realtime` returns the buffered lines (`Cache-Control: no-store`): `version=og`
(default) as `{"snapshots": [...]}`, `version=2024-04-30` as JSONL.

A sharing access token of this recording may be used instead of a personal API key."""

_PARAMETERS = [
    OpenApiParameter("recording_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The session id."),
    OpenApiParameter(
        "source", OpenApiTypes.STR, enum=["blob", "realtime"], description="Omit to list the sources."
    ),
    OpenApiParameter(
        "blob_key",
        OpenApiTypes.STR,
        pattern=r"^[0-9]+-[0-9]+$",
        description="Required with `source=blob`: a `blob_key` from the sources list.",
    ),
    OpenApiParameter(
        "version",
        OpenApiTypes.STR,
        enum=["og", "2024-04-30"],
        default="og",
        description='With `source=realtime`: `og` → `{"snapshots": [...]}`, `2024-04-30` → JSONL.',
    ),
    OpenApiParameter(
        "Range", OpenApiTypes.STR, OpenApiParameter.HEADER, description="`bytes=start-end` (blobs)."
    ),
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier blob fetch.",
    ),
]


def _error(status_code: int, code: str, detail: str) -> Response:
    return Response(error_body(type_="invalid_request", code=code, detail=detail), status=status_code)


def _documented_errors() -> dict[int, OpenApiResponse]:
    text = {
        400: "Invalid parameter (`attr` names it): unknown `source`, missing or malformed `blob_key`, "
        "bad `version`.",
        401: "No or invalid credentials.",
        403: "Not a member of the organization, the API key lacks `session_recording:read`, or the sharing "
        "token is for another recording.",
        404: "No such recording in this environment (or deleted), or no such blob for it.",
        416: "The `Range` starts past the end of the blob.",
        429: "Throttled (snapshot calls have their own, lower budget).",
        503: "Object storage or the live buffer is unavailable; retry after `Retry-After` seconds.",
    }
    return {
        code: OpenApiResponse(SnapshotsErrorSerializer, description=message) for code, message in text.items()
    }


_PHASE_ONE_OR_REALTIME = PolymorphicProxySerializer(
    component_name="SnapshotsResponse",
    serializers=[SnapshotSourcesSerializer, RealtimeSnapshotsSerializer],
    resource_type_field_name=None,
    many=False,
)


class SnapshotsViewSet(EnvironmentScopedViewSetMixin, viewsets.ViewSet):  # type: ignore[misc]
    scope_object = "session_recording"
    scope_read_actions = ("list",)
    scope_write_actions = ()
    grant_enabled_actions = ("list",)
    throttle_classes = SNAPSHOT_THROTTLES
    openapi_tag = "Session recordings"

    @extend_schema(
        description=_DESCRIPTION,
        parameters=_PARAMETERS,
        responses={
            200: OpenApiResponse(
                _PHASE_ONE_OR_REALTIME,
                description="Sources (no `source`), realtime `og` snapshots, or, for `source=blob` and "
                "realtime `2024-04-30`, a JSONL body (one JSON object per line). Blob responses carry "
                "`ETag`, `Cache-Control`, `Accept-Ranges: bytes`, `Vary: Accept-Encoding` and, with "
                "`Accept-Encoding: gzip`, `Content-Encoding: gzip`.",
            ),
            206: OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The requested byte range of the blob (`Content-Range: bytes start-end/size`).",
            ),
            304: OpenApiResponse(description="`If-None-Match` matched: the cached blob is current."),
            **_documented_errors(),
        },
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        query = SnapshotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        recording = snapshot_recording_get(
            environment=self.environment, session_id=str(kwargs["recording_id"])
        )
        if recording is None:
            raise NotFound("Recording not found")
        self.check_object_permissions(request, recording)
        source = params.get("source")
        if source == "blob":
            return self._blob(request, recording, params["blob_key"])
        if source == "realtime":
            return self._realtime(recording, params["version"])
        return self._sources(recording)

    def _sources(self, recording: SessionRecording) -> Response:
        try:
            listing = snapshot_sources_list(recording=recording)
        except LiveBufferUnavailable as error:
            raise ServiceUnavailable(BUFFER_DOWN) from error
        response = Response(SnapshotSourcesSerializer(listing).data)
        response["Cache-Control"] = "no-store"
        return response

    def _realtime(self, recording: SessionRecording, version: str) -> HttpResponse:
        try:
            lines = snapshot_realtime_lines(recording=recording)
        except LiveBufferUnavailable as error:
            raise ServiceUnavailable(BUFFER_DOWN) from error
        if version == "og":
            body = orjson.dumps({"snapshots": [orjson.Fragment(item.line) for item in lines]})
        else:
            body = "\n".join(item.line for item in lines).encode("utf-8")
        response = HttpResponse(body, content_type=JSON)
        response["Cache-Control"] = "no-store"
        return response

    def _blob(self, request: Request, recording: SessionRecording, blob_key: str) -> HttpResponseBase:
        blob = snapshot_blob_get(recording=recording, blob_key=blob_key)
        if blob is None:
            raise NotFound("Snapshot file not found")
        return BlobResponder(request, blob).respond()


class BlobResponder:
    """Builds the response for one blob: 304, 416, HEAD, or the (ranged) streamed body."""

    def __init__(self, request: Request, blob: RecordingBlob) -> None:
        self.request = request
        self.blob = blob
        self.gzip = http.accepts_gzip(request.headers.get("Accept-Encoding"))
        self.size = blob.size_bytes if self.gzip else blob.uncompressed_size_bytes
        self.etag = f"{blob.etag}-gz" if self.gzip else blob.etag

    def _headers(self, response: HttpResponseBase) -> HttpResponseBase:
        response["ETag"] = f'"{self.etag}"'
        response["Cache-Control"] = BLOB_CACHE_CONTROL
        response["Vary"] = "Accept-Encoding"
        response["Accept-Ranges"] = "bytes"
        return response

    def respond(self) -> HttpResponseBase:
        headers = self.request.headers
        if http.etag_matches(headers.get("If-None-Match"), {self.blob.etag, f"{self.blob.etag}-gz"}):
            return self._headers(HttpResponse(status=304))
        byte_range = None
        if http.if_range_allows(headers.get("If-Range"), self.etag):
            try:
                byte_range = http.range_parse(headers.get("Range"), self.size)
            except http.RangeUnsatisfiable:
                return self._unsatisfiable()
        response: HttpResponseBase
        if self.request.method == "HEAD":
            response = HttpResponse(content_type=JSON, status=206 if byte_range else 200)
        else:
            response = self._streamed(byte_range)
        return self._finish(response, byte_range)

    def _unsatisfiable(self) -> HttpResponseBase:
        response = _error(416, "range_not_satisfiable", f"The range starts past the end ({self.size} bytes).")
        response["Content-Range"] = f"bytes */{self.size}"
        return self._headers(response)

    def _finish(self, response: HttpResponseBase, byte_range: http.ByteRange | None) -> HttpResponseBase:
        response["Content-Length"] = str(byte_range.length if byte_range else self.size)
        response["Content-Disposition"] = "inline"
        if byte_range is not None:
            response["Content-Range"] = byte_range.content_range(self.size)
        if self.gzip:
            response["Content-Encoding"] = "gzip"
        return self._headers(response)

    def _streamed(self, byte_range: http.ByteRange | None) -> StreamingHttpResponse:
        storage_range = (byte_range.start, byte_range.end) if (self.gzip and byte_range) else None
        try:
            stream = snapshot_blob_open(blob=self.blob, byte_range=storage_range)
        except StorageUnavailable as error:
            raise ServiceUnavailable(STORAGE_DOWN) from error
        except RangeNotSatisfiable as error:  # the row and the object disagree on the size
            raise ServiceUnavailable(STORAGE_DOWN) from error
        if stream is None:
            logger.error(
                "snapshot_blob_missing", extra={"blob_id": self.blob.pk, "blob_key": self.blob.blob_key}
            )
            raise NotFound("Snapshot file not found")
        chunks = iter(stream.chunks) if self.gzip else http.decompressed(stream.chunks, byte_range)
        try:
            body = http.PrefetchedBody(chunks, stream.close)
        except StorageUnavailable as error:
            stream.close()
            raise ServiceUnavailable(STORAGE_DOWN) from error
        return StreamingHttpResponse(body, content_type=JSON, status=206 if byte_range else 200)
