"""Bounded decompression for the Sentry adapter: request bodies and replay recordings.

Every function refuses to produce more than ``max_bytes`` (``BodyTooLarge``, a 413) and stops
as soon as the cap is crossed, so a small bomb never expands in memory. Malformed data raises
``EncodingInvalid`` with a reason (a 400).

- ``body_decode``: the request's ``Content-Encoding`` — ``identity``, ``gzip`` (``x-gzip``),
  ``deflate`` (zlib, or raw deflate as some clients send it), ``br``; a list of encodings is
  undone last to first, as HTTP applies them in order.
- ``recording_decompress``: a ``replay_recording`` body as the SDK sends it — plain JSON when it
  starts with ``[``, zlib when it starts with ``0x78``, gzip when it starts with ``1f 8b``
  (reference §4.2: Sentry tries zlib, then plain; this checks the magic bytes first).
"""

from __future__ import annotations

import zlib

import brotli

from snapshots.capture.decoding import GZIP_MAGIC, BodyTooLarge, CaptureDecodeError, gunzip_capped

_CHUNK = 256 * 1024


class EncodingInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inflate_capped(data: bytes, *, wbits: int, max_bytes: int) -> bytes:
    """zlib (``wbits=15``) or raw deflate (``-15``) of one stream, at most ``max_bytes`` out."""
    decompressor = zlib.decompressobj(wbits)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += decompressor.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise BodyTooLarge
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                break
    except zlib.error as error:
        raise EncodingInvalid(f"invalid deflate data: {error}") from error
    if not decompressor.eof:
        raise EncodingInvalid("the compressed data is truncated")
    return bytes(out)


def _brotli_capped(data: bytes, *, max_bytes: int) -> bytes:
    decompressor = brotli.Decompressor()
    out = bytearray()
    try:
        out += decompressor.process(data, output_buffer_limit=_CHUNK)
        while not decompressor.is_finished() and len(out) <= max_bytes:
            chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
            if not chunk:
                break  # all input consumed and nothing more to give: truncated
            out += chunk
    except brotli.error as error:
        raise EncodingInvalid("invalid brotli data") from error
    if len(out) > max_bytes:
        raise BodyTooLarge
    if not decompressor.is_finished():
        raise EncodingInvalid("the brotli data is truncated")
    return bytes(out)


def _gunzip(data: bytes, *, max_bytes: int) -> bytes:
    try:
        return bytes(gunzip_capped(data, max_bytes=max_bytes))
    except CaptureDecodeError as error:
        raise EncodingInvalid(error.detail) from error


def _deflate(data: bytes, *, max_bytes: int) -> bytes:
    # HTTP's "deflate" is zlib; some clients send raw deflate. zlib starts with a valid header.
    looks_zlib = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
    return inflate_capped(data, wbits=zlib.MAX_WBITS if looks_zlib else -zlib.MAX_WBITS, max_bytes=max_bytes)


def body_decode(data: bytes, *, content_encoding: str, max_bytes: int) -> bytes:
    """Undo ``content_encoding`` (see the module docstring); raises ``EncodingInvalid`` for an
    unknown coding (``code`` 415 is not used: the SDK treats every non-2xx alike)."""
    codings = [part.strip().lower() for part in content_encoding.split(",") if part.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            data = _gunzip(data, max_bytes=max_bytes)
        elif coding == "deflate":
            data = _deflate(data, max_bytes=max_bytes)
        elif coding == "br":
            data = _brotli_capped(data, max_bytes=max_bytes)
        else:
            raise EncodingInvalid(f"unsupported Content-Encoding {coding!r} (use gzip, deflate or br)")
    if len(data) > max_bytes:
        raise BodyTooLarge
    return data


def recording_decompress(data: bytes, *, max_bytes: int) -> bytes:
    """The JSON text of a ``replay_recording`` body (see the module docstring)."""
    head = data.lstrip(b" \t\r\n")[:1]
    if head == b"[":
        if len(data) > max_bytes:
            raise BodyTooLarge
        return data
    if data[:1] == b"\x78":
        return inflate_capped(data, wbits=zlib.MAX_WBITS, max_bytes=max_bytes)
    if data.startswith(GZIP_MAGIC):
        return _gunzip(data, max_bytes=max_bytes)
    raise EncodingInvalid("the replay recording is neither JSON, zlib nor gzip")
