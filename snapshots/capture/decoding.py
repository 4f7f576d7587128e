"""Decoding of capture request bodies into JSON, the way every posthog-js version sends them.

Order of detection (reference §1.3, §7.2):

1. bytes starting with the gzip magic ``1f 8b`` are gunzipped, whatever the Content-Type or the
   ``compression`` parameter says (current SDKs send ``text/plain`` gzip with no parameter);
   bytes starting with a zlib header (``78 9c`` and the like: deflate, what Sentry's replay
   worker and ``Content-Encoding: deflate`` clients produce) are inflated;
2. a form body (``application/x-www-form-urlencoded``, or a body starting with ``data=``) has
   its ``data`` field decoded: lz-string when ``compression`` is ``lz64``/``lz-string``, else
   base64 (and the base64 result is gunzipped when it is gzip);
3. anything else is UTF-8 JSON.

Bounded work: every decoder stops the moment its output passes ``max_bytes`` (gzip and deflate
inflate in slices of at most the remaining allowance, lz-string counts as it decodes, base64
refuses by arithmetic before decoding), raising ``BodyTooLarge``; so no body, however small
and however well it compresses, makes a worker hold more than about ``max_bytes`` of decoded
text. Parsing is bounded too: JSON with more than ``CAPTURE_MAX_JSON_NODES`` nodes (counted by
their punctuation, before parsing) is ``BodyTooLarge`` as well, because a few megabytes of
``[[],[],…]`` would otherwise become hundreds of megabytes of Python objects. Malformed input
raises ``CaptureDecodeError`` with a stable ``code`` and a human ``detail``; nothing here raises
anything else for bad bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from typing import Any
from urllib.parse import parse_qs

import orjson
from django.conf import settings

from snapshots.capture.lz_string import InvalidLzString, OutputTooLarge, lz_string_decompress_base64

GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_SLICE = 256 * 1024
# A 20 MB body of dense JSON parses into ~45-95 bytes of Python objects per node (measured for
# empty arrays, objects, numbers and short strings): this default keeps the worst case near 50 MB.
DEFAULT_MAX_JSON_NODES = 600_000
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_LZ64_NAMES = frozenset({"lz64", "lz-string"})


class CaptureDecodeError(Exception):
    """The body could not be decoded; ``code`` is a stable machine-readable reason."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class BodyTooLarge(Exception):
    """The body, or what it decompresses or parses to, is larger than the configured limit."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "")
        self.detail = detail


def _inflate_member(decompressor: Any, data: bytes | bytearray, out: bytearray, max_bytes: int) -> None:
    """Inflate one stream into ``out`` in slices no larger than what the cap still allows."""
    pending = data
    while True:
        allowance = min(_INFLATE_SLICE, max_bytes + 1 - len(out))
        out += decompressor.decompress(pending, allowance)
        if len(out) > max_bytes:
            raise BodyTooLarge
        pending = decompressor.unconsumed_tail
        if not pending or decompressor.eof:
            return


def gunzip_capped(data: bytes | bytearray, *, max_bytes: int) -> bytearray:
    """Gunzip ``data`` (possibly several concatenated members), never producing more than ``max_bytes``."""
    out = bytearray()
    remaining = data
    while remaining:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            _inflate_member(decompressor, remaining, out, max_bytes)
        except zlib.error as error:
            raise CaptureDecodeError("invalid_gzip", f"The body is not valid gzip: {error}.") from error
        if not decompressor.eof:
            raise CaptureDecodeError("invalid_gzip", "The gzip body is truncated.")
        remaining = decompressor.unused_data
        if remaining and not remaining.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member is ignored, like gzip(1) does
    return out


def is_zlib(data: bytes) -> bool:
    """A zlib (RFC 1950) header: deflate method, a window of at most 32 KB, a valid check value.
    No JSON, form or gzip body starts like this."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 and (data[0] << 8 | data[1]) % 31 == 0


def inflate_capped(data: bytes, *, max_bytes: int) -> bytearray:
    """Inflate a zlib stream, never producing more than ``max_bytes``; bytes after it are ignored."""
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS)
    try:
        _inflate_member(decompressor, data, out, max_bytes)
    except zlib.error as error:
        raise CaptureDecodeError("invalid_deflate", f"The body is not valid deflate: {error}.") from error
    if not decompressor.eof:
        raise CaptureDecodeError("invalid_deflate", "The deflate body is truncated.")
    return out


_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _int_or_float(text: str) -> int | float:
    # Like orjson: integers beyond 64 bits become floats (and too large a float is an error).
    value = int(text)
    return value if _INT64_MIN <= value <= _UINT64_MAX else _finite_float(text)


