"""The one home of blob keys.

A blob's *blob key* names it within its recording: ``{first_ms}-{last_ms}``, the millisecond
times it covers. Its *object key* places it in the bucket (ARCHITECTURE §4):
``session_recordings/team_id/{env_id}/session_id/{session_id}/data/{blob_key}``. Every module
formats and parses keys here; ``RecordingBlob.object_key`` is the object key of a recorded blob.
"""

from __future__ import annotations

import re

BLOB_KEY_MAX_LENGTH = 64
_BLOB_KEY = re.compile(r"([0-9]+)-([0-9]+)")


def blob_key_format(*, first_ms: int, last_ms: int) -> str:
    return f"{first_ms}-{last_ms}"


def blob_key_parse(blob_key: str) -> tuple[int, int] | None:
    """``(first_ms, last_ms)`` of a well-formed blob key (``digits-digits``), else None.

    Anything else (path separators, signs, spaces, over-long keys) is not a blob key, so it can
    never reach storage as part of an object key.
    """
    if len(blob_key) > BLOB_KEY_MAX_LENGTH:
        return None
    match = _BLOB_KEY.fullmatch(blob_key)
    return (int(match[1]), int(match[2])) if match else None


def session_prefix(*, environment_id: int, session_id: str) -> str:
    """The prefix under which every blob of one session is stored (ends with ``/``)."""
    return f"session_recordings/team_id/{environment_id}/session_id/{session_id}/data/"


def blob_object_key(*, environment_id: int, session_id: str, blob_key: str) -> str:
    """The object key of blob ``blob_key`` of a session; ``blob_key`` must be well-formed."""
    if blob_key_parse(blob_key) is None:
        raise ValueError(f"not a blob key: {blob_key[:100]!r}")
    return session_prefix(environment_id=environment_id, session_id=session_id) + blob_key


def long_term_prefix(*, environment_id: int, session_id: str) -> str:
    """Where a persisted recording's long-term copies live (PostHog's ``session_recordings_lts``)."""
    return f"session_recordings_lts/team_id/{environment_id}/session_id/{session_id}/"


def long_term_object_key(*, environment_id: int, session_id: str) -> str:
    """The v2 long-term copy: one raw snappy stream of the recording (``blob_v2_lts``)."""
    return long_term_prefix(environment_id=environment_id, session_id=session_id) + "v2"
