"""Odd inputs found by driving the API like an integrator (and a fuzzer) would: never a 500.

PostgreSQL text cannot hold a NUL character and no UTF-8 text a lone surrogate (``"\\ud800"``
in a JSON parameter), so every path and parameter carrying one is refused before the database
sees it. (SQLite accepts NUL, so those cases matter most in the PostgreSQL run.)
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.recordings.conftest import base_url, make_recording, result_ids

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Recording not found", "attr": None}
NUL = "\x00"
EVENTS = json.dumps([{"id": "$pageview"}])


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return make_recording(
        environment,
        session_id="plain-session",
        distinct_id="1.50",
        start=timezone.now() - timedelta(hours=1),
        duration=60,
        active=10,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "%00/"),
        ("patch", "%00/"),
        ("put", "%00/"),
        ("delete", "%00/"),
        ("post", "%00/persist/"),
        ("get", "%00/viewed/"),
        ("get", "%00/similar_sessions/"),
        ("post", "%00/summarize/"),
        ("get", "a%00b/"),
    ],
)
def test_nul_in_the_recording_id_is_404(
    api: APIClient, recording: SessionRecording, recordings_url: str, method: str, path: str
) -> None:
    """Refused by the core before routing ("Endpoint not found.") or by the viewset."""
    response = getattr(api, method)(f"{recordings_url}{path}", {"viewed": True}, format="json")

    assert response.status_code == 404
    assert {**response.json(), "detail": None} == {**NOT_FOUND, "detail": None}


@pytest.mark.parametrize(
    ("action", "params", "attr"),
    [
        ("", {"distinct_id": NUL}, "distinct_id"),
        ("", {"session_recording_id": "a" + NUL}, "session_recording_id"),
        ("", {"session_ids": json.dumps(["a", NUL])}, "session_ids"),
        ("", {"query": f"browser:{NUL}"}, "query"),
        ("", {"properties": json.dumps([{"key": NUL, "value": "x", "type": "person"}])}, "properties"),
        ("", {"events": json.dumps([{"id": "x", "properties": [{"key": "k", "value": NUL}]}])}, "events"),
        ("matching_events/", {"session_ids": json.dumps([NUL]), "events": EVENTS}, "session_ids"),
        ("matching_events/", {"session_ids": '["plain-session"]', "events": '[{"id": "\\u0000"}]'}, "events"),
        ("properties/", {"session_ids": json.dumps([NUL])}, "session_ids"),
        ("", {"distinct_ids": '["\\ud800"]'}, "distinct_ids"),
        ("", {"events": '[{"id": "\\udfff"}]'}, "events"),
        ("", {"properties": '[{"key": "\\ud800", "value": "x", "type": "person"}]'}, "properties"),
        ("matching_events/", {"session_ids": '["plain-session"]', "events": '[{"id": "\\udfff"}]'}, "events"),
        ("properties/", {"session_ids": '["\\ud800"]'}, "session_ids"),
    ],
)
def test_unstorable_text_in_a_parameter_is_400(
    api: APIClient,
    recording: SessionRecording,
    recordings_url: str,
    action: str,
    params: dict[str, str],
    attr: str,
) -> None:
    response = api.get(f"{recordings_url}{action}", params)

    assert response.status_code == 400, response.json()
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)
    detail = response.json()["detail"]
    # A raw NUL is refused by the core's middleware, JSON escapes by the recordings filters.
    assert "null character or a lone surrogate" in detail or detail == "Null characters are not allowed."


@pytest.mark.parametrize("path", ["bulk_delete/", "bulk_viewed/", "bulk_not_viewed/"])
def test_nul_in_bulk_ids_is_400(
    api: APIClient, recording: SessionRecording, recordings_url: str, path: str
) -> None:
    response = api.post(f"{recordings_url}{path}", {"session_recording_ids": ["a" + NUL]}, format="json")

    assert (response.status_code, response.json()["attr"]) == (400, "session_recording_ids__0")


def test_matching_events_regex_the_database_rejects_is_400(
    api: APIClient, recording: SessionRecording, recordings_url: str
) -> None:
    """Python accepts possessive quantifiers; PostgreSQL does not (SQLite uses Python's ``re``)."""
    properties = json.dumps([{"key": "$browser", "value": "a++", "operator": "regex", "type": "event"}])

    response = api.get(
        f"{recordings_url}matching_events/", {"session_ids": '["plain-session"]', "properties": properties}
    )

    if connection.vendor == "postgresql":
        assert (response.status_code, response.json()["type"]) == (400, "validation_error")
    else:
        assert (response.status_code, response.json()) == (200, {"results": []})


def test_numeric_looking_text_parameters_keep_their_text(
    api: APIClient, recording: SessionRecording, environment: Environment
) -> None:
    """``distinct_id=1.50`` is the text "1.50" (JSON-decoding would make it 1.5)."""
    url = base_url(environment)

    assert result_ids(api.get(url, {"distinct_id": "1.50"})) == [recording.session_id]
    assert result_ids(api.get(url, {"distinct_ids": '["1.50"]'})) == [recording.session_id]
    assert result_ids(api.get(url, {"distinct_id": "1.5"})) == []
    assert result_ids(api.get(url, {"query": "distinct_id:1.50"})) == [recording.session_id]


@pytest.mark.parametrize(
    "value", [{"a": 1}, [["nested"]], [{"a": 1}]], ids=["object", "nested-list", "list-of-objects"]
)
def test_property_filter_value_must_be_scalar_or_list(
    api: APIClient, environment: Environment, value: object
) -> None:
    properties = json.dumps([{"key": "email", "value": value, "operator": "exact", "type": "person"}])

    response = api.get(base_url(environment), {"properties": properties})

    assert (response.status_code, response.json()["attr"]) == (400, "properties")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": str(10**30)},
        {"offset": str(10**30)},
        {"offset": "9223372036854775808"},
        {"date_from": "-999999y"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"having_predicates": json.dumps([{"key": "click_count", "value": 10**30, "type": "recording"}])},
        {"query": "click_count:" + "9" * 300},
        {"query": "duration:>" + "9" * 300 + "w"},
        {"query": "browser:🙂 OR os:é*"},
        {"query": "url:% OR url:_ OR start_url:\\\\"},
        {"query": "browser:x OR " * 150 + "os:y"},
    ],
    ids=lambda params: next(iter(params)),
)
def test_extreme_but_valid_values_are_200(
    api: APIClient, recording: SessionRecording, environment: Environment, params: dict[str, str]
) -> None:
    assert api.get(base_url(environment), params).status_code == 200
