"""Every body encoding posthog-js versions send, and every way a body can be broken, through /s/."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from django.test import Client, override_settings
from lzstring import LZString

from recordings.models import SessionRecording
from recordings_api.models import Environment
from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError, gunzip_capped
from tests.snapshots.test_capture_support import (
    buffered_events,
    click,
    drain,
    embedded_buffer,  # noqa: F401
    form_base64,
    form_lz64,
    full_snapshot,
    gzip_json,
    meta,
    new_session_id,
    now_ms,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def _events() -> list[dict[str, Any]]:
    ts = now_ms() - 5000
    return [meta(ts), full_snapshot(ts + 1), click(ts + 2)]


def _error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    return response.json()


def _assert_stored(environment: Environment, session_id: str, events: list[dict[str, Any]]) -> None:
    drain()
    assert [event for _, event in buffered_events(environment.id, session_id)] == events
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    assert recording.event_count == len(events)
    assert recording.click_count == 1


def _body_cases(environment: Environment, session_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=events)
    return {
        "gzip_text_plain": ("/s/", gzip_json([item]), "text/plain"),
        "gzip_json_content_type": (
            "/s/?compression=gzip-js&ver=1.300.0&_=1",
            gzip_json([item]),
            "application/json",
        ),
        "gzip_octet_stream_single_object": ("/s", gzip_json(item), "application/octet-stream"),
        "plain_json_array": ("/s/", orjson.dumps([item]), "application/json"),
        "plain_json_text_plain": ("/s/?ip=0", orjson.dumps(item), "text/plain"),
        "form_base64": ("/s/?compression=base64", form_base64([item]), "application/x-www-form-urlencoded"),
        "form_base64_no_param": ("/s/", form_base64([item]), "application/x-www-form-urlencoded"),
        "form_lz64_field": ("/s/", form_lz64([item]), "application/x-www-form-urlencoded"),
        "form_lz64_query": (
            "/s/?compression=lz64",
            urlencode({"data": LZString().compressToBase64(json.dumps([item]))}),
            "application/x-www-form-urlencoded",
        ),
        "form_base64_of_gzip": (
            "/s/",
            urlencode({"data": base64.b64encode(gzip_json([item])).decode()}),
            "application/x-www-form-urlencoded",
        ),
        "gzip_two_members": (
            "/s/",
            gzip.compress(b"[") + gzip.compress(orjson.dumps(item) + b"]"),
            "text/plain",
        ),
    }


CASES = [
    "gzip_text_plain",
    "gzip_json_content_type",
    "gzip_octet_stream_single_object",
    "plain_json_array",
    "plain_json_text_plain",
    "form_base64",
    "form_base64_no_param",
    "form_lz64_field",
    "form_lz64_query",
    "form_base64_of_gzip",
    "gzip_two_members",
]


@pytest.mark.parametrize("case", CASES)
def test_every_encoding_is_decoded_and_stored(environment: Environment, case: str) -> None:
    session_id, events = new_session_id(), _events()
    path, body, content_type = _body_cases(environment, session_id, events)[case]
    response = Client().post(path, data=body, content_type=content_type)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": 1}
    _assert_stored(environment, session_id, events)


def test_get_with_data_query_parameter(environment: Environment) -> None:
    session_id, events = new_session_id(), _events()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=events)
    data = base64.b64encode(orjson.dumps([item])).decode()
    response = Client().get("/s/", {"data": data, "compression": "base64"})
    assert response.status_code == 200
    _assert_stored(environment, session_id, events)


def test_snapshot_data_as_single_object_and_offset_instead_of_timestamp(environment: Environment) -> None:
    session_id = new_session_id()
    ts = now_ms() - 1000
    items = [
        snapshot_item(token=environment.api_token, session_id=session_id, events=meta(ts), offset=1200),
        snapshot_item(token=environment.api_token, session_id=session_id, events=click(ts + 1), offset=100),
    ]
    response = Client().post("/s/", data=gzip_json(items), content_type="text/plain")
    assert response.status_code == 200
    assert [event for _, event in buffered_events(environment.id, session_id)] == [meta(ts), click(ts + 1)]


def test_batch_envelope_with_api_key(environment: Environment) -> None:
    session_id, events = new_session_id(), _events()
    item = snapshot_item(token="", session_id=session_id, events=events)
    body = {"api_key": environment.api_token, "batch": [item], "sent_at": "2026-01-01T00:00:00Z"}
    response = Client().post("/batch/", data=gzip_json(body), content_type="text/plain")
    assert response.status_code == 200
    _assert_stored(environment, session_id, events)


BROKEN = {
    "invalid_gzip": (b"\x1f\x8b\x08\x00garbage-not-deflate", "text/plain", "invalid_gzip"),
    "truncated_gzip": (gzip.compress(b'[{"event": "x"}]' * 50)[:-12], "text/plain", "invalid_gzip"),
    "invalid_json": (b'[{"event": "$snapshot",', "application/json", "invalid_json"),
    "invalid_utf8_json": (b'["\xff\xfe"]', "text/plain", "invalid_json"),
    "empty_body": (b"", "text/plain", "empty_body"),
    "form_without_data": (b"compression=base64", "application/x-www-form-urlencoded", "invalid_form"),
    "invalid_base64": (b"data=%25%25%25not-base64", "application/x-www-form-urlencoded", "invalid_base64"),
    "invalid_lz64": (b"data=%21%21%21&compression=lz64", "application/x-www-form-urlencoded", "invalid_lz64"),
    "not_a_payload": (b'"just a string"', "application/json", "invalid_payload"),
    "empty_array": (b"[]", "application/json", "no_events"),
    "object_without_event": (b'{"properties": {}}', "application/json", "invalid_payload"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_bodies_are_400_in_the_error_shape(environment: Environment, case: str) -> None:
    body, content_type, code = BROKEN[case]
    response = Client().post("/s/", data=body, content_type=content_type, HTTP_ORIGIN="https://app.example")
    assert response.status_code == 400
    assert _error(response) == {
        "type": "validation_error",
        "code": code,
        "detail": response.json()["detail"],
        "attr": "body",
    }
    assert response.json()["detail"]
    assert response["Access-Control-Allow-Origin"] == "https://app.example"
    assert not SessionRecording.objects.exists()


def test_gzip_flagged_but_not_gzip_is_400(environment: Environment) -> None:
    response = Client().post("/s/?compression=gzip-js", data=b"\x00\x01nope", content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_gzip"


@override_settings(CAPTURE_MAX_BODY_BYTES=2000)
def test_body_over_the_limit_is_413(environment: Environment) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=_events())
    item["properties"]["padding"] = "x" * 3000
    response = Client().post("/s/", data=orjson.dumps([item]), content_type="application/json")
    assert response.status_code == 413
    assert _error(response) == {
        "type": "invalid_request",
        "code": "payload_too_large",
        "detail": "The request body is larger than 2000 bytes (compressed or decompressed).",
        "attr": None,
    }
    assert not SessionRecording.objects.exists()


@override_settings(CAPTURE_MAX_BODY_BYTES=100_000)
def test_gzip_bomb_is_413_without_inflating_it(environment: Environment) -> None:
    bomb = gzip.compress(b"[" + b" " * 50_000_000 + b"]")
    assert len(bomb) < 100_000
    response = Client().post("/s/", data=bomb, content_type="text/plain")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@override_settings(CAPTURE_MAX_BODY_BYTES=100_000)
def test_lz64_bomb_is_413(environment: Environment) -> None:
    body = form_lz64([{"event": "x", "properties": {"pad": "a" * 300_000}}])
    response = Client().post("/s/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_gunzip_capped_stops_at_the_cap() -> None:
    data = gzip.compress(b"a" * 1_000_000)
    assert gunzip_capped(data, max_bytes=1_000_000) == b"a" * 1_000_000
    with pytest.raises(BodyTooLarge):
        gunzip_capped(data, max_bytes=999_999)
    with pytest.raises(CaptureDecodeError):
        gunzip_capped(data[:20], max_bytes=10)
