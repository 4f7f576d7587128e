"""The blob format: deterministic gzip JSONL, and streaming decompression with bounded output."""

from __future__ import annotations

import gzip
import zlib

import orjson
import pytest

from snapshots.live_buffer import BufferedLine
from snapshots.storage.blob_format import MAX_OUTPUT_CHUNK, blob_encode, blob_lines, gunzip_chunks


def line(score: int, events: int = 2, window: str = "w") -> BufferedLine:
    data = [{"type": 3, "timestamp": score + n, "data": {"source": 1}} for n in range(events)]
    return BufferedLine(score=score, line=orjson.dumps({"window_id": window, "data": data}).decode())


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_blob_encode_writes_lines_in_score_order_with_its_key_and_counts() -> None:
    lines = [line(30, events=1), line(10), line(20, events=3, window="other")]

    payload = blob_encode(lines)

    ordered = [lines[1], lines[2], lines[0]]
    assert gzip.decompress(payload.data) == "".join(f"{item.line}\n" for item in ordered).encode()
    assert (payload.first_ms, payload.last_ms) == (10, 30)
    assert payload.uncompressed_size == len(gzip.decompress(payload.data))
    assert (payload.line_count, payload.event_count) == (3, 6)


def test_blob_encode_is_deterministic_whatever_the_order() -> None:
    lines = [line(n) for n in range(50)]

    first = blob_encode(lines)
    second = blob_encode(list(reversed(lines)))

    assert first.data == second.data  # a retried flush rewrites the same bytes
    assert first.data[4:8] == b"\0\0\0\0"  # gzip mtime 0: no clock in the bytes


def test_blob_encode_counts_no_events_in_lines_it_cannot_parse() -> None:
    payload = blob_encode([BufferedLine(score=1, line="not json"), line(2, events=4)])

    assert (payload.line_count, payload.event_count) == (2, 4)


def test_blob_encode_needs_a_line() -> None:
    with pytest.raises(ValueError):
        blob_encode([])


def test_gunzip_chunks_output_is_bounded_even_for_a_compression_bomb() -> None:
    bomb = gzip.compress(bytes(40 * 1024 * 1024))  # 40 MiB of zeros in about 40 KB

    sizes = [len(piece) for piece in gunzip_chunks(chunked(bomb, 64 * 1024))]

    assert max(sizes) <= MAX_OUTPUT_CHUNK
    assert sum(sizes) == 40 * 1024 * 1024


def test_gunzip_chunks_rejects_corrupt_data() -> None:
    with pytest.raises(zlib.error):
        list(gunzip_chunks([b"this is not gzip"]))


@pytest.mark.parametrize("chunk_size", [1, 7, 1000, 10**6])
def test_blob_lines_whatever_the_chunk_boundaries(chunk_size: int) -> None:
    lines = [line(n, window=f"w{n % 3}") for n in range(40)]
    stored = blob_encode(lines).data

    assert list(blob_lines(chunked(stored, chunk_size))) == [item.line for item in lines]


def test_blob_lines_keeps_a_last_line_without_newline_and_skips_empty_ones() -> None:
    stored = gzip.compress(b'{"a":1}\n\n{"b":2}')

    assert list(blob_lines([stored])) == ['{"a":1}', '{"b":2}']
