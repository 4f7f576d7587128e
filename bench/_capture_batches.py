"""Synthetic posthog-js ``/s/`` traffic, shaped like what posthog-js 1.449.2 sends.

Modelled on ``shared/fixtures/posthog-js-1.449.2-requests.json``: a POST of ``text/plain``
gzip (no query string) whose body is a JSON array of ``$snapshot`` events; each carries
``$session_id``, ``$window_id``, ``distinct_id``, ``token``, ``$lib``/``$lib_version`` and
``$snapshot_data``, the rrweb events of about two seconds of the page (the SDK's flush interval).
The first request of a tab opens with a Meta event (``href``), a ``cv: "2024-10"`` full snapshot
(the DOM as a latin1 string of gzip bytes) and the SDK's custom events; later requests carry
mouse moves, clicks, inputs, scrolls, ``cv``-compressed mutations, console plugin events and
the occasional SPA navigation. Text is random so gzip cannot shrink it unrealistically.

Each request is one tab of one session, so the service turns it into exactly one live buffer
line; ``CaptureRequest.line`` is that line as the service must store it (``orjson`` of
``{"window_id", "data"}``), which is what the benchmark's correctness check compares with.
"""

from __future__ import annotations

import gzip
import json
import random
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

LIB_VERSION = "1.449.2"
FLUSH_INTERVAL_MS = 2000
PAGES = ("/", "/pricing", "/docs/start", "/blog/launch", "/checkout/cart", "/checkout/pay", "/account")


@dataclass(frozen=True)
class CaptureRequest:
    session_id: str
    body: bytes  # what goes on the wire: gzip of the JSON array
    json_size: int  # the decompressed JSON body
    score: int  # the line's score: the earliest event timestamp (ms)
    line: str  # the live buffer line the service must store for this request
    clicks: int


_VOCABULARY_RNG = random.Random(7)
VOCABULARY = tuple(
    "".join(_VOCABULARY_RNG.choices(string.ascii_lowercase, k=_VOCABULARY_RNG.randint(2, 9)))
    for _ in range(4096)
)


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(VOCABULARY, k=count))


def _packed(value: Any) -> str:
    """posthog-js ``cv: "2024-10"``: gzip of the JSON, as a latin1 string of the bytes."""
    return gzip.compress(orjson.dumps(value), compresslevel=6, mtime=0).decode("latin1")


EMPTY_LIST_PACKED = _packed([])


def _dom(rng: random.Random, node_count: int) -> dict[str, Any]:
    children = [
        {
            "type": 2,
            "tagName": rng.choice(("div", "span", "a", "li", "p", "button")),
            "attributes": {"class": f"c-{rng.randint(1, 400)} {rng.choice(('card', 'row', 'nav', 'btn'))}"},
            "childNodes": [{"type": 3, "textContent": _words(rng, rng.randint(1, 12)), "id": 2 * i + 11}],
            "id": 2 * i + 10,
        }
        for i in range(node_count)
    ]
    body = {"type": 2, "tagName": "body", "attributes": {}, "childNodes": children, "id": 5}
    html = {"type": 2, "tagName": "html", "attributes": {"lang": "en"}, "childNodes": [body], "id": 3}
    return {"node": {"type": 0, "childNodes": [html], "id": 1}, "initialOffset": {"left": 0, "top": 0}}


def _custom(tag: str, payload: dict[str, Any], ts: int) -> dict[str, Any]:
    return {"type": 5, "data": {"tag": tag, "payload": payload}, "timestamp": ts}


def _opening_events(rng: random.Random, href: str, ts: int) -> list[dict[str, Any]]:
    full = {
        "type": 2,
        "data": _packed(_dom(rng, rng.randint(150, 1200))),
        "timestamp": ts + 70,
        "cv": "2024-10",
    }
    return [
        {"type": 4, "data": {"href": href, "width": 1440, "height": 900}, "timestamp": ts},
        full,
        _custom("$remote_config_received", {"enabled": True, "endpoint": "/s/"}, ts + 90),
        _custom("$session_options", {"sessionRecordingOptions": {"maskAllInputs": True}}, ts + 91),
        _custom("$recording_started", {"reason": "recording_initialized"}, ts + 92),
    ]


def _incremental(rng: random.Random, ts: int, kind: int) -> tuple[dict[str, Any], int]:
    """One incremental snapshot of ``kind`` (0 mutation, 1 mouse move, 2 click, 3 scroll, 5 input)."""
    if kind == 0:
        adds = [{"parentId": rng.randint(10, 900), "node": {"type": 3, "textContent": _words(rng, 6)}}]
        data: dict[str, Any] = {"source": 0, "adds": _packed(adds), "removes": EMPTY_LIST_PACKED}
        data["texts"], data["attributes"] = EMPTY_LIST_PACKED, EMPTY_LIST_PACKED
        return {"type": 3, "data": data, "timestamp": ts, "cv": "2024-10"}, 0
    if kind == 1:
        positions = [
            {
                "x": rng.randint(0, 1440),
                "y": rng.randint(0, 900),
                "id": rng.randint(10, 900),
                "timeOffset": -50 * n,
            }
            for n in range(rng.randint(3, 12))
        ]
        return {"type": 3, "data": {"source": 1, "positions": positions}, "timestamp": ts}, 0
    if kind == 2:
        click = {"source": 2, "type": 2, "id": rng.randint(10, 900), "x": rng.randint(0, 1440), "y": 300}
        return {"type": 3, "data": click, "timestamp": ts}, 1
    if kind == 3:
        return {
            "type": 3,
            "data": {"source": 3, "id": 1, "x": 0, "y": rng.randint(0, 5000)},
            "timestamp": ts,
        }, 0
    text = "*" * rng.randint(1, 12)
    return {"type": 3, "data": {"source": 5, "text": text, "isChecked": False, "id": 13}, "timestamp": ts}, 0


