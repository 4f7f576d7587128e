"""The capture endpoints in the OpenAPI document, under their own "Capture" tag.

They are plain Django views (posthog-js' wire protocol, not DRF), so drf-spectacular cannot
discover them: ``capture_paths_add`` (a postprocessing hook listed in ``SPECTACULAR_SETTINGS``)
adds their description, with request and response examples, to the generated document.
"""

from __future__ import annotations

from typing import Any

CAPTURE_TAG = {
    "name": "Capture",
    "description": (
        "What posthog-js sends to its `api_host`: snapshot batches (`$snapshot` events) and other "
        "events. Authenticated by the project token (`phc_…`) inside the body, never by a personal "
        "API key. Bodies may be JSON, gzip (`?compression=gzip-js` or `Content-Encoding: gzip`), "
        "base64 or lz64 form data (`data=`). Every item is kept or listed under `rejected`."
    ),
}
CAPTURE_PATHS = {
    "/s/": "Capture session recording snapshots",
    "/e/": "Capture events",
    "/i/v0/e/": "Capture events (newer posthog-js path)",
    "/batch/": "Capture a batch of events",
    "/capture/": "Capture events (alias)",
    "/track/": "Capture events (alias)",
}

_ERROR = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "attr": {"type": "string", "nullable": True},
    },
    "required": ["type", "code", "detail", "attr"],
}
_SNAPSHOT_ITEM = {
    "event": "$snapshot",
    "properties": {
        "token": "phc_your_project_token",
        "distinct_id": "user-42",
        "$session_id": "0192a0f1-7b7c-7d4e-9a1b-3c2d1e0f9a8b",
        "$window_id": "0192a0f1-7b7c-7d4e-9a1b-aaaaaaaaaaaa",
        "$snapshot_bytes": 1520,
        "$snapshot_data": [
            {
                "type": 4,
                "data": {"href": "https://shop.example/", "width": 1280, "height": 800},
                "timestamp": 1,
            },
            {"type": 2, "data": {"node": {"type": 0, "childNodes": [], "id": 1}}, "timestamp": 2},
        ],
    },
    "timestamp": "2026-05-01T12:00:00.000Z",
}


def _response(description: str, schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


def _error(description: str, type_: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    example = {"type": type_, "code": code, "detail": detail, "attr": attr}
    return _response(description, _ERROR, example)


# The ``data`` field of a form body: a payload (``PAYLOAD_SCHEMA``) as JSON text, base64 of it, or
# base64 of its gzip (``decode_data_field``), a string grammar JSON Schema cannot state.
CAPTURE_DATA_FORMAT = "posthog-capture-data"
# A ``text/plain`` body: the payload's JSON text (or its gzip, detected by its magic bytes).
CAPTURE_TEXT_FORMAT = "posthog-capture-text"
_EVENTS = {"type": "array", "minItems": 1, "items": {"type": "object"}}
_BATCH = {"anyOf": [_EVENTS, {"type": "object"}]}
# What ``capture_payload_parse`` reads: an array of events, ``{batch: …}`` / ``{data: …}`` (an
# array of events or one event), or one event (an object with ``event`` and no batch). Anything
# else is a 400 (``invalid_payload`` / ``no_events``).
PAYLOAD_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _EVENTS,
        {"type": "object", "required": ["batch"], "properties": {"batch": _BATCH}},
        {
            "type": "object",
            "required": ["data"],
            "properties": {"data": _BATCH},
            "not": {"required": ["batch"]},
        },
        {
            "type": "object",
            "required": ["event"],
            "not": {"anyOf": [{"required": ["batch"]}, {"required": ["data"]}]},
        },
    ]
}
_ACCEPTED = {
    "type": "object",
    "properties": {
        "status": {"type": "integer", "enum": [1]},
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "required": ["status"],
}


def _responses() -> dict[str, Any]:
    return {
        "200": _response("Every usable item is stored; unusable ones are listed.", _ACCEPTED, {"status": 1}),
        "400": _error(
            "Nothing usable, or the body cannot be decoded.",
            "validation_error",
            "invalid_json",
            "The body is not valid JSON.",
            "body",
        ),
        "401": _error(
            "No project token, or an unknown one.",
            "authentication_error",
            "authentication_failed",
            "Project API key invalid. You can find your project API key in your project settings.",
        ),
        "413": _error(
            "The body, compressed or decompressed, is larger than CAPTURE_MAX_BODY_BYTES.",
            "invalid_request",
            "payload_too_large",
            "The request body is larger than 20971520 bytes (compressed or decompressed).",
        ),
        "503": _error(
            "The live buffer or the database is unavailable: retry after Retry-After seconds.",
            "server_error",
            "service_unavailable",
            "The live buffer or the database is unavailable; retry later.",
        ),
    }


def _operation_id(method: str, path: str) -> str:
    suffix = path.strip("/").replace("/", "_") or "root"
    return f"capture_{suffix}" if method == "post" else f"capture_{suffix}_{method}"


def _post(path: str, summary: str) -> dict[str, Any]:
    return {
        "operationId": _operation_id("post", path),
        "summary": summary,
        "tags": [CAPTURE_TAG["name"]],
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": PAYLOAD_SCHEMA, "example": [_SNAPSHOT_ITEM]},
                "text/plain": {"schema": {"type": "string", "format": CAPTURE_TEXT_FORMAT}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["data"],
                        "properties": {
                            "data": {
                                "type": "string",
                                "format": CAPTURE_DATA_FORMAT,
                                "description": "The payload (as the JSON body): JSON text, base64 of "
                                "it, or base64 of its gzip; lz-string base64 with `compression=lz64`.",
                            }
                        },
                    }
                },
            },
        },
        "responses": _responses(),
    }


def _get(path: str, summary: str) -> dict[str, Any]:
    """What legacy and image-beacon clients send: the payload in the ``data`` query parameter."""
    return {
        "operationId": _operation_id("get", path),
        "summary": f"{summary} (payload in the query string)",
        "description": (
            "The payload travels in `data`: the JSON itself (URL-encoded), or base64 of it (gzip "
            "inside allowed); `compression=lz64` says it is lz-string base64 instead."
        ),
        "tags": [CAPTURE_TAG["name"]],
        "security": [],
        "parameters": [
            {
                "name": "data",
                "in": "query",
                "required": True,
                "description": "The payload: the same JSON a POST body carries.",
                "content": {"application/json": {"schema": PAYLOAD_SCHEMA}},
            }
        ],
        "responses": _responses(),
    }


def capture_paths_add(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the capture endpoints and their tag."""
    paths = result.setdefault("paths", {})
    for path, summary in CAPTURE_PATHS.items():
        paths[path] = {"get": _get(path, summary), "post": _post(path, summary)}
    tags = result.setdefault("tags", [])
    if not any(tag.get("name") == CAPTURE_TAG["name"] for tag in tags):
        tags.append(CAPTURE_TAG)
    return result
