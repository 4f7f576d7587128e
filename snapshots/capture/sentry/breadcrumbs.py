"""Sentry's custom rrweb events (reference §4.4, §4.5): times in ms, and click rows.

``event_ms``: rrweb events carry ms, but the SDK's ``performanceSpan`` events carry float
*seconds* in their outer ``timestamp``; every time here is normalized to ms.

``segment_clicks``: click rows of one segment, by Sentry's rules (``event_parser.py``):

- a ``ui.click`` breadcrumb is a click row (``is_dead``/``is_rage`` false);
- a ``ui.slowClickDetected`` breadcrumb is a **dead** click when ``endReason == "timeout"``, the
  node's ``tagName`` is ``a``, ``button`` or ``input`` and ``timeAfterClickMs`` (or
  ``timeafterclickms``) ≥ 7000, and also a **rage** click when ``clickCount`` (or
  ``clickcount``) ≥ 5; a slow click that does not qualify is a plain click row;
- a node id below 0 drops the click; at most ``MAX_CLICKS_PER_SEGMENT`` plain click rows per
  segment (Sentry's ``event_cap``), dead and rage rows are always kept.

Each row's ``url`` is the breadcrumb's ``data.url`` (slow clicks carry it), else the page the
segment was on at that moment (its Meta ``href`` and ``navigation.push`` spans). Its key is
``{ms}:{node}:{kind}``, so a click and the dead click Sentry derives from it are two rows, and a
retried envelope adds none.
"""

from __future__ import annotations

from typing import Any

from recordings.services.records import ClickRow
from snapshots.capture.sentry.items import seconds_to_ms
from snapshots.ingestion.elements import cut, element_attributes

MAX_CLICKS_PER_SEGMENT = 20
MAX_SLOW_CLICKS_PER_SEGMENT = 100
DEAD_TAGS = frozenset({"a", "button", "input"})
DEAD_AFTER_MS = 7000
RAGE_CLICK_COUNT = 5
CUSTOM, META = 5, 4


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_ms(event: dict[str, Any]) -> int | None:
    """The event's time in ms (``performanceSpan``'s outer seconds converted); None when invalid."""
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    if event.get("type") == CUSTOM and _dict(event.get("data")).get("tag") == "performanceSpan":
        return round(value * 1000)
    return round(value * 1000) if value < 1e11 else int(value)


def normalized_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shallow copies with ms timestamps, invalid events left out (for metadata, never stored)."""
    out = []
    for event in events:
        ms = event_ms(event)
        if ms is not None:
            out.append({**event, "timestamp": ms})
    return out


def _number(data: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _slow_click_kind(data: dict[str, Any], tag: str) -> tuple[bool, bool]:
    after = _number(data, "timeAfterClickMs", "timeafterclickms")
    dead = (
        data.get("endReason") == "timeout"
        and tag in DEAD_TAGS
        and after is not None
        and after >= DEAD_AFTER_MS
    )
    count = _number(data, "clickCount", "clickcount")
    return dead, dead and count is not None and count >= RAGE_CLICK_COUNT


def _url_of(event: dict[str, Any]) -> str | None:
    data = _dict(event.get("data"))
    if event.get("type") == META and isinstance(data.get("href"), str):
        return str(data["href"])
    payload = _dict(data.get("payload"))
    if data.get("tag") == "performanceSpan" and payload.get("op") == "navigation.push":
        description = payload.get("description")
        return description if isinstance(description, str) else None
    return None


def _click_row(
    payload: dict[str, Any], *, environment_id: int, replay_id: str, segment_id: int, page_url: str
) -> ClickRow | None:
    data = _dict(payload.get("data"))
    node = _dict(data.get("node"))
    node_id = data.get("nodeId", node.get("id"))
    ms = seconds_to_ms(payload.get("timestamp"))
    if isinstance(node_id, bool) or not isinstance(node_id, int) or node_id < 0 or ms is None:
        return None
    element = element_attributes(
        tag=node.get("tagName"), attributes=_dict(node.get("attributes")), text=node.get("textContent")
    )
    slow = payload.get("category") == "ui.slowClickDetected"
    dead, rage = _slow_click_kind(data, element.tag) if slow else (False, False)
    return ClickRow(
        environment_id=environment_id,
        session_id=replay_id,
        click_key=f"{ms}:{node_id}:{'slow' if slow else 'click'}",
        source="sentry",
        timestamp_ms=ms,
        element=element,
        node_id=node_id,
        segment_id=segment_id,
        selector=cut(payload.get("message"), 1024),
        url=cut(data.get("url"), 4096) or page_url,
        is_dead=dead,
        is_rage=rage,
    )


def segment_clicks(
    events: list[dict[str, Any]], *, environment_id: int, replay_id: str, segment_id: int
) -> list[ClickRow]:
    plain: list[ClickRow] = []
    slow: list[ClickRow] = []
    page_url = ""
    for event in sorted(events, key=lambda item: event_ms(item) or 0):
        page_url = cut(_url_of(event), 4096) or page_url
        data = _dict(event.get("data"))
        payload = _dict(data.get("payload"))
        category = payload.get("category")
        if event.get("type") != CUSTOM or data.get("tag") != "breadcrumb":
            continue
        if category not in ("ui.click", "ui.slowClickDetected"):
            continue
        row = _click_row(
            payload,
            environment_id=environment_id,
            replay_id=replay_id,
            segment_id=segment_id,
            page_url=page_url,
        )
        if row is None:
            continue
        bucket = slow if row.is_dead else plain
        cap = MAX_SLOW_CLICKS_PER_SEGMENT if row.is_dead else MAX_CLICKS_PER_SEGMENT
        if len(bucket) < cap:
            bucket.append(row)
    return plain + slow
