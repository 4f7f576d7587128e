"""The v2 block format: stored lines → ``[window_id, event]`` lines, PostHog's length-prefixed
snappy framing, and the long-term copy (one raw snappy stream decodable block by block)."""

from __future__ import annotations

import gzip
import json
import random
import struct

import cramjam
import pytest

from snapshots.storage.block_format import (
    LongTermCopyEncoder,
    framed_block,
    lts_decoded_chunks,
    v2_chunks_from_gzip,
    v2_jsonl_from_lines,
    v2_lines,
)


def test_a_message_becomes_one_line_per_event() -> None:
    line = b'{"window_id":"w1","data":[{"type":4,"data":{"width":1}},{"type":2,"data":{}}]}'

    assert v2_lines(line) == b'["w1",{"type":4,"data":{"width":1}}]\n["w1",{"type":2,"data":{}}]\n'


def test_values_survive_exactly() -> None:
    event = {
        "n": 123456789012345678901234567890,
        "f": 0.1,
        "s": "é ✓ \u2028",
        "neg": -5,
        "b": True,
        "z": None,
    }
    line = json.dumps({"window_id": "w", "data": [event]}, ensure_ascii=False).encode()

    [converted] = v2_lines(line).splitlines()

    assert json.loads(converted) == ["w", event]


def test_a_lone_surrogate_is_kept_escaped() -> None:
    line = b'{"window_id":"w","data":[{"message":"\\ud83d broken"}]}'

    assert v2_lines(line) == b'["w",{"message":"\\ud83d broken"}]\n'


@pytest.mark.parametrize("line", [b"not json", b"[1,2]", b'{"windowId":"w","type":3}', b'{"window_id":"w"}'])
def test_other_shapes_pass_through_unchanged(line: bytes) -> None:
    assert v2_lines(line) == line + b"\n"


def test_an_empty_message_has_no_lines() -> None:
    assert v2_lines(b'{"window_id":"w","data":[]}') == b""


def test_a_stored_blob_streams_as_v2_jsonl() -> None:
    lines = [json.dumps({"window_id": f"w{n % 2}", "data": [{"i": n}, {"i": -n}]}) for n in range(20_000)]
    stored = gzip.compress("".join(f"{line}\n" for line in lines).encode())
    chunks = [stored[offset : offset + 4096] for offset in range(0, len(stored), 4096)]

    out = list(v2_chunks_from_gzip(chunks))

    assert len(out) > 1 and all(out)
    assert b"".join(out) == b"".join(v2_lines(line.encode()) for line in lines)


def test_live_lines_become_one_block() -> None:
    assert v2_jsonl_from_lines(['{"window_id":"a","data":[1]}', '{"window_id":"b","data":[2,3]}']) == (
        b'["a",1]\n["b",2]\n["b",3]\n'
    )


def test_framed_block_is_a_big_endian_length_and_raw_snappy() -> None:
    block = b'["w",{"type":3}]\n' * 500

    framed = framed_block(block)

    (length,) = struct.unpack(">I", framed[:4])
    assert length == len(framed) - 4
    assert bytes(cramjam.snappy.decompress_raw(framed[4:])) == block


def _blocks(count: int, seed: int = 3) -> list[bytes]:
    rng = random.Random(seed)
    return [
        b"".join(
            json.dumps(["w", {"t": n, "pad": rng.randbytes(rng.randint(0, 400)).hex() * 3}]).encode() + b"\n"
            for n in range(rng.randint(1, 300))
        )
        for _ in range(count)
    ]


def test_the_long_term_copy_is_one_valid_raw_snappy_stream() -> None:
    blocks = _blocks(6)
    encoder = LongTermCopyEncoder()
    for block in [*blocks[:3], b"", *blocks[3:]]:
        encoder.add(block)

    data = encoder.encoded()

    assert bytes(cramjam.snappy.decompress_raw(data)) == b"".join(blocks)
    assert len(encoder.segments) == 6
    assert encoder.uncompressed_size == sum(len(block) for block in blocks)


@pytest.mark.parametrize("chunk_size", [1, 7, 4096, 10**7])
def test_the_long_term_copy_decodes_segment_by_segment(chunk_size: int) -> None:
    blocks = _blocks(4)
    encoder = LongTermCopyEncoder()
    for block in blocks:
        encoder.add(block)
    data = encoder.encoded()
    chunks = [data[offset : offset + chunk_size] for offset in range(0, len(data), chunk_size)]

    assert list(lts_decoded_chunks(chunks, encoder.segments)) == blocks


def test_a_copy_that_does_not_match_its_layout_is_an_error() -> None:
    encoder = LongTermCopyEncoder()
    for block in _blocks(2):
        encoder.add(block)
    data = encoder.encoded()

    with pytest.raises(ValueError, match="shorter"):
        list(lts_decoded_chunks([data[:-10]], encoder.segments))
    with pytest.raises(ValueError, match="longer"):
        list(lts_decoded_chunks([data + b"x"], encoder.segments))
    with pytest.raises(ValueError):
        list(lts_decoded_chunks([data[:5] + bytes(len(data) - 5)], encoder.segments))