def max_json_nodes() -> int:
    return int(getattr(settings, "CAPTURE_MAX_JSON_NODES", DEFAULT_MAX_JSON_NODES))


def json_node_count(data: bytes | bytearray | str) -> int:
    """An upper bound of the values and members a JSON text holds: its ``[``, ``{``, ``,`` and
    ``:`` characters (those inside strings count too, which only errs on the safe side)."""
    if isinstance(data, str):
        return data.count("[") + data.count("{") + data.count(",") + data.count(":")
    return data.count(b"[") + data.count(b"{") + data.count(b",") + data.count(b":")


def parse_json(data: bytes | bytearray | str) -> Any:
    """Parse strict JSON: finite numbers, integers within 64 bits (larger ones become floats).

    More than ``CAPTURE_MAX_JSON_NODES`` nodes is ``BodyTooLarge``, before any parsing. orjson
    first (nesting limit 1024); the stdlib parses what orjson refuses only because of lone
    surrogates (``\\ud800`` escapes, which browsers send for cut emoji), with the same number
    rules and its own recursion limit. Anything else, NaN and Infinity included, raises
    ``CaptureDecodeError`` (``invalid_json``).
    """
    limit = max_json_nodes()
    # A text holds at most one counted character per byte: a short one needs no counting.
    if len(data) > limit and json_node_count(data) > limit:
        raise BodyTooLarge(f"The request body holds more than {limit} JSON values.")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_int_or_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise CaptureDecodeError("invalid_json", "The body is not valid JSON.") from error
    return value


def _decode_base64(value: str, *, max_bytes: int) -> bytes:
    # Old clients did not URL-encode "+", which form decoding turns into a space.
    if len(value) // 4 * 3 > max_bytes + 3:
        raise BodyTooLarge
    cleaned = value.strip().replace(" ", "+")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=False)
    except (binascii.Error, ValueError) as error:
        raise CaptureDecodeError("invalid_base64", "The data field is not valid base64.") from error


def _decode_lz64(value: str, *, max_bytes: int) -> str:
    try:
        decoded = lz_string_decompress_base64(value.strip().replace(" ", "+"), max_chars=max_bytes)
    except OutputTooLarge:
        raise BodyTooLarge from None
    except InvalidLzString as error:
        raise CaptureDecodeError("invalid_lz64", "The data field is not valid lz-string base64.") from error
    if not decoded:
        raise CaptureDecodeError("invalid_lz64", "The data field is not valid lz-string base64.")
    return decoded


def _decode_form(body: bytes, *, compression: str, max_bytes: int) -> Any:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as error:
        raise CaptureDecodeError("invalid_form", "The form body is not UTF-8.") from error
    data = fields.get("data")
    if not data:
        raise CaptureDecodeError("invalid_form", "The form body has no data field.")
    form_compression = (fields.get("compression") or [compression])[0].lower() or compression
    return decode_data_field(data[0], compression=form_compression, max_bytes=max_bytes)


def decode_data_field(value: str, *, compression: str, max_bytes: int) -> Any:
    """Decode a ``data=`` value (form field or query parameter): lz64 or base64 of JSON (or gzip),
    or the JSON itself (``[`` and ``{`` are not base64 characters, so the two never overlap)."""
    if value.lstrip()[:1] in ("[", "{"):
        return parse_json(value)
    if compression in _LZ64_NAMES:
        return parse_json(_decode_lz64(value, max_bytes=max_bytes))
    raw: bytes | bytearray = _decode_base64(value, max_bytes=max_bytes)
    if raw.startswith(GZIP_MAGIC):
        raw = gunzip_capped(raw, max_bytes=max_bytes)
    if raw.lstrip()[:1] not in (b"[", b"{"):
        # Some clients send the JSON itself, URL-encoded, in the data field.
        return parse_json(value)
    return parse_json(raw)


def decode_body(*, body: bytes, content_type: str, compression: str, max_bytes: int) -> Any:
    """Decode a capture request body into parsed JSON (see the module docstring for the rules)."""
    compression = compression.lower()
    if body.startswith(GZIP_MAGIC):
        return parse_json(gunzip_capped(body, max_bytes=max_bytes))
    if is_zlib(body):
        return parse_json(inflate_capped(body, max_bytes=max_bytes))
    if not body.strip():
        raise CaptureDecodeError("empty_body", "The request body is empty.")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == _FORM_CONTENT_TYPE or body.startswith(b"data="):
        return _decode_form(body, compression=compression, max_bytes=max_bytes)
    try:
        return parse_json(body)
    except CaptureDecodeError as error:
        if compression in ("gzip", "gzip-js"):
            raise CaptureDecodeError("invalid_gzip", "compression=gzip but the body is not gzip.") from error
        raise
