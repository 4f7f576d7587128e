"""Element property filters over autocapture's ``$elements_chain``: CSS selectors, tag names,
texts and links, as recordings filters (``properties``) and inside event filters, through
PostgreSQL regular expressions."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.filters.elements import selector_regex
from recordings_api.models import Environment
from tests.factories import SessionEventFactory, SessionRecordingFactory

# What posthog-js sends for a click on <span> inside <button class="btn primary" id="buy">
# inside <div data-attr="checkout box"> inside <body>.
CHAIN = (
    'span:nth-child="1"nth-of-type="1"text="Buy now";'
    'button.btn.primary:attr__class="btn primary"attr__id="buy"href="/cart?x=\\"1\\""'
    'nth-child="2"nth-of-type="1";'
    'div.box:attr__class="box"attr__data-attr="checkout box"nth-child="1"nth-of-type="1";'
    'body:nth-child="2"nth-of-type="1"'
)


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("button", True),
        ("span", True),
        ("a", False),
        ("but", False),
        ("button.primary", True),
        (".btn.primary", True),
        (".primary.btn", True),
        ("button.secondary", False),
        ("#buy", True),
        ("button#buy", True),
        ("span#buy", False),
        ('[data-attr="checkout box"]', True),
        ("[data-attr='checkout box'] > button", True),
        ("[data-attr]", True),
        ("[data-attr=checkout]", False),
        ("div button span", True),
        ("div > button > span", True),
        ("div > span", False),
        ("body span", True),
        ("span div", False),
        ("body > div.box > button#buy", True),
        ("* > span", True),
    ],
)
def test_selectors_match_the_chain_like_css(selector: str, matches: bool) -> None:
    assert bool(re.search(selector_regex(selector), CHAIN)) is matches


@pytest.fixture
def clicks(environment: Environment) -> None:
    now = timezone.now().replace(microsecond=0)
    for session_id, chain in (
        ("clicked-buy", CHAIN),
        ("clicked-link", 'a:href="/docs"nth-child="1"nth-of-type="1"text="Docs"'),
    ):
        recording = SessionRecordingFactory.create(
            environment=environment,
            session_id=session_id,
            start_time=now - timedelta(minutes=5),
            end_time=now,
        )
        SessionEventFactory.create(
            environment=environment,
            session_id=recording.session_id,
            event="$autocapture",
            timestamp=now - timedelta(minutes=4),
            properties={"$event_type": "click", "$elements_chain": chain},
        )
    SessionRecordingFactory.create(
        environment=environment, session_id="no-clicks", start_time=now - timedelta(minutes=3), end_time=now
    )


def _ids(api: APIClient, environment: Environment, **params: object) -> list[str]:
    query = {name: json.dumps(value) for name, value in params.items()}
    response = api.get(f"/api/projects/{environment.id}/session_recordings/", query)
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def _element(key: str, operator: str, value: object = None) -> list[dict[str, object]]:
    return [{"type": "element", "key": key, "operator": operator, "value": value}]


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        (_element("selector", "exact", "div.box > button.primary"), ["clicked-buy"]),
        (_element("selector", "exact", ["a", "#buy"]), ["clicked-buy", "clicked-link"]),
        (_element("selector", "is_not", "button"), ["clicked-link", "no-clicks"]),
        (_element("tag_name", "exact", "a"), ["clicked-link"]),
        (_element("tag_name", "exact", "BUTTON"), ["clicked-buy"]),
        (_element("text", "exact", "Buy now"), ["clicked-buy"]),
        (_element("text", "exact", "Buy"), []),
        (_element("text", "icontains", "buy"), ["clicked-buy"]),
        (_element("text", "not_icontains", "buy"), ["clicked-link", "no-clicks"]),
        (_element("text", "regex", "^D"), ["clicked-link"]),
        (_element("text", "regex", "now$"), ["clicked-buy"]),
        (_element("text", "regex", "^now"), []),
        (_element("text", "not_regex", "[Bb]uy"), ["clicked-link", "no-clicks"]),
        (_element("href", "exact", '/cart?x="1"'), ["clicked-buy"]),
        (_element("href", "icontains", "doc"), ["clicked-link"]),
        (_element("href", "is_set"), ["clicked-buy", "clicked-link"]),
        (_element("href", "is_not_set"), ["no-clicks"]),
    ],
)
def test_element_filters_select_recordings(
    api: APIClient, environment: Environment, clicks: None, prop: list[dict[str, object]], expected: list[str]
) -> None:
    assert _ids(api, environment, properties=prop) == expected


def test_element_filters_inside_an_event_filter_apply_to_that_event(
    api: APIClient, environment: Environment, clicks: None
) -> None:
    matching = [{"id": "$autocapture", "type": "events", "properties": _element("text", "exact", "Docs")}]
    other_event = [{"id": "$pageview", "type": "events", "properties": _element("text", "exact", "Docs")}]

    assert _ids(api, environment, events=matching) == ["clicked-link"]
    assert _ids(api, environment, events=other_event) == []


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        (_element("selector", "exact", "div + span"), "The selector combinator '+' is not supported"),
        (_element("selector", "exact", "a:hover"), "Unsupported CSS selector part 'a:hover'"),
        (_element("selector", "icontains", "a"), "Element selectors take 'exact' or 'is_not'"),
        (_element("tag_name", "regex", "a"), "Element tag names take 'exact' or 'is_not'"),
        (_element("text", "gt", 3), "Operator 'gt' does not apply to element 'text'"),
        (_element("color", "exact", "red"), "Unknown element filter 'color'"),
        (_element("text", "regex", "("), "Invalid element filter"),
    ],
)
def test_bad_element_filters_are_400(
    api: APIClient, environment: Environment, clicks: None, prop: list[dict[str, object]], message: str
) -> None:
    response = api.get(
        f"/api/projects/{environment.id}/session_recordings/", {"properties": json.dumps(prop)}
    )

    assert response.status_code == 400
    assert response.json()["attr"] == "properties"
    assert response.json()["detail"].startswith(message)
