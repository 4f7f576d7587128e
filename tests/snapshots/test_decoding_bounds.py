"""Decoding stops at the caps while it decodes: hostile bodies of every encoding are refused
without being expanded, and the worker's peak memory stays within 64 MB for each of them."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

import orjson
import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from lzstring import LZString

from recordings_api.models import Environment
from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError, inflate_capped, is_zlib
from snapshots.capture.lz_string import InvalidLzString, OutputTooLarge, lz_string_decompress_base64
from tests.hostile_bodies import HOSTILE_BODIES, lz_string_bomb
from tests.snapshots.test_capture_support import (
    buffered_events,
    click,
    embedded_buffer,  # noqa: F401
    meta,
    new_session_id,
    now_ms,
    snapshot_item,
)

ROOT = Path(__file__).resolve().parents[2]
PEAK_GROWTH_LIMIT_KIB = 64 * 1024
# Characters lz-string handles as single UTF-16 units (astral characters are pairs in
# JavaScript; the reference Python encoder gets them wrong, so they are tested apart).
_BMP_TEXT = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=400)


@settings(max_examples=300, deadline=None)
@given(_BMP_TEXT)
def test_lz_string_decoder_agrees_with_the_reference_encoder(text: str) -> None:
    encoded = LZString().compressToBase64(text)
    if not text:
        return  # the reference encodes "" as "", which is not a stream
    assert lz_string_decompress_base64(encoded, max_chars=len(text)) == text


def test_lz_string_joins_surrogate_pairs_and_keeps_lone_surrogates() -> None:
    encoded = LZString().compressToBase64("a\ud83d\ude00b\ud800")
    assert lz_string_decompress_base64(encoded, max_chars=10) == "a\U0001f600b\ud800"


@pytest.mark.parametrize(
    "text",
    ["", "!!!!", LZString().compressToBase64("hello world")[:-4], "BYUw"],
    ids=["empty", "outside_the_alphabet", "truncated", "code_naming_no_entry"],
)
def test_lz_string_refuses_what_is_not_a_stream(text: str) -> None:
    with pytest.raises(InvalidLzString):
        lz_string_decompress_base64(text, max_chars=1000)


def test_lz_string_bomb_stops_at_the_cap() -> None:
    bomb = lz_string_bomb()
    assert len(bomb) < 120_000  # expands to 1.1 G characters
    assert len(lz_string_decompress_base64(lz_string_bomb(steps=1000), max_chars=600_000)) == 501_501
    with pytest.raises(OutputTooLarge):
        lz_string_decompress_base64(bomb, max_chars=1_000_000)


def test_inflate_capped_stops_at_the_cap() -> None:
    data = zlib.compress(b"a" * 1_000_000)
    assert is_zlib(data)
    assert inflate_capped(data, max_bytes=1_000_000) == b"a" * 1_000_000
    with pytest.raises(BodyTooLarge):
        inflate_capped(data, max_bytes=999_999)
    with pytest.raises(CaptureDecodeError):
        inflate_capped(data[:-8], max_bytes=2_000_000)
    assert not any(is_zlib(start) for start in (b"[{", b"{}", b" [", b"data=", b"\x1f\x8b", b"\n["))


@pytest.mark.usefixtures("embedded_buffer")
def test_a_deflate_body_is_decoded(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms() - 1000
    events = [meta(ts), click(ts + 1)]
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=events)
    response = Client().post("/s/", data=zlib.compress(orjson.dumps([item])), content_type="text/plain")
    assert response.status_code == 200, response.content
    assert [event for _, event in buffered_events(environment.id, session_id)] == events


@pytest.mark.usefixtures("embedded_buffer")
@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_bodies_are_413(environment: Environment, name: str) -> None:
    build, content_type = HOSTILE_BODIES[name]
    response = Client().post("/s/", data=build(), content_type=content_type)
    assert response.status_code == 413
    body = response.json()
    assert body == {
        "type": "invalid_request",
        "code": "payload_too_large",
        "detail": body["detail"],
        "attr": None,
    }


def test_too_many_json_values_are_named_in_the_detail(db: None) -> None:
    response = Client().post("/s/", data=b"[" + b"0," * 700_000 + b"0]", content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body holds more than 600000 JSON values."


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_decoding_a_hostile_body_raises_peak_memory_by_at_most_64_mb(tmp_path: Path, name: str) -> None:
    build, content_type = HOSTILE_BODIES[name]
    path = tmp_path / "body"
    path.write_bytes(build())
    result = subprocess.run(
        [sys.executable, "-m", "tests.snapshots.decode_peak", str(path), content_type],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    growth_kib, outcome = result.stdout.split()
    assert outcome == "BodyTooLarge"
    assert int(growth_kib) <= PEAK_GROWTH_LIMIT_KIB
