"""Sentry envelope framing (reference §2), on bytes: headers and item payloads, nothing more.

``Envelope = Headers { "\\n" Item } [ "\\n" ]``, ``Item = Headers "\\n" Payload``. Each header is
one line of JSON (an object). An item header needs a string ``type``; with ``length`` (bytes, an
integer ≥ 0) the payload is exactly that many bytes and must be followed by ``\\n`` or the end;
without it the payload runs to the next ``\\n`` or the end. Trailing newlines are allowed.
Unknown header keys are kept; unknown item types are the caller's to skip.

``envelope_parse`` raises ``EnvelopeInvalid`` with a reason for anything else: a 400, and the
whole envelope is refused (nothing of it is stored). ``ItemTooLarge`` (a 413) when an item's
payload exceeds the cap of its type (``item_caps``, default ``max_item_bytes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

MAX_ITEMS = 1000
MAX_HEADER_BYTES = 64 * 1024


class EnvelopeInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ItemTooLarge(Exception):
    def __init__(self, item_type: str, limit: int) -> None:
        super().__init__(f"a {item_type} item is larger than {limit} bytes")
        self.reason = str(self)


@dataclass(frozen=True)
class EnvelopeItem:
    type: str
    headers: dict[str, Any]
    payload: bytes


@dataclass(frozen=True)
class Envelope:
    headers: dict[str, Any]
    items: list[EnvelopeItem] = field(default_factory=list)

    def of_type(self, item_type: str) -> list[EnvelopeItem]:
        return [item for item in self.items if item.type == item_type]


def _header(data: bytes, start: int, what: str) -> tuple[dict[str, Any], int]:
    end = data.find(b"\n", start)
    end = len(data) if end == -1 else end
    if end - start > MAX_HEADER_BYTES:
        raise EnvelopeInvalid(f"the {what} header is longer than {MAX_HEADER_BYTES} bytes")
    try:
        header = orjson.loads(data[start:end])
    except orjson.JSONDecodeError as error:
        raise EnvelopeInvalid(f"the {what} header is not valid JSON") from error
    if not isinstance(header, dict):
        raise EnvelopeInvalid(f"the {what} header must be a JSON object")
    return header, end + 1


def _length_of(header: dict[str, Any], index: int) -> int | None:
    length = header.get("length")
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise EnvelopeInvalid(f"item {index}: length must be a non-negative integer")
    return length


def _payload(data: bytes, start: int, length: int | None, index: int) -> tuple[bytes, int]:
    if length is None:
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        return data[start:end], end + 1
    end = start + length
    if end > len(data):
        raise EnvelopeInvalid(f"item {index}: length {length} runs past the end of the envelope")
    if end < len(data) and data[end : end + 1] != b"\n":
        raise EnvelopeInvalid(f"item {index}: its payload of length {length} is not followed by a newline")
    return data[start:end], end + 1


def _only_newlines(data: bytes, start: int) -> bool:
    return not data[start:].strip(b"\n")


def envelope_parse(
    data: bytes, *, max_item_bytes: int, item_caps: Mapping[str, int] | None = None
) -> Envelope:
    """The envelope in ``data`` (see the module docstring for the grammar and failures)."""
    if not data.strip():
        raise EnvelopeInvalid("empty request body")
    headers, position = _header(data, 0, "envelope")
    envelope = Envelope(headers=headers)
    caps = item_caps or {}
    while position < len(data) and not _only_newlines(data, position):
        index = len(envelope.items)
        if index >= MAX_ITEMS:
            raise EnvelopeInvalid(f"an envelope holds at most {MAX_ITEMS} items")
        header, position = _header(data, position, f"item {index}")
        item_type = header.get("type")
        if not isinstance(item_type, str) or not item_type:
            raise EnvelopeInvalid(f"item {index}: the header has no type")
        payload, position = _payload(data, position, _length_of(header, index), index)
        limit = caps.get(item_type, max_item_bytes)
        if len(payload) > limit:
            raise ItemTooLarge(item_type, limit)
        envelope.items.append(EnvelopeItem(type=item_type, headers=header, payload=payload))
    return envelope
