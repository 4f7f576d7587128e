"""The header rules of ``snapshots.api.blob_http`` over their whole input space (pure functions, no
database); ``test_snapshots_api_blob`` checks each rule once more through real requests."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest

from snapshots.api.blob_http import (
    BodyLengthMismatch,
    ByteRange,
    PrefetchedBody,
    RangeUnsatisfiable,
    ReadAhead,
    accepts_gzip,
    byte_slice,
    decompressed,
    etag_matches,
    exact_length,
    if_range_allows,
    range_parse,
)


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("x-gzip", True),
        ("GZIP", True),
        ("br, gzip;q=0.8", True),
        ("gzip; q=1", True),
        ("deflate, gzip, br, zstd", True),
        ("*", True),
        ("br, *;q=0.1", True),
        ("gzip;q=0.001", True),
        (None, False),
        ("", False),
        ("identity", False),
        ("br, deflate", False),
        ("gzip;q=0", False),
        ("gzip; q=0.0, *", False),  # gzip listed explicitly: "*" does not override it
        ("*;q=0", False),
        ("gzip;q=bogus", False),
        (" , ;q=1", False),
    ],
)
def test_accepts_gzip(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),  # If-None-Match uses the weak comparison
        ('"x", "abc"', True),
        ('"x",W/"abc"', True),
        ("*", True),
        (None, False),
        ("", False),
        ('"abc-gz"', False),  # the other representation
        ('"ab"', False),
        ('"x", "y"', False),
    ],
)
def test_etag_matches(header: str | None, matches: bool) -> None:
    assert etag_matches(header, "abc") is matches


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (None, True),
        ("", True),
        ('"abc"', True),
        ('W/"abc"', False),
        ('"x"', False),
        ("Tue, 01 Jan 2030", False),
    ],
)
def test_if_range_allows(header: str | None, allowed: bool) -> None:
    assert if_range_allows(header, "abc") is allowed


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=5-", ByteRange(5, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-1000", ByteRange(0, 99)),  # a suffix longer than the representation is all of it
        ("bytes=90-1000", ByteRange(90, 99)),
        ("bytes=99-99", ByteRange(99, 99)),
        (" bytes = 1 - 2 ", ByteRange(1, 2)),
        (None, None),
        ("", None),
        ("bytes=", None),
        ("bytes=-", None),
        ("bytes=9-3", None),  # invalid: ignored (RFC 9110 §14.2 lets a server ignore Range)
        ("bytes=0-1,5-9", None),  # several ranges: served whole
        ("items=0-5", None),
        ("bytes=abc", None),
        ("bytes=1.5-2", None),
    ],
)
def test_range_parse(header: str | None, expected: ByteRange | None) -> None:
    assert range_parse(header, 100) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100)])
def test_range_parse_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeUnsatisfiable):
        range_parse(header, size)


def test_content_range_and_length() -> None:
    assert ByteRange(5, 9).length == 5
    assert ByteRange(5, 9).content_range(100) == "bytes 5-9/100"


@pytest.mark.parametrize(("start", "length"), [(0, 10), (3, 4), (9, 1), (0, 0), (4, 100)])
def test_byte_slice_across_chunk_boundaries(start: int, length: int) -> None:
    chunks = [b"012", b"", b"3456", b"789"]

    assert b"".join(byte_slice(chunks, start, length)) == b"0123456789"[start : start + length]


def test_byte_slice_stops_reading_once_the_range_is_out() -> None:
    def source() -> Iterator[bytes]:
        yield b"0123"
        yield b"4567"
        raise OSError("storage failed after the range")

    assert b"".join(byte_slice(source(), 2, 6)) == b"234567"


def test_decompressed_range_is_cut_from_the_jsonl() -> None:
    plain = b"".join(f'{{"line":{n}}}\n'.encode() for n in range(5000))
    stored = gzip.compress(plain)
    chunks = [stored[i : i + 1000] for i in range(0, len(stored), 1000)]

    assert b"".join(decompressed(chunks, None)) == plain
    assert b"".join(decompressed(chunks, ByteRange(70_000, 70_099))) == plain[70_000:70_100]


def test_exact_length_passes_a_matching_stream() -> None:
    assert list(exact_length([b"ab", b"", b"cd"], 4)) == [b"ab", b"cd"]


@pytest.mark.parametrize(
    ("chunks", "length", "delivered"),
    [
        ([b"ab", b"cd"], 5, b"abcd"),  # short: everything it had, then an error (never "complete")
        ([b"ab", b"cd", b"e"], 4, b"ab"),  # long: the completing chunk is held back
        ([b"abcde"], 4, b""),
        ([b"ab", b"cd", b"", b"e"], 4, b"ab"),
    ],
)
def test_exact_length_never_completes_a_wrong_body(
    chunks: list[bytes], length: int, delivered: bytes
) -> None:
    received = b""
    with pytest.raises(BodyLengthMismatch):
        for chunk in exact_length(chunks, length):
            received += chunk

    assert received == delivered
    assert len(received) < length


def test_prefetched_body_reads_ahead_reports_failures_and_closes() -> None:
    events: list[str] = []

    def source() -> Iterator[bytes]:
        events.append("first")
        yield b"one"
        raise OSError("gone")

    body = PrefetchedBody(
        source(), close=lambda: events.append("closed"), on_error=lambda e: events.append(str(e))
    )
    assert events == ["first"]  # the first chunk is read before any header is sent

    iterator = iter(body)
    assert next(iterator) == b"one"
    with pytest.raises(OSError, match="gone"):
        next(iterator)
    body.close()

    assert events == ["first", "gone", "closed"]


def test_prefetched_body_failure_at_the_start_raises_from_the_constructor() -> None:
    def source() -> Iterator[bytes]:
        raise OSError("down")
        yield b""  # pragma: no cover

    with pytest.raises(OSError, match="down"):
        PrefetchedBody(source(), close=lambda: None, on_error=lambda e: None)


# --- read-ahead ---------------------------------------------------------------------------------


def test_read_ahead_yields_every_chunk_in_order_and_closes_the_source() -> None:
    closed: list[bool] = []
    ahead = ReadAhead(iter([b"a", b"bc", b"", b"d"]), close_source=lambda: closed.append(True), depth=1)

    assert list(ahead) == [b"a", b"bc", b"", b"d"]
    assert next(ahead, None) is None  # ended stays ended
    ahead.close()
    assert closed == [True]


def test_read_ahead_raises_a_source_failure_where_it_happened() -> None:
    def failing() -> Iterator[bytes]:
        yield b"first"
        raise OSError("storage went away")

    ahead = ReadAhead(failing(), close_source=lambda: None)

    assert next(ahead) == b"first"
    with pytest.raises(OSError, match="storage went away"):
        next(ahead)


def test_read_ahead_stops_when_the_consumer_gives_up() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1024

    ahead = ReadAhead(endless(), close_source=lambda: None, depth=2)
    assert next(ahead) == b"x" * 1024

    ahead.close()

    assert not ahead.running
