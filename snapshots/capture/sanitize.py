"""Making decoded capture JSON safe to store, without touching the recording itself.

Browsers send what JSON allows but storage refuses: NUL characters (PostgreSQL rejects them in
``text`` and ``jsonb``), lone UTF-16 surrogates (no UTF-8 encoder accepts them; posthog-js emits
them as ``\\ud800`` escapes for truncated emoji) and nesting deeper than the JSON encoders'
recursion limits. ``decoding.parse_json`` already guarantees finite numbers within 64 bits.

- ``storable_text`` / ``storable_json``: for what goes into database columns (event names,
  distinct ids, event properties, URLs). NUL and lone surrogates become U+FFFD; object keys too.
  Floats outside the 64-bit integer range become their string form: PostgreSQL's ``jsonb``
  hands ``1e29`` back as the integer ``123456789012345680000000000000``, which the API's orjson
  encoder (64-bit integers, 255 levels) could not render again. ``storable_json`` raises
  ``TooDeep`` past ``MAX_DEPTH`` levels for the same reason.
- ``events_json``: an item's rrweb events serialized once, exactly as received. ``cv`` payloads
  are gzip bytes mapped to latin-1 characters, full of NULs, and must stay byte-exact, so
  nothing is replaced here: lone surrogates fall back to ASCII escapes (still valid JSON that
  decodes to the same string). Raises ``TooDeep`` for nesting no encoder can write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import orjson

MAX_DEPTH = 64
_INT64_MIN, _UINT64_LIMIT = -(2.0**63), 2.0**64
REPLACEMENT_CHARACTER = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class TooDeep(Exception):
    """The value nests deeper than can be stored and rendered again."""


def storable_text(value: str) -> str:
    """``value`` with NUL and lone surrogates replaced by U+FFFD (unchanged when it has none)."""
    if value.isascii() and "\x00" not in value:
        return value
    return _UNSTORABLE.sub(REPLACEMENT_CHARACTER, value)


def storable_json(value: Any, *, depth: int = 0) -> Any:
    """A copy of decoded JSON whose strings (keys included) are ``storable_text``.

    Raises ``TooDeep`` when containers nest more than ``MAX_DEPTH`` levels.
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not _INT64_MIN <= value < _UINT64_LIMIT:
        return repr(value)
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise TooDeep
        return {storable_text(key): storable_json(item, depth=depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise TooDeep
        return [storable_json(item, depth=depth + 1) for item in value]
    return value


def events_json(events: Sequence[Any]) -> bytes:
    """The JSON array of ``events``, byte-for-byte what ``orjson.dumps`` writes when it can.

    Deterministic (a retried request produces the same bytes). Raises ``TooDeep``.
    """
    try:
        return orjson.dumps(list(events))
    except orjson.JSONEncodeError:
        pass  # lone surrogates or deeper than orjson's limit: the stdlib writes both
    try:
        return json.dumps(list(events), separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()
    except RecursionError as error:
        raise TooDeep from error
