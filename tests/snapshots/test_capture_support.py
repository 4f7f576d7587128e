"""Builders shared by the capture/ingestion tests (no tests here).

rrweb event builders, ``$snapshot`` item builders, body encoders (gzip, base64 form, lz64) and the
real posthog-js request bodies from ``tests/fixtures/posthog-js`` re-dated to "now" when loaded
(ingestion drops events 7 days or more away from the server clock). ``post_gzip``/``post_json``
drain the ingest log after a 2xx (``drain=False`` to leave it for the aggregators), so a test
asserts on metadata as an aggregator leaves it.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from django.test import Client, override_settings
from lzstring import LZString

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "posthog-js"
FIXTURE_VERSIONS = ("1.449.2", "1.300.0")


def now_ms() -> int:
    return int(time.time() * 1000)


def new_session_id() -> str:
    return str(uuid.uuid4())


# --- rrweb events ---------------------------------------------------------------------------


def meta(
    ts: int, href: str = "https://example.com/start", width: int = 1024, height: int = 768
) -> dict[str, Any]:
    return {"type": 4, "data": {"href": href, "width": width, "height": height}, "timestamp": ts}


def full_snapshot(ts: int) -> dict[str, Any]:
    return {
        "type": 2,
        "data": {"node": {"type": 0, "childNodes": [], "id": 1}, "initialOffset": {"top": 0, "left": 0}},
        "timestamp": ts,
    }


def incremental(ts: int, source: int, **data: Any) -> dict[str, Any]:
    return {"type": 3, "data": {"source": source, **data}, "timestamp": ts}


def mouse_move(ts: int) -> dict[str, Any]:
    return incremental(ts, 1, positions=[{"x": 1, "y": 2, "id": 1, "timeOffset": 0}])


def mouse_interaction(ts: int, interaction: int) -> dict[str, Any]:
    return incremental(ts, 2, type=interaction, id=5, x=1, y=1)


def click(ts: int) -> dict[str, Any]:
    return mouse_interaction(ts, 2)


def key_input(ts: int) -> dict[str, Any]:
    return incremental(ts, 5, text="*****", isChecked=False, id=7)


def console_event(ts: int, level: str) -> dict[str, Any]:
    return {
        "type": 6,
        "data": {"plugin": "rrweb/console@1", "payload": {"level": level, "trace": [], "payload": ['"x"']}},
        "timestamp": ts,
    }


def url_changed(ts: int, href: str) -> dict[str, Any]:
    return {"type": 5, "data": {"tag": "$url_changed", "payload": {"href": href}}, "timestamp": ts}


# --- capture items and bodies ---------------------------------------------------------------


def snapshot_item(
    *,
    token: str,
    session_id: str,
    events: Any,
    window_id: str | None = None,
    distinct_id: str = "user-1",
    **top: Any,
) -> dict[str, Any]:
    properties = {
        "$snapshot_bytes": 100,
        "$snapshot_data": events,
        "$session_id": session_id,
        "$window_id": window_id or f"{session_id}-w",
        "$lib": "web",
        "$lib_version": "1.449.2",
        "token": token,
        "distinct_id": distinct_id,
    }
    item = {"uuid": str(uuid.uuid4()), "event": "$snapshot", "properties": properties}
    item.update(top or {"timestamp": datetime.now(UTC).isoformat()})
    return item


def event_item(
    *, token: str, event: str, session_id: str | None, distinct_id: str = "user-1", **properties: Any
) -> dict[str, Any]:
    props: dict[str, Any] = {"token": token, "distinct_id": distinct_id, **properties}
    if session_id:
        props["$session_id"] = session_id
        props["$window_id"] = f"{session_id}-w"
    return {
        "uuid": str(uuid.uuid4()),
        "event": event,
        "properties": props,
        "timestamp": datetime.now(UTC).isoformat(),
    }


def gzip_json(value: Any) -> bytes:
    return gzip.compress(orjson.dumps(value))


def form_base64(value: Any) -> str:
    return urlencode({"data": base64.b64encode(orjson.dumps(value)).decode()})


def form_lz64(value: Any) -> str:
    return urlencode({"data": LZString().compressToBase64(json.dumps(value)), "compression": "lz64"})


def drain() -> int:
    """Apply everything the ingest log holds, as the aggregators would (returns the entries).

    Entries another consumer received and never acknowledged are taken over at once (in a test,
    no other aggregator is alive)."""
    from snapshots.aggregation import ingest_log_drain

    with override_settings(AGGREGATOR_RECLAIM_IDLE_SECONDS=0):
        return ingest_log_drain(max_seconds=30)


def _drained(response: Any, *, drain_log: bool) -> Any:
    if drain_log and 200 <= response.status_code < 300:
        drain()
    return response


def post_gzip(client: Client, path: str, value: Any, *, drain: bool = True, **extra: Any) -> Any:
    response = client.post(path, data=gzip_json(value), content_type="text/plain", **extra)
    return _drained(response, drain_log=drain)


def post_json(client: Client, path: str, value: Any, *, drain: bool = True, **extra: Any) -> Any:
    response = client.post(path, data=orjson.dumps(value), content_type="application/json", **extra)
    return _drained(response, drain_log=drain)


# --- the real posthog-js fixtures -----------------------------------------------------------


_SENT_AT_PARAM = re.compile(r"([?&]_=)(\d+)")


def fixture_requests(version: str) -> list[dict[str, Any]]:
    """The requests of one SDK version, their ``_`` (sent-at) query parameters moved to now."""
    requests: list[dict[str, Any]] = json.loads(
        (FIXTURES_DIR / f"posthog-js-{version}-requests.json").read_text()
    )
    sent = [int(match[2]) for request in requests for match in _SENT_AT_PARAM.finditer(request["url"])]
    delta = now_ms() - min(sent) - 5_000 if sent else 0
    for request in requests:
        request["url"] = _SENT_AT_PARAM.sub(
            lambda match: f"{match[1]}{int(match[2]) + delta}", request["url"]
        )
    return requests


def _shift_iso(value: str, delta_ms: int) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) + timedelta(milliseconds=delta_ms)
    return parsed.isoformat().replace("+00:00", "Z")


def rebased_fixture_bodies(*, token: str, session_id: str | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The 1.449.2 ``/e/`` and ``/s/`` bodies with every timestamp moved so the first event is now.

    The token is replaced with ``token``; with ``session_id``, the session id too.
    """
    requests = fixture_requests("1.449.2")
    text = json.dumps([r["decoded_body"] for r in requests])
    text = text.replace("phc_test_token", token)
    if session_id:
        text = text.replace("01a20180-9542-7127-8aa6-0cb64c4ada74", session_id)
    events_body, snapshot_body = json.loads(text)
    first = min(e["timestamp"] for item in snapshot_body for e in item["properties"]["$snapshot_data"])
    delta = now_ms() - first - 60_000
    for item in snapshot_body:
        for event in item["properties"]["$snapshot_data"]:
            event["timestamp"] += delta
        for key in ("timestamp", "sent_at"):
            item[key] = _shift_iso(item[key], delta)
    for item in events_body["batch"]:
        item["timestamp"] = _shift_iso(item["timestamp"], delta)
    events_body["sent_at"] = _shift_iso(events_body["sent_at"], delta)
    return events_body, snapshot_body


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def embedded_buffer(db: None) -> Iterator[None]:
    """The database live buffer, whatever ``REDIS_URL`` the run has (tests opt into Redis with
    the ``live_buffer_backend`` fixture, which overrides this)."""
    with override_settings(REDIS_URL=None):
        yield


def buffered_events(environment_id: int, session_id: str) -> list[tuple[str, dict[str, Any]]]:
    """``(window_id, event)`` of every line the live buffer holds for the session, in order."""
    from snapshots.live_buffer import get_live_buffer

    lines = get_live_buffer().read(environment_id=environment_id, session_id=session_id)
    out: list[tuple[str, dict[str, Any]]] = []
    for line in lines:
        decoded = json.loads(line.line)
        out.extend((decoded["window_id"], event) for event in decoded["data"])
    return out
