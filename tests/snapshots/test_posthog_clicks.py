"""posthog-js recordings in the click index: rrweb clicks resolved against the recorded DOM
(``cv: "2024-10"`` payloads included), PostHog's rage rule, ``$rageclick`` / ``$dead_click``
events, ``$exception`` errors, and the Sentry-face attributes of posthog-js recordings."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from django.test import Client

from recordings.models import RecordingClick, RecordingElement, SessionRecording
from recordings_api.models import Environment
from tests.snapshots.test_capture_support import (
    embedded_buffer,  # noqa: F401
    event_item,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def _props(properties: dict[str, Any]) -> dict[str, Any]:
    """Event properties whose keys are no parameter of ``event_item`` (typed for its ``**``)."""
    return properties


def cv(value: Any) -> str:
    """How posthog-js compresses a payload: gzip bytes as latin-1 characters."""
    return gzip.compress(orjson.dumps(value)).decode("latin-1")


def text(node_id: int, content: str) -> dict[str, Any]:
    return {"type": 3, "textContent": content, "id": node_id}


def element(node_id: int, tag: str, attributes: dict[str, Any], *children: dict[str, Any]) -> dict[str, Any]:
    return {"type": 2, "tagName": tag, "attributes": attributes, "childNodes": list(children), "id": node_id}


PAGE = {
    "type": 0,
    "id": 1,
    "childNodes": [
        element(
            2,
            "html",
            {},
            element(
                3,
                "body",
                {},
                element(
                    10,
                    "button",
                    {
                        "id": "buy",
                        "class": "btn primary",
                        "data-testid": "buy-button",
                        "aria-label": "Buy it",
                        "title": "Buy",
                        "role": "button",
                    },
                    text(11, " Buy now "),
                ),
                element(
                    20, "a", {"href": "/help", "class": "help"}, element(21, "span", {}, text(22, "Help"))
                ),
                element(30, "div", {"id": "panel"}),
                element(40, "p", {}, text(41, "plain")),
            ),
        )
    ],
}


def full_snapshot(ts: int) -> dict[str, Any]:
    return {
        "type": 2,
        "data": cv({"node": PAGE, "initialOffset": {"top": 0, "left": 0}}),
        "timestamp": ts,
        "cv": "2024-10",
    }


def adds(ts: int, *added: dict[str, Any]) -> dict[str, Any]:
    data = {"source": 0, "adds": cv(list(added)), "removes": cv([]), "texts": cv([]), "attributes": cv([])}
    return {"type": 3, "data": data, "timestamp": ts, "cv": "2024-10"}


def click_on(ts: int, node_id: int, x: float = 100, y: float = 100) -> dict[str, Any]:
    return {"type": 3, "data": {"source": 2, "type": 2, "id": node_id, "x": x, "y": y}, "timestamp": ts}


def _rows(session_id: str) -> list[tuple[Any, ...]]:
    return list(
        RecordingClick.objects.filter(session_id=session_id)
        .order_by("timestamp", "click_key")
        .values_list(
            "source",
            "node_id",
            "tag",
            "element_id",
            "classes",
            "text",
            "testid",
            "aria_label",
            "is_dead",
            "is_rage",
        )
    )


def _post(environment: Environment, session_id: str, events: list[dict[str, Any]], **extra: Any) -> None:
    item = snapshot_item(
        token=environment.api_token, session_id=session_id, events=events, window_id="w1", **extra
    )
    assert post_gzip(Client(), "/s/", [item]).status_code == 200


def test_clicks_resolve_against_the_dom_of_the_same_request(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    _post(
        environment,
        session_id,
        [
            meta(ts),
            full_snapshot(ts + 1),
            click_on(ts + 100, 10),
            click_on(ts + 200, 21, 500, 500),
            click_on(ts + 300, 40, 900, 10),
        ],
    )

    assert _rows(session_id) == [
        ("rrweb", 10, "button", "buy", ["btn", "primary"], "Buy now", "buy-button", "Buy it", False, False),
        ("rrweb", 20, "a", "", ["help"], "", "", "", False, False),  # the span's link
        ("rrweb", 40, "p", "", [], "plain", "", "", False, False),
    ]
    row = RecordingClick.objects.get(session_id=session_id, node_id=10)
    assert (row.title, row.role) == ("Buy", "button")


def test_clicks_of_later_requests_resolve_against_the_element_index(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    _post(environment, session_id, [meta(ts), full_snapshot(ts + 1)])
    new_button = element(50, "button", {"data-testid": "added"}, element(51, "i", {"class": "icon"}))
    _post(environment, session_id, [adds(ts + 50, {"parentId": 30, "nextId": None, "node": new_button})])
    inside_link = element(60, "b", {}, text(61, "more"))
    _post(environment, session_id, [adds(ts + 60, {"parentId": 21, "nextId": None, "node": inside_link})])
    _post(
        environment,
        session_id,
        [click_on(ts + 100, 10), click_on(ts + 2000, 51, 300, 300), click_on(ts + 4000, 60, 600, 600)],
    )

    assert [(row[1], row[2], row[3], row[6]) for row in _rows(session_id)] == [
        (10, "button", "buy", "buy-button"),
        (50, "button", "", "added"),  # the icon's button, indexed from a compressed mutation
        (20, "a", "", ""),  # added under the link's span: the link
    ]
    assert (
        RecordingElement.objects.filter(session_id=session_id, node_id=51).values_list(
            "target_node_id", flat=True
        )[0]
        == 50
    )


@pytest.mark.parametrize("events_first", [False, True])
def test_rage_clicks_by_posthogs_rule_and_events_count_once(
    environment: Environment, events_first: bool
) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    series = [click_on(ts + 100 + i * 400, 10, 100 + i * 5, 100) for i in range(4)]  # < 30 px, < 1 s apart
    snapshots = [meta(ts), full_snapshot(ts + 1), *series, click_on(ts + 5000, 10, 400, 100)]
    if not events_first:
        _post(environment, session_id, snapshots)
    token = environment.api_token
    same = event_item(
        token=token,
        event="$rageclick",
        session_id=session_id,
        **_props({"$elements_chain": 'button.btn:attr__id="buy"'}),
    )
    same["timestamp"] = datetime.fromtimestamp((ts + 900) / 1000, UTC).isoformat()
    other = event_item(
        token=token,
        event="$rageclick",
        session_id=session_id,
        **_props({"$elements_chain": 'div:attr__id="panel"'}),
    )
    dead = event_item(
        token=token,
        event="$dead_click",
        session_id=session_id,
        **_props(
            {
                "$elements_chain": 'a.help.link:attr__href="/help"attr__id="more"nth-child="2"text="Help";'
                'body:nth-child="1"',
                "$dead_click_event_timestamp": ts + 6000,
                "$current_url": "https://shop.example/",
            }
        ),
    )
    assert post_gzip(Client(), "/e/", {"api_key": token, "batch": [same, other, dead]}).status_code == 200
    if events_first:
        _post(environment, session_id, snapshots)

    rows = _rows(session_id)
    assert [(r[0], r[2], r[3], r[4], r[5], r[8], r[9]) for r in rows if r[8] or r[9]] == [
        (
            "rrweb",
            "button",
            "buy",
            ["btn", "primary"],
            "Buy now",
            False,
            True,
        ),  # the third click of the series
        ("event", "a", "more", ["help", "link"], "Help", True, False),
        ("event", "div", "panel", [], "", False, True),
    ]
    recording = SessionRecording.objects.get(session_id=session_id)
    assert (recording.rage_click_count, recording.dead_click_count, recording.click_count) == (2, 1, 5)


def test_exceptions_are_linked_errors_and_posthog_recordings_get_sentry_attributes(
    environment: Environment,
) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    token = environment.api_token
    exception = event_item(
        token=token,
        event="$exception",
        session_id=session_id,
        **_props({"$exception_list": [{"type": "TypeError", "value": "x is undefined"}]}),
    )
    pageview = event_item(
        token=token,
        event="$pageview",
        session_id=session_id,
        **_props({"$browser": "Firefox", "$browser_version": 133, "$os": "Windows", "$app_version": "2.0.1"}),
    )
    post_gzip(Client(), "/e/", {"api_key": token, "batch": [exception, pageview]})  # before any snapshot
    _post(environment, session_id, [meta(ts, href="https://shop.example/a"), full_snapshot(ts + 1)])
    _post(environment, session_id, [meta(ts + 10, href="https://shop.example/b")])

    recording = SessionRecording.objects.get(session_id=session_id)
    assert {
        "error_ids": recording.error_ids,
        "error_count": recording.error_count,
        "sdk": (recording.sdk_name, recording.sdk_version, recording.platform, recording.replay_type),
        "browser": (recording.browser_name, recording.browser_version, recording.os_name),
        "releases": recording.releases,
        "visited_urls": recording.visited_urls,
        "counts": (recording.url_count, recording.segment_count),
    } == {
        "error_ids": [uuid.UUID(exception["uuid"]).hex],
        "error_count": 1,
        "sdk": ("posthog-js", "1.449.2", "javascript", "session"),
        "browser": ("Firefox", "133", "Windows"),
        "releases": ["2.0.1"],
        "visited_urls": ["https://shop.example/a", "https://shop.example/b"],
        "counts": (2, 2),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("click.testid:buy-button", True),
        ("click.label:*buy*", True),
        ("click.class:primary click.tag:button", True),
        ("click.selector:\"button#buy.primary[data-testid='buy-button'][title=Buy]\"", True),
        ('click.selector:"button#buy[role=link]"', False),
        ("rage.selector:button.btn", True),
        ("dead.selector:button", False),
        ("count_rage_clicks:1", True),
        ('click.selector:"button[onclick=x]"', None),
    ],
)
def test_click_terms_find_posthog_recordings(
    environment: Environment, api: Any, query: str, found: bool | None
) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    series = [click_on(ts + 100 + i * 100, 10) for i in range(3)]
    _post(environment, session_id, [meta(ts), full_snapshot(ts + 1), *series])

    response = api.get(f"/api/environments/{environment.id}/session_recordings/", {"query": query})
    if found is None:
        assert (response.status_code, response.json()["attr"]) == (400, "query")
        return
    assert [item["id"] for item in response.json()["results"]] == ([session_id] if found else [])


def test_a_compressed_payload_that_is_not_gzip_is_ignored_for_indexing(environment: Environment) -> None:
    session_id, ts = new_session_id(), now_ms() - 30_000
    broken = {"type": 2, "data": "\u0100not gzip", "timestamp": ts + 1, "cv": "2024-10"}
    _post(environment, session_id, [meta(ts), broken, click_on(ts + 100, 10)])

    assert _rows(session_id) == [("rrweb", 10, "", "", [], "", "", "", False, False)]
