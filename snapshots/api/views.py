"""``GET|HEAD …/session_recordings/{recording_id}/snapshots``: PostHog's two-phase protocol.

1. Without ``source``: ``{"sources": [...]}`` from the database (plus size/event hints).
2. ``source=blob&blob_key=K``: that blob, streamed from object storage (``BlobResponder``);
   ``source=realtime``: the live buffer's lines (``version`` og → ``{"snapshots": [...]}``,
   2024-04-30 → JSONL), never cached.

The recording must be visible in the URL's environment (404 "Recording not found" otherwise,
also for deleted ones); parameters are validated before any storage call. Object storage or
live buffer failures are 503 with Retry-After, never an empty recording.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse, HttpResponseBase
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.models import SessionRecording
from recordings.selectors import session_recording_find
from recordings_api.errors import ServiceUnavailable
from recordings_api.tenancy import EnvironmentScopedViewSetMixin
from recordings_api.throttles import SNAPSHOT_THROTTLES
from snapshots.api.blob_response import JSON, BlobResponder
from snapshots.api.schema import snapshots_schema
from snapshots.api.serializers import SnapshotSourcesSerializer, SnapshotsQuerySerializer
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.selectors import (
    snapshot_blob_get,
    snapshot_realtime_lines,
    snapshot_sources_list,
)

BUFFER_DOWN = (
    "The live buffer is unavailable; the recording's recent data could not be read. Try again shortly."
)


class SnapshotsViewSet(EnvironmentScopedViewSetMixin, viewsets.ViewSet):
    scope_object = "session_recording"
    scope_read_actions = ("list",)
    scope_write_actions = ()
    grant_enabled_actions = ("list",)
    throttle_classes = SNAPSHOT_THROTTLES
    openapi_tag = "Session recordings"

    @snapshots_schema
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        query = SnapshotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        recording = session_recording_find(
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
