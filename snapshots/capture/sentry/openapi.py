"""The Sentry ingest endpoints in the OpenAPI document, under their own "Sentry ingest" tag.

Plain Django views speaking Sentry's envelope protocol (``snapshots.capture.sentry.views``):
``sentry_paths_add`` (a drf-spectacular postprocessing hook) describes them.
"""

from __future__ import annotations

from typing import Any

from snapshots.capture.sentry.auth import MAX_PROTOCOL_VERSION

SENTRY_TAG = {
    "name": "Sentry ingest",
    "description": (
        "What the Sentry SDKs send to the DSN `http://<public key>@<host>/<environment id>`: "
        "envelopes (replay segments, errors, transactions; other items are accepted and dropped). "
        "Authenticated by the client key (`sentry_key` query parameter, `X-Sentry-Auth`, "
        "`Authorization: Sentry …`, or the envelope header's `dsn`), never by a personal API key."
    ),
}
_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
_PARAMETERS = [
    {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    {
        "name": "sentry_key",
        "in": "query",
        "required": False,
        "description": "The DSN's public key (32 hex); empty: none.",
        "schema": {"type": "string", "pattern": "^([0-9a-fA-F]{32})?$"},
    },
    {
        "name": "sentry_version",
        "in": "query",
        "required": False,
        "description": "The protocol version (read with `sentry_key`).",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PROTOCOL_VERSION},
    },
    {
        "name": "sentry_client",
        "in": "query",
        "required": False,
        "description": "The SDK's name and version (no NUL: a 400, as for any query parameter).",
        "schema": {"type": "string", "pattern": "^[^\\u0000]*$"},
    },
]
_EXAMPLE = (
    '{"event_id":"577486ad75574166a76561e6c2e0a827","sent_at":"2026-05-01T12:00:00.000Z"}\n'
    '{"type":"replay_event"}\n'
    '{"type":"replay_event","replay_id":"577486ad75574166a76561e6c2e0a827","segment_id":0,'
    '"timestamp":1777636800.0,"replay_start_timestamp":1777636795.0,"urls":["https://shop.example/"]}\n'
    '{"type":"replay_recording","length":48}\n'
    '{"segment_id":0}\n[{"type":4,"timestamp":1,"data":{}}]'
)


def _error(description: str, detail: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _DETAIL, "example": {"detail": detail}}},
    }


ENVELOPE_BODY = {
    "application/x-sentry-envelope": {
        "schema": {
            "type": "string",
            "description": "Newline-delimited: a JSON object header line, then items, each a JSON header "
            "line with a `type` (and optionally the payload's `length` in bytes) and its payload. The "
            "browser SDK sends it as `text/plain`; the Content-Type is not read.",
        },
        "example": _EXAMPLE,
    }
}
_STORE_EXAMPLE = {"event_id": "d6c5df114813476c8b38d21c945c64dd", "level": "error", "message": "boom"}
STORE_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "One event, as SDKs before envelopes sent it (base64 of zlib JSON is read too).",
        },
        "example": _STORE_EXAMPLE,
    }
}


def _operation(operation_id: str, summary: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": [SENTRY_TAG["name"]],
        "security": [],
        "parameters": _PARAMETERS,
        "requestBody": {
            "required": True,
            "content": body,
        },
        "responses": {
            "200": {
                "description": "Stored in the live buffer; the recording follows within a moment.",
                "content": {"application/json": {"example": {"id": "577486ad75574166a76561e6c2e0a827"}}},
            },
            "400": _error(
                "A malformed envelope, item or path: nothing is stored.",
                "invalid envelope: empty request body",
            ),
            "401": _error("No key, several, or an unknown one.", "unknown public key"),
            "403": _error("A disabled key, or a key of another project.", "the client key is disabled"),
            "413": _error(
                "Past a size cap (SENTRY_*_MAX_BYTES).", "a event item is larger than 1048576 bytes"
            ),
            "429": _error(
                "Over the project's capture budget (X-Sentry-Rate-Limits).", "project quota exceeded"
            ),
            "503": _error(
                "The live buffer is unavailable: retry after Retry-After.",
                "temporarily unavailable, retry later",
            ),
        },
    }


def sentry_paths_add(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the Sentry ingest endpoints and their tag."""
    paths = result.setdefault("paths", {})
    paths["/api/{project_id}/envelope/"] = {
        "post": _operation("sentry_envelope", "Send an envelope", ENVELOPE_BODY)
    }
    paths["/api/{project_id}/store/"] = {"post": _operation("sentry_store", "Send one event", STORE_BODY)}
    tags = result.setdefault("tags", [])
    if not any(tag.get("name") == SENTRY_TAG["name"] for tag in tags):
        tags.append(SENTRY_TAG)
    return result
