"""Builders shared by the Sentry ingestion tests (no tests here).

``fixture_envelopes()`` are the six request bodies the real ``@sentry/browser`` 11.12.0 sent
(``tests/fixtures/sentry-browser-11.12.0``, byte for byte); ``rebased_envelopes()`` the same
envelopes with every time moved so the replay started a minute ago (ingestion drops data 7 days
or more away from now), re-framed and re-compressed like the SDK does. ``envelope_bytes`` frames
items (with or without ``length``), ``post_envelope`` posts one to
``/api/{environment_id}/envelope/`` the way the browser SDK does and drains the ingest log after a
2xx.
"""

from __future__ import annotations

import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from django.test import Client

from tests.snapshots.test_capture_support import drain

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sentry-browser-11.12.0"
FIXTURE_PUBLIC_KEY = "abcdef0123456789abcdef0123456789"
FIXTURE_REPLAY_ID = "577486ad75574166a76561e6c2e0a827"
FIXTURE_ERROR_ID = "d6c5df114813476c8b38d21c945c64dd"
_TIME_KEYS = {"timestamp", "replay_start_timestamp", "startTimestamp", "endTimestamp", "started", "sent_at"}


def fixture_envelopes() -> list[bytes]:
    return [(FIXTURES_DIR / f"envelope-0{number}.bin").read_bytes() for number in range(1, 7)]


def split_envelope(data: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], bytes]]]:
    """A test's own reading of an envelope (headers and raw item payloads)."""
    newline = data.index(b"\n")
    headers, position, items = orjson.loads(data[:newline]), newline + 1, []
    while position < len(data):
        end = data.find(b"\n", position)
        end = len(data) if end == -1 else end
        header = orjson.loads(data[position:end])
        position = end + 1
        if "length" in header:
            payload = data[position : position + header["length"]]
            position += header["length"] + 1
        else:
            end = data.find(b"\n", position)
            end = len(data) if end == -1 else end
            payload, position = data[position:end], end + 1
        items.append((header, payload))
    return headers, items


def recording_events(payload: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    newline = payload.index(b"\n")
    events: list[dict[str, Any]] = orjson.loads(zlib.decompress(payload[newline + 1 :]))
    return orjson.loads(payload[:newline]), events


def envelope_bytes(
    headers: dict[str, Any], items: list[tuple[dict[str, Any], bytes]], *, lengths: bool = True
) -> bytes:
    parts = [orjson.dumps(headers)]
    for header, payload in items:
        parts.append(orjson.dumps({**header, "length": len(payload)} if lengths else header))
        parts.append(payload)
    return b"\n".join(parts)


def recording_payload(segment_id: int, events: list[dict[str, Any]], *, compress: bool = True) -> bytes:
    body = orjson.dumps(events)
    return orjson.dumps({"segment_id": segment_id}) + b"\n" + (zlib.compress(body) if compress else body)


def _shift(value: Any, delta_ms: int, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _shift(v, delta_ms, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(item, delta_ms) for item in value]
    if key in _TIME_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
        return value + delta_ms if value > 1e11 else round(value + delta_ms / 1000, 4)
    if key in _TIME_KEYS and isinstance(value, str) and value[:2] == "20":
        moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(milliseconds=delta_ms)
        return moved.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def rebase(data: bytes, delta_ms: int) -> bytes:
    headers, items = split_envelope(data)
    moved = []
    for header, payload in items:
        if header["type"] == "replay_recording":
            recording_header, events = recording_events(payload)
            payload = recording_payload(recording_header["segment_id"], _shift(events, delta_ms))
        else:
            payload = orjson.dumps(_shift(orjson.loads(payload), delta_ms))
        moved.append(({k: v for k, v in header.items() if k != "length"}, payload))
    return envelope_bytes(_shift(headers, delta_ms), moved, lengths=True)


FIXTURE_START_MS = 1796160769209  # segment 0's replay_start_timestamp


def fixture_delta_ms() -> int:
    """How far to move the fixtures so their replay started a minute ago."""
    return int(time.time() * 1000) - 60_000 - FIXTURE_START_MS


def rebased_envelopes(delta_ms: int | None = None) -> list[bytes]:
    delta = fixture_delta_ms() if delta_ms is None else delta_ms
    return [rebase(data, delta) for data in fixture_envelopes()]


def envelope_url(environment_id: int, public_key: str | None = FIXTURE_PUBLIC_KEY) -> str:
    query = "?sentry_version=7&sentry_client=sentry.javascript.browser%2F11.12.0"
    if public_key is not None:
        query += f"&sentry_key={public_key}"
    return f"/api/{environment_id}/envelope/{query}"


def post_envelope(
    client: Client,
    environment_id: int,
    body: bytes,
    *,
    public_key: str | None = FIXTURE_PUBLIC_KEY,
    drain_log: bool = True,
    **extra: Any,
) -> Any:
    """POST like the browser SDK: raw bytes, no Content-Type for binary bodies, an Origin."""
    extra.setdefault("HTTP_ORIGIN", "http://127.0.0.1:18094")
    response = client.generic(
        "POST", envelope_url(environment_id, public_key), data=body, content_type="", **extra
    )
    if drain_log and 200 <= response.status_code < 300:
        drain()
    return response
