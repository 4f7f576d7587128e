"""The OpenAPI description of the recording-segments endpoints (kept apart from the views)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from recordings_api.sentry.pagination import page_parameters
from recordings_api.sentry.serializers import SentryErrorSerializer

REPLAY_ID = OpenApiParameter(
    "replay_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The replay id (32 hex, dashes optional).",
)
DOWNLOAD = OpenApiParameter(
    "download",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description="Present (any value): stream the rrweb events instead of the metadata.",
)
PAGE = page_parameters()
EMPTY_404 = OpenApiResponse(description="Unknown replay (or not a UUID): an empty body, as Sentry answers.")


def _segment(project_id: dict[str, str]) -> dict[str, object]:
    return {
        "type": "object",
        "required": ["replayId", "segmentId", "projectId", "dateAdded"],
        "properties": {
            "replayId": {"type": "string", "description": "32 hex."},
            "segmentId": {"type": "integer"},
            "projectId": project_id,
            "dateAdded": {"type": "string", "format": "date-time", "description": "When it was sent."},
        },
    }


# Raw schemas: a list answers metadata or (``download``) the events, under the same status.
SEGMENT_LIST = {
    "oneOf": [
        {
            "type": "object",
            "required": ["data"],
            "properties": {"data": {"type": "array", "items": _segment({"type": "string"})}},
        },
        {"type": "array", "items": {"type": "array", "items": {}}, "description": "With `download`."},
    ]
}
SEGMENT_DETAIL = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": _segment({"type": "integer", "description": "A number here, as in the seed."})},
}


_EVENTS = [{"type": 4, "timestamp": 1796161132095, "data": {"href": "https://example.com", "width": 1500}}]

segments_list_schema = extend_schema(
    operation_id="sentry_replay_recording_segments_list",
    summary="List a replay's recording segments",
    description=(
        "Segments in segment order: a Sentry replay's segments as the SDK numbered them (those whose "
        "`replay_event` arrived); a posthog-js recording's stored blobs in time order, then the data "
        'not yet flushed as one last segment. Without `download`: metadata, `{"data": [...]}`. With '
        "`download`: `application/json`, a JSON array of the page's segments' rrweb event arrays "
        "(`[[…],[…]]`), streamed (a Sentry segment byte for byte as the SDK sent it; a segment whose "
        "events are missing is `[]`). Paginated with `per_page`/`cursor` (or `limit`/`offset`) and the "
        "`Link` header. A deleted (archived) replay has no segments."
    ),
    parameters=[REPLAY_ID, DOWNLOAD, *PAGE],
    responses={
        200: OpenApiResponse(
            SEGMENT_LIST,
            description="Metadata, or with `download` the events (`application/json`).",
            examples=[
                OpenApiExample(
                    "metadata",
                    value={
                        "data": [
                            {
                                "replayId": "7e07485f12f9416b8b1426260799b51f",
                                "segmentId": 0,
                                "projectId": "1",
                                "dateAdded": "2026-12-01T21:38:58.238000Z",
                            }
                        ]
                    },
                )
            ],
        ),
        404: EMPTY_404,
    },
)

segment_detail_schema = extend_schema(
    operation_id="sentry_replay_recording_segment_retrieve",
    summary="Retrieve one recording segment",
    description=(
        'Without `download`: `{"data": {replayId, segmentId, projectId, dateAdded}}`. With `download`: '
        "the segment's rrweb events as one JSON array, `application/octet-stream` (the seed's type), "
        '`Content-Disposition: attachment; filename="{retention_days}/{project_id}/{replay_id}/'
        '{segment_id}"`: a Sentry segment exactly as the SDK sent it (decompressed), a posthog-js '
        "segment the events of its blob. An unknown segment is 404 "
        '`{"detail": "Replay recording segment not found."}`.'
    ),
    parameters=[
        REPLAY_ID,
        OpenApiParameter("segment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="0, 1, 2, …"),
        DOWNLOAD,
    ],
    responses={
        (200, "application/json"): OpenApiResponse(SEGMENT_DETAIL),
        (200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="With `download`.", examples=[OpenApiExample("events", _EVENTS)]
        ),
        404: OpenApiResponse(
            SentryErrorSerializer,
            description="`Replay recording segment not found.` (unknown segment or replay), or an unknown "
            "organization or project.",
        ),
    },
)
