"""Operation summaries and the error examples of the OpenAPI document.

Summaries are the one-line titles Swagger UI and Redoc list operations by. An operation that
declares none (``extend_schema(summary=…)``) gets one from ``operation_summary``: standard actions
are named from the viewset's scope object, custom actions from ``CUSTOM_SUMMARIES``.
"""

from __future__ import annotations

from typing import Any

# scope object -> (singular, plural)
OBJECT_NAMES = {
    "session_recording": ("session recording", "session recordings"),
    "session_recording_playlist": ("playlist", "playlists"),
    "sharing_configuration": ("sharing configuration", "sharing configurations"),
}
STANDARD_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "Retrieve a {singular}",
    "create": "Create a {singular}",
    "update": "Replace a {singular}",
    "partial_update": "Update a {singular}",
    "destroy": "Delete a {singular}",
}
# (scope object, action[, HTTP method]) -> summary
CUSTOM_SUMMARIES = {
    ("session_recording", "persist"): "Keep a recording past its retention period",
    ("session_recording", "viewed"): "Whether you and others viewed a recording",
    ("session_recording", "similar_sessions"): "Recordings similar to this one",
    ("session_recording", "summarize"): "Summarize a recording (pages, clicks, errors, idle time)",
    ("session_recording", "bulk_delete"): "Delete up to 100 recordings",
    ("session_recording", "bulk_viewed"): "Mark up to 100 recordings viewed",
    ("session_recording", "bulk_not_viewed"): "Mark up to 100 recordings not viewed",
    ("session_recording", "matching_events"): "Events of recordings that match a filter",
    ("session_recording", "properties"): "Properties of the given recordings",
    ("session_recording", "batch_check_exists"): "Which of the given recordings exist",
    ("session_recording", "snapshots"): "Snapshot sources of a recording, then each source's data",
    ("session_recording_playlist", "recordings"): "List a playlist's recordings",
    ("session_recording_playlist", "modify_recordings", "post"): "Pin a recording to a playlist",
    ("session_recording_playlist", "modify_recordings", "delete"): "Unpin a recording from a playlist",
    ("session_recording_playlist", "bulk_add_recordings"): "Pin several recordings to a playlist",
    ("session_recording_playlist", "bulk_delete_recordings"): "Unpin several recordings from a playlist",
    ("session_recording_playlist", "playlist_viewed"): "Mark a playlist viewed by you",
}

ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "400": {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Unknown parameter: colour.",
        "attr": "colour",
    },
    "401": {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Personal API key found in request Authorization header is invalid.",
        "attr": None,
    },
    "403": {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'session_recording:write'",
        "attr": None,
    },
    "404": {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None},
    "429": {
        "type": "throttled_error",
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 12 seconds.",
        "attr": None,
    },
}


def operation_summary(*, scope_object: str | None, action: str | None, method: str, path: str) -> str | None:
    """The default summary of an operation, or None when nothing fits."""
    if scope_object is None or action is None:
        return None
    if path.rstrip("/").endswith("/snapshots"):
        action = "snapshots"
    custom = CUSTOM_SUMMARIES.get((scope_object, action, method.lower())) or CUSTOM_SUMMARIES.get(
        (scope_object, action)
    )
    if custom:
        return custom
    singular, plural = OBJECT_NAMES.get(scope_object, (scope_object.replace("_", " "),) * 2)
    template = STANDARD_SUMMARIES.get(action)
    return template.format(singular=singular, plural=plural) if template else None