def _console(rng: random.Random, ts: int) -> dict[str, Any]:
    level = rng.choices(("log", "warn", "error"), weights=(6, 2, 1))[0]
    payload = {"level": level, "trace": ["app.js:12:7"], "payload": [json.dumps(_words(rng, 5))]}
    return {"type": 6, "data": {"plugin": "rrweb/console@1", "payload": payload}, "timestamp": ts}


def _activity(rng: random.Random, start: int, host: str) -> tuple[list[dict[str, Any]], int]:
    """About two seconds of a page: returns (events in time order, clicks)."""
    events, clicks = [], 0
    kinds = rng.choices((0, 1, 2, 3, 5), weights=(5, 8, 1, 2, 2), k=rng.randint(6, 40))
    offsets = sorted(rng.sample(range(FLUSH_INTERVAL_MS), len(kinds)))
    for kind, offset in zip(kinds, offsets, strict=True):
        event, clicked = _incremental(rng, start + offset, kind)
        events.append(event)
        clicks += clicked
    if rng.random() < 0.15:
        events.append(_console(rng, start + FLUSH_INTERVAL_MS - 5))
    if rng.random() < 0.04:
        href = f"https://{host}{rng.choice(PAGES)}"
        events.append(_custom("$pageview", {"href": href}, start + FLUSH_INTERVAL_MS - 1))
    return events, clicks


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _item(tab: dict[str, str], events: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    properties = {
        "$snapshot_bytes": len(orjson.dumps(events)),
        "$session_id": tab["session_id"],
        "$window_id": tab["window_id"],
        "$lib": "web",
        "$lib_version": LIB_VERSION,
        "$snapshot_host": tab["host"],
        "token": tab["token"],
        "$config_defaults": "unset",
        "distinct_id": tab["distinct_id"],
        "$snapshot_data": events,
    }
    last = events[-1]["timestamp"]
    return {"uuid": _uuid(rng), "event": "$snapshot", "properties": properties, "timestamp": _iso(last)}


def _request(
    tab: dict[str, str], events: list[dict[str, Any]], clicks: int, rng: random.Random
) -> CaptureRequest:
    # Usually one $snapshot per request; sometimes the SDK queued two captures of the same tab.
    split = len(events) // 2 if len(events) > 8 and rng.random() < 0.15 else len(events)
    items = [_item(tab, events[:split], rng)]
    if split < len(events):
        items.append(_item(tab, events[split:], rng))
    text = orjson.dumps(items)  # like JSON.stringify: compact, non-ASCII as UTF-8
    line = orjson.dumps({"window_id": tab["window_id"], "data": events}).decode("utf-8")
    score = min(event["timestamp"] for event in events)
    body = gzip.compress(text, compresslevel=6)
    return CaptureRequest(tab["session_id"], body, len(text), score, line, clicks)


def session_requests(rng: random.Random, *, token: str, start_ms: int) -> list[CaptureRequest]:
    """Every request of one session: one or two tabs, each a few to ~60 flushes long."""
    session_id, distinct_id = _uuid(rng), _uuid(rng)
    host = f"shop-{rng.randint(1, 20)}.example.com"
    requests = []
    for tab_index in range(2 if rng.random() < 0.1 else 1):
        tab = {"session_id": session_id, "window_id": _uuid(rng), "distinct_id": distinct_id}
        tab |= {"host": host, "token": token}
        ts = start_ms + tab_index * 7_000
        events = _opening_events(rng, f"https://{host}{rng.choice(PAGES)}", ts)
        for index in range(min(60, int(rng.expovariate(1 / 10)) + 2)):
            activity, clicks = _activity(rng, ts + 100 + index * FLUSH_INTERVAL_MS, host)
            requests.append(_request(tab, events + activity, clicks, rng))
            events = []
    return requests


def traffic(
    *, token: str, request_count: int, now_ms: int, seed: int = 20240611
) -> list[list[CaptureRequest]]:
    """Sessions (each a list of requests in send order) totalling at least ``request_count``.

    Sessions started within the last two hours, so every timestamp is inside the service's
    7-day clock window.
    """
    rng = random.Random(seed)
    sessions: list[list[CaptureRequest]] = []
    total = 0
    while total < request_count:
        start = now_ms - rng.randint(5 * 60_000, 2 * 3600_000)
        requests = session_requests(rng, token=token, start_ms=start)
        sessions.append(requests)
        total += len(requests)
    return sessions


def interleaved(sessions: list[list[CaptureRequest]]) -> list[CaptureRequest]:
    """Send order: the n-th request of every session before any session's (n+1)-th, like many
    browsers recording at once (each session's own requests stay in order)."""
    ordered = []
    for index in range(max(len(requests) for requests in sessions)):
        ordered.extend(requests[index] for requests in sessions if index < len(requests))
    return ordered
