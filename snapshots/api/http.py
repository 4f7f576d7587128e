"""HTTP mechanics of serving immutable blobs: conditional requests, ranges, content coding.

Pure functions over header values, plus iterators that turn a storage stream into the bytes
served (passed through, or gunzipped on the fly) without holding the object in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from snapshots.storage.blob_format import gunzip_chunks

_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class RangeUnsatisfiable(Exception):
    pass


def range_parse(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a ``Range`` header asks for, clamped to ``size``.

    None means "serve the whole representation" (no header, another unit, several ranges or a
    malformed value: RFC 9110 lets a server ignore those). ``RangeUnsatisfiable`` when the
    range starts at or past the end, or is an empty suffix.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeUnsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeUnsatisfiable
    end = int(last) if last else size - 1
    return ByteRange(start, min(end, size - 1))


def _opaque_tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def etag_matches(if_none_match: str | None, etags: Iterable[str]) -> bool:
    """``If-None-Match`` (weak comparison, ``*`` included) against the representation tags."""
    if not if_none_match:
        return False
    tags = _opaque_tags(if_none_match)
    return "*" in tags or bool(tags & set(etags))


def if_range_allows(if_range: str | None, etag: str) -> bool:
    """Honour ``Range`` unless ``If-Range`` names another representation (dates never match:
    blob responses carry no Last-Modified)."""
    if not if_range:
        return True
    return if_range.strip().startswith('"') and if_range.strip().strip('"') == etag


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` accepts gzip (``gzip``/``x-gzip`` with a non-zero q)."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def byte_slice(chunks: Iterable[bytes], start: int, length: int) -> Iterator[bytes]:
    """Bytes ``start`` … ``start + length - 1`` of a chunk stream, streamed."""
    skip, remaining = start, length
    for chunk in chunks:
        if remaining <= 0:
            return
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        piece = chunk[skip : skip + remaining]
        skip = 0
        remaining -= len(piece)
        yield piece


def decompressed(chunks: Iterable[bytes], byte_range: ByteRange | None) -> Iterator[bytes]:
    """The JSONL bytes of a stored gzip stream, optionally only ``byte_range`` of them."""
    plain = gunzip_chunks(chunks)
    return plain if byte_range is None else byte_slice(plain, byte_range.start, byte_range.length)


class PrefetchedBody:
    """A response body whose first chunk was already read (so a storage failure at the start
    is still a clean 503); ``close`` releases the storage stream, also after a disconnect."""

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._close = close
        self._first: bytes | None = next(chunks, b"")

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        self._first = None
        yield from self._chunks

    def close(self) -> None:
        self._close()
