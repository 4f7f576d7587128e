"""PostHog's v2 snapshot format ("blob_v2"), derived from our stored blobs.

A v2 block is JSONL with one ``[window_id, event]`` array per rrweb event (what PostHog's v2
ingester writes). A stored line ``{"window_id": w, "data": [e1, e2]}`` becomes
``[w,e1]\\n[w,e2]\\n``; the events are re-serialized compactly (orjson; the standard library for
integers beyond 64 bits and lone surrogates), so their JSON values are unchanged. A stored line
of any other shape is passed through as it is (PostHog's player reads both shapes), so nothing
stored is ever dropped.

Wire encodings (reference: PostHog's ``decompress=false`` and its long-term copy):

- ``framed_block``: a 4-byte big-endian length, then that many bytes of raw (unframed) snappy.
- The long-term copy is one raw snappy stream of the whole recording's v2 JSONL. It is built from
  per-block compressions whose element streams are concatenated under one length header: snappy
  copies only reach back inside the block that produced them, so the result is a valid raw snappy
  stream for any decoder, and ``lts_decoded_chunks`` can decode it block by block while streaming
  (memory bounded by one block) given the segment layout recorded at write time.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import cramjam
import orjson

from snapshots.storage.blob_format import gunzip_chunks

OUTPUT_CHUNK_BYTES = 256 * 1024


# orjson reads integers beyond 64 bits as floats; lines with such long digit runs take the
# (slower, exact) standard library instead.
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{19,}")


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # a big integer or a lone surrogate (from the stdlib parser)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _loads(line: bytes) -> Any:
    if _LONG_DIGIT_RUN.search(line) is None:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass  # e.g. a lone surrogate escape, which the stdlib accepts
    return json.loads(line)


def v2_lines(line: bytes) -> bytes:
    """The v2 lines (each ending in ``\\n``) of one stored line (without its newline)."""
    try:
        parsed = _loads(line)
    except ValueError:
        return line + b"\n"
    if not (isinstance(parsed, dict) and isinstance(parsed.get("data"), list)):
        return line + b"\n"
    window_id = parsed.get("window_id")
    return b"".join(_dumps([window_id, event]) + b"\n" for event in parsed["data"])


def _batched(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Re-chunk ``pieces`` into chunks of about ``OUTPUT_CHUNK_BYTES`` (none empty)."""
    pending: list[bytes] = []
    size = 0
    for piece in pieces:
        if not piece:
            continue
        pending.append(piece)
        size += len(piece)
        if size >= OUTPUT_CHUNK_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _stored_lines(plain_chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for piece in plain_chunks:
        pending += piece
        *complete, pending = pending.split(b"\n")
        yield from (line for line in complete if line)
    if pending:
        yield pending


def v2_chunks_from_gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A stored gzip blob (its chunks) as v2 JSONL chunks, streamed; ``zlib.error`` when corrupt."""
    return _batched(v2_lines(line) for line in _stored_lines(gunzip_chunks(chunks)))


def v2_jsonl_from_lines(lines: Iterable[str]) -> bytes:
    """Live-buffer lines (text, in score order) as one v2 JSONL block."""
    return b"".join(v2_lines(line.encode("utf-8")) for line in lines)


def snappy_raw(data: bytes) -> bytes:
    return bytes(cramjam.snappy.compress_raw(data))


def snappy_raw_decode(data: bytes) -> bytes:
    """Raises ``ValueError`` on data that is not raw snappy."""
    try:
        return bytes(cramjam.snappy.decompress_raw(data))
    except cramjam.DecompressionError as error:
        raise ValueError(f"not raw snappy data: {error}") from None


def framed_block(block: bytes) -> bytes:
    """PostHog's ``decompress=false`` framing of one block: 4-byte big-endian length + raw snappy."""
    compressed = snappy_raw(block)
    return struct.pack(">I", len(compressed)) + compressed


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _without_length_header(raw: bytes) -> bytes:
    """A raw snappy stream's elements (its leading varint length removed)."""
    for index, byte in enumerate(raw[:5]):
        if byte < 0x80:
            return raw[index + 1 :]
    raise ValueError("not a raw snappy stream")


@dataclass
class LongTermCopyEncoder:
    """Accumulates blocks into one raw snappy stream; ``segments`` is ``[[elements, plain], …]``."""

    elements: list[bytes] = field(default_factory=list)
    segments: list[list[int]] = field(default_factory=list)

    def add(self, block: bytes) -> None:
        if not block:
            return
        body = _without_length_header(snappy_raw(block))
        self.elements.append(body)
        self.segments.append([len(body), len(block)])

    @property
    def uncompressed_size(self) -> int:
        return sum(plain for _, plain in self.segments)

    def encoded(self) -> bytes:
        return _varint(self.uncompressed_size) + b"".join(self.elements)


def lts_header_length(segments: list[list[int]]) -> int:
    return len(_varint(sum(plain for _, plain in segments)))


def lts_decoded_chunks(chunks: Iterable[bytes], segments: list[list[int]]) -> Iterator[bytes]:
    """The v2 JSONL of a long-term copy (its stored chunks), decoded segment by segment.

    Raises ``ValueError`` when the stored bytes do not match ``segments`` (length or content).
    """
    skip = lts_header_length(segments)
    pending = bytearray()
    source = iter(chunks)
    for elements_length, plain_length in segments:
        while len(pending) < skip + elements_length:
            chunk = next(source, None)
            if chunk is None:
                raise ValueError("the long-term copy is shorter than its recorded layout")
            pending += chunk
        body = bytes(pending[skip : skip + elements_length])
        del pending[: skip + elements_length]
        skip = 0
        plain = snappy_raw_decode(_varint(plain_length) + body)
        if len(plain) != plain_length:
            raise ValueError("a segment of the long-term copy does not decode to its recorded size")
        yield plain
    if pending or next(source, None):
        raise ValueError("the long-term copy is longer than its recorded layout")
