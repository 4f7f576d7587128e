"""How error events group into issues: one fingerprint per event, one issue per fingerprint.

Sentry's default grouping, reduced to what an error event of a browser SDK carries:

1. a custom fingerprint the SDK sent (Sentry's ``fingerprint``, posthog-js's
   ``$exception_fingerprint``): its strings, with ``{{ default }}`` standing for the default
   components below;
2. else the stack trace of the main exception: the in-app frames (every frame when none is
   marked in-app), each as its module (or file name without query string) and function —
   line and column numbers left out, so a redeploy that moves code keeps the issue;
3. else the exception's type and value;
4. else the message.

The fingerprint is the MD5 of those components (32 lowercase hex, as Sentry's grouping hashes).
Pure: no database, no clock; ingestion computes it once per event (``ErrorRecord.fingerprint``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

DEFAULT_PLACEHOLDER = "{{ default }}"
MAX_CULPRIT = 512


def _frames(stacktrace: Any) -> list[dict[str, Any]]:
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(frames, list):
        return []
    frames = [frame for frame in frames if isinstance(frame, dict)]
    in_app = [frame for frame in frames if frame.get("in_app") is True]
    return in_app or frames


def _frame_location(frame: dict[str, Any]) -> str:
    module = frame.get("module")
    if isinstance(module, str) and module:
        return module
    filename = frame.get("filename") or frame.get("abs_path") or ""
    return filename.split("?", 1)[0].split("#", 1)[0] if isinstance(filename, str) else ""


def _frame_component(frame: dict[str, Any]) -> str:
    function = frame.get("function")
    return f"{_frame_location(frame)}:{function if isinstance(function, str) else ''}"


def _default_components(
    *, exception_type: str, exception_value: str, stacktrace: Any, message: str
) -> list[str]:
    frames = [component for component in map(_frame_component, _frames(stacktrace)) if component != ":"]
    if frames:
        return ["stacktrace", exception_type, *frames]
    if exception_type or exception_value:
        return ["exception", exception_type, exception_value]
    return ["message", message]


def error_fingerprint(
    *,
    exception_type: str = "",
    exception_value: str = "",
    stacktrace: Any = None,
    message: str = "",
    custom: Any = None,
) -> str:
    """The grouping hash of an error event (see the module docstring); ``stacktrace`` is the raw
    ``{"frames": [...]}`` of the main exception, ``custom`` the SDK's fingerprint (a list of
    strings, anything else ignored)."""
    default = _default_components(
        exception_type=exception_type, exception_value=exception_value, stacktrace=stacktrace, message=message
    )
    components: Sequence[str] = default
    if isinstance(custom, list) and custom and all(isinstance(part, str) for part in custom):
        expanded = [default if part == DEFAULT_PLACEHOLDER else [part] for part in custom]
        components = ["custom", *(piece for pieces in expanded for piece in pieces)]
    return hashlib.md5("\x00".join(components).encode(), usedforsecurity=False).hexdigest()


def error_culprit(stacktrace: Any) -> str:
    """Where the error happened, as Sentry's culprit of a browser error: the innermost in-app
    frame's function and file (``handleClick(app/checkout.js)``); "" without frames."""
    frames = _frames(stacktrace)
    if not frames:
        return ""
    frame = frames[-1]
    function = frame.get("function") if isinstance(frame.get("function"), str) else ""
    location = _frame_location(frame)
    culprit = f"{function}({location})" if function and location else function or location
    return culprit[:MAX_CULPRIT]


def issue_title(*, exception_type: str, exception_value: str, message: str) -> str:
    """Sentry's title of an error issue: ``Type: first line of the value``, else the message."""
    value = exception_value.splitlines()[0] if exception_value else ""
    if exception_type:
        title = f"{exception_type}: {value}" if value else exception_type
    else:
        title = value or (message.splitlines()[0] if message else "") or "<unlabeled event>"
    return title[:MAX_CULPRIT]
