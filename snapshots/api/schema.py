"""The OpenAPI description of the snapshots endpoint (kept apart from the view's logic)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)

from recordings_api.serializers import ApiErrorSerializer
from snapshots.api.serializers import (
    BLOCK_INDEX_PATTERN,
    RealtimeSnapshotsSerializer,
    SnapshotSourcesSerializer,
)

DESCRIPTION = """Snapshot data of a recording, in two phases (PostHog's protocol).

**1. List sources** (no `source`): `{"sources": [...]}`, one `blob` entry per flushed blob
(`blob_key` = `{first_ms}-{last_ms}`) sorted by start, plus a `realtime` entry while data is
still in the live buffer. Size and event-count hints help planning big downloads.
With `blob_v2=true` the sources are PostHog's v2 blocks instead: one `blob_v2` entry per blob in
the same order (`blob_key` = the block index `"0"`, `"1"`, …) and, while data is still buffered,
one last block holding it (it grows until it is flushed, then the same index serves the blob).
With `blob_v2_lts=true` a persisted recording whose long-term copy is current is listed as one
`blob_v2_lts` entry (`blob_key` = the copy's key, timestamps null); otherwise as blocks.

**2. Fetch each source.** `source=blob&blob_key=K` streams that blob as JSONL (one
`{"window_id": "…", "data": [rrweb events]}` object per line, `Content-Type: application/json`).
Blobs are immutable: the response has an `ETag` and `Cache-Control: private, max-age=31536000,
immutable`; `If-None-Match` answers 304. With `Accept-Encoding: gzip` the stored gzip bytes are
sent as-is with `Content-Encoding: gzip` (their own ETag, suffixed `-gz`). `Range: bytes=…`
(one range) answers 206 with those bytes of the representation served (the gzip bytes when
gzip is accepted), 416 when it starts past the end. `HEAD` is supported. If object storage
fails after the body has started, the connection is aborted: a body shorter than its
`Content-Length` is an error, never a complete recording.
`source=realtime` returns the buffered lines (`Cache-Control: no-store`): `version=og`
(default) as `{"snapshots": [...]}`, `version=2024-04-30` as `application/jsonl` (one
`{"window_id": "…", "data": [...]}` object per line, empty while nothing is buffered).

`source=blob_v2&start_blob_key=A&end_blob_key=B` returns blocks A…B (inclusive; at most 20 with a
personal API key, 100 otherwise). With `decompress=true` (default): `application/jsonl`, one
`[window_id, rrweb event]` array per line, the final newline stripped. With `decompress=false`:
`application/octet-stream`, for each block a 4-byte big-endian length and that many bytes of raw
snappy. `Cache-Control: private, max-age=3600` (`no-store` when the range includes buffered
data). `source=blob_v2_lts&blob_key=K` returns the long-term copy: decoded JSONL, or with
`decompress=false` its stored raw snappy bytes (`Cache-Control: private, max-age=86400`). If a
failure happens after the body has started, the connection is aborted (chunked transfer never
completes), never a cut recording that looks complete.

A deleted recording answers 410 (`recording_deleted`) with PostHog's `error`, `message`,
`deleted_at` and `deleted_by` next to the usual error fields.

A sharing access token of this recording may be used instead of a personal API key."""

PARAMETERS = [
    OpenApiParameter("recording_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The session id."),
    OpenApiParameter(
        "source",
        OpenApiTypes.STR,
        enum=["blob", "realtime", "blob_v2", "blob_v2_lts"],
        description="Omit to list the sources.",
    ),
    OpenApiParameter(
        "blob_key",
        OpenApiTypes.STR,
        description="Required with `source=blob` (`{first_ms}-{last_ms}`, else a 400) and "
        "`source=blob_v2_lts` (the copy's key): a `blob_key` from the sources list. With "
        "`source=blob_v2` (PostHog's era B): one block index, or the copy's key. Ignored without a "
        "`source`.",
    ),
    OpenApiParameter(
        "start_blob_key",
        {"type": "string", "pattern": BLOCK_INDEX_PATTERN},
        description="Required with `source=blob_v2` (unless a `blob_key` is given): the first block index "
        "of the range (inclusive), not after `end_blob_key`.",
    ),
    OpenApiParameter(
        "end_blob_key",
        {"type": "string", "pattern": BLOCK_INDEX_PATTERN},
        description="Required with `source=blob_v2` (unless a `blob_key` is given): the last block index "
        "of the range (inclusive); at most 20 blocks (100 without a personal API key) from `start_blob_key`.",
    ),
    OpenApiParameter(
        "decompress",
        OpenApiTypes.BOOL,
        default=True,
        description="`blob_v2` / `blob_v2_lts`: `true` → JSONL; `false` → snappy (see above).",
    ),
    OpenApiParameter(
        "blob_v2", OpenApiTypes.BOOL, default=False, description="Listing: v2 blocks instead of v1 sources."
    ),
    OpenApiParameter(
        "blob_v2_lts",
        OpenApiTypes.BOOL,
        default=False,
        description="Listing: a persisted recording's current long-term copy as one `blob_v2_lts` source.",
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
        description="An ETag from an earlier blob fetch (blobs).",
    ),
]

_ERRORS = {
    400: "Invalid parameter (`attr` names it): unknown `source`, missing or malformed `blob_key`, "
    "bad `version`, missing or non-integer block keys, too many blocks at once, bad booleans.",
    401: "No or invalid credentials.",
    403: "Not a member of the organization, the API key lacks `session_recording:read`, or the sharing "
    "token is for another recording.",
    404: "No such recording in this environment, no such blob or long-term copy for it, no blocks "
    "(`Session recording not found`) or a block range past the last block (`Block index out of range`).",
    410: "The recording was deleted (`recording_deleted`, with `deleted_at` and `deleted_by`).",
    416: "The `Range` starts past the end of the blob (`Content-Range: bytes */size`).",
    429: "Throttled (snapshot calls have their own, lower budget).",
    500: "A stored blob does not match what was recorded about it (`snapshot_blob_inconsistent`).",
    503: "Object storage or the live buffer is unavailable; retry after `Retry-After` seconds.",
}

_PHASE_ONE_OR_REALTIME = PolymorphicProxySerializer(
    component_name="SnapshotsResponse",
    serializers=[SnapshotSourcesSerializer, RealtimeSnapshotsSerializer],
    resource_type_field_name=None,
    many=False,
)

EXAMPLES = [
    OpenApiExample(
        "Phase 1: the sources",
        response_only=True,
        status_codes=["200"],
        value={
            "sources": [
                {
                    "source": "blob",
                    "start_timestamp": "2026-05-01T12:00:00Z",
                    "end_timestamp": "2026-05-01T12:01:00Z",
                    "blob_key": "1777636800000-1777636860000",
                },
                {
                    "source": "realtime",
                    "start_timestamp": "2026-05-01T12:01:05Z",
                    "end_timestamp": None,
                    "blob_key": None,
                },
            ]
        },
    ),
    OpenApiExample(
        "Realtime, version og",
        response_only=True,
        status_codes=["200"],
        value={
            "snapshots": [{"window_id": "w-1", "data": [{"type": 3, "data": {"source": 1}, "timestamp": 1}]}]
        },
    ),
]

snapshots_schema = extend_schema(
    description=DESCRIPTION,
    parameters=PARAMETERS,
    examples=EXAMPLES,
    responses={
        (200, "application/json"): OpenApiResponse(
            _PHASE_ONE_OR_REALTIME,
            description="Sources (no `source`), realtime `og` snapshots, or, for `source=blob`, a "
            "JSONL body (one JSON object per line, PostHog's content type). Blob responses carry "
            "`ETag`, `Cache-Control`, `Accept-Ranges: bytes`, `Vary: Accept-Encoding` and, with "
            "`Accept-Encoding: gzip`, `Content-Encoding: gzip`.",
        ),
        (200, "application/jsonl"): OpenApiResponse(
            OpenApiTypes.STR,
            description="Realtime `2024-04-30` (`{window_id, data}` lines), `blob_v2` and decoded "
            "`blob_v2_lts` (`[window_id, event]` lines, the final newline stripped).",
        ),
        (200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY,
            description="`blob_v2` / `blob_v2_lts` with `decompress=false`: raw snappy blocks.",
        ),
        206: OpenApiResponse(
            OpenApiTypes.BINARY,
            description="The requested byte range of the blob (`Content-Range: bytes start-end/size`).",
        ),
        304: OpenApiResponse(description="`If-None-Match` matched: the cached blob is current."),
        **{code: OpenApiResponse(ApiErrorSerializer, description=text) for code, text in _ERRORS.items()},
    },
)
