"""HTTP mechanics of serving immutable blobs (RFC 9110): conditional requests, ranges, content coding.

Pure functions over header values, plus iterators that turn a storage stream into the bytes
served (passed through, or gunzipped on the fly) without holding the object in memory.

Invariant of every streamed body: it delivers exactly the ``Content-Length`` promised, or it
raises before delivering the last byte, so the server aborts the connection and a client never
sees a short (or overlong) body that looks complete.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from snapshots.storage.blob_format import gunzip_chunks

_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
_GZIP_CODINGS = ("gzip", "x-gzip")


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


class BodyLengthMismatch(Exception):
    """The stored data yields more or fewer bytes than the response promised."""


def range_parse(header: str | None, size: int) -> ByteRange | None:
    """The single byte range a ``Range`` header asks for, clamped to ``size``.

    None means "serve the whole representation" (no header, another unit, several ranges or a
    malformed value: RFC 9110 §14.2 lets a server ignore those). ``RangeUnsatisfiable`` when
    the range starts at or past the end, or is an empty suffix (``bytes=-0``).
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


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` against the selected representation's tag (RFC 9110 §13.1.2: weak
    comparison; ``*`` matches any current representation).

    Only the selected representation counts: a cache holding the gzip variant must not get a
    304 for the identity one (their tags differ, as §8.8.3 requires).
    """
    if not if_none_match:
        return False
    tags = _opaque_tags(if_none_match)
    return "*" in tags or etag in tags


def if_range_allows(if_range: str | None, etag: str) -> bool:
    """Honour ``Range`` unless ``If-Range`` names another representation (§13.1.5: strong
    comparison, so a weak tag never matches; dates never match: blobs carry no Last-Modified)."""
    if not if_range:
        return True
    return if_range.strip().startswith('"') and if_range.strip().strip('"') == etag


def _coding_qualities(accept_encoding: str) -> dict[str, float]:
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        qualities[coding.lower()] = quality
    return qualities


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` accepts gzip (§12.5.3): ``gzip``/``x-gzip`` or, when neither
    is listed, ``*``, with a non-zero quality."""
    qualities = _coding_qualities(accept_encoding or "")
    for coding in (*_GZIP_CODINGS, "*"):
        if coding in qualities:
            return qualities[coding] > 0
    return False


def byte_slice(chunks: Iterable[bytes], start: int, length: int) -> Iterator[bytes]:
    """Bytes ``start`` … ``start + length - 1`` of a chunk stream, streamed; stops reading the
    source as soon as the last byte is out (a later source failure cannot spoil a done range)."""
    skip, remaining = start, length
    if remaining <= 0:
        return
    for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        piece = chunk[skip : skip + remaining]
        skip = 0
        remaining -= len(piece)
        yield piece
        if remaining == 0:
            return


def decompressed(chunks: Iterable[bytes], byte_range: ByteRange | None) -> Iterator[bytes]:
    """The JSONL bytes of a stored gzip stream, optionally only ``byte_range`` of them."""
    plain = gunzip_chunks(chunks)
    return plain if byte_range is None else byte_slice(plain, byte_range.start, byte_range.length)


def exact_length(chunks: Iterable[bytes], length: int) -> Iterator[bytes]:
    """Exactly ``length`` bytes of ``chunks``, else ``BodyLengthMismatch``.

    The chunk completing ``length`` is only yielded once the source is known to end there, so a
    mismatch always raises before the client has received everything it was promised.
    """
    sent = 0
    source = iter(chunks)
    for chunk in source:
        if not chunk:
            continue
        sent += len(chunk)
        if sent > length:
            raise BodyLengthMismatch(f"the data is longer than the {length} bytes announced")
        if sent == length:
            if any(source):
                raise BodyLengthMismatch(f"the data is longer than the {length} bytes announced")
            yield chunk
            return
        yield chunk
    if sent != length:
        raise BodyLengthMismatch(f"the data ended after {sent} of the {length} bytes announced")


class PrefetchedBody:
    """A response body whose first chunk was already read, so a failure at the start still
    becomes a clean error response; ``close`` releases the storage stream (also after a client
    disconnect). Failures after the first chunk go through ``on_error`` and are re-raised: the
    server must abort the connection, never end the response cleanly."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        close: Callable[[], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self._chunks = chunks
        self._close = close
        self._on_error = on_error
        self._first: bytes | None = next(chunks, b"")

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        self._first = None
        try:
            yield from self._chunks
        except Exception as error:
            self._on_error(error)
            raise

    def close(self) -> None:
        self._close()


_END = object()


class ReadAhead:
    """Chunks of ``source`` read by a helper thread up to ``depth`` chunks ahead of the consumer,
    so reading object storage and writing to the client overlap instead of taking turns (the
    stream then runs at the slower of the two, not at their sum). Memory stays bounded by
    ``depth`` chunks. A source failure is raised to the consumer at the point it happened;
    ``close`` stops the thread and closes the source (also when the consumer gave up early)."""

    def __init__(self, source: Iterator[bytes], *, close_source: Callable[[], None], depth: int = 4) -> None:
        self._source = source
        self._close_source = close_source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="blob-read-ahead", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _pump(self) -> None:
        try:
            for chunk in self._source:
                if not self._put(chunk):
                    return
            self._put(_END)
        except BaseException as error:  # handed to the consumer, raised there
            self._put(error)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)  # a later next() ends too
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[return-value]

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stops the thread: a pump waiting on a full queue sees the flag, one blocked reading
        the source is woken by closing it."""
        self._stopped.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._close_source()
        self._thread.join(timeout=5)


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


class AsyncBody:
    """A ``PrefetchedBody`` for ASGI servers, pulled one chunk at a time in a worker thread.

    Django reads a synchronous iterator whole into memory before serving it over ASGI; this
    wrapper keeps the memory flat there too. Only ``__aiter__``: an object with both protocols
    would be treated as synchronous.
    """

    def __init__(self, body: PrefetchedBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = iter(self._body)
        pull = sync_to_async(_next_chunk, thread_sensitive=False)
        while (chunk := await pull(chunks)) is not None:
            yield chunk

    def close(self) -> None:
        self._body.close()
