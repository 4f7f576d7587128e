"""Every list filter, table-driven over the ``dataset`` (alpha, beta, gamma; see conftest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecordingViewed
from recordings_api.models import Environment, User
from tests.recordings.conftest import Dataset, base_url

pytestmark = pytest.mark.django_db


def prop(key: str, value: Any = None, operator: str = "exact", type_: str = "person") -> dict[str, Any]:
    return {"key": key, "value": value, "operator": operator, "type": type_}


def encoded(params: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in params.items()}


FILTER_CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("no filters", {}, {"alpha", "beta", "gamma"}),
    ("date_from relative days", {"date_from": "-3d"}, {"alpha", "beta"}),
    ("date_from relative hours", {"date_from": "-24h"}, {"alpha"}),
    ("date_from minutes", {"date_from": "-30M"}, set()),
    ("date_from weeks", {"date_from": "-2w"}, {"alpha", "beta", "gamma"}),
    ("date_from all", {"date_from": "all"}, {"alpha", "beta", "gamma"}),
    ("date_to relative", {"date_to": "-1d"}, {"beta", "gamma"}),
    ("date window", {"date_from": "-5d", "date_to": "-1d"}, {"beta"}),
    ("date_from absolute", {"date_from": "2000-01-01"}, {"alpha", "beta", "gamma"}),
    ("date_to absolute", {"date_to": "2000-01-01T00:00:00Z"}, set()),
    ("distinct_ids", {"distinct_ids": ["alpha-user", "gamma-user"]}, {"alpha", "gamma"}),
    ("distinct_id (published docs)", {"distinct_id": "beta-user"}, {"beta"}),
    ("session_ids", {"session_ids": ["beta-session", "nope"]}, {"beta"}),
    ("session_ids empty", {"session_ids": []}, set()),
    (
        "parameters sent empty count as not sent",
        {"events": "", "properties": "", "distinct_id": "", "session_ids": "", "query": "", "order": ""},
        {"alpha", "beta", "gamma"},
    ),
    ("events by name", {"events": [{"id": "$pageview", "type": "events"}]}, {"alpha", "beta"}),
    ("events custom", {"events": [{"id": "purchase", "type": "events"}]}, {"alpha"}),
    ("events any", {"events": [{"id": None, "type": "events"}]}, {"alpha", "beta"}),
    (
        "events with property",
        {"events": [{"id": "purchase", "type": "events", "properties": [prop("amount", 20, "gt", "event")]}]},
        {"alpha"},
    ),
    (
        "events with failing property",
        {"events": [{"id": "purchase", "type": "events", "properties": [prop("amount", 50, "gt", "event")]}]},
        set(),
    ),
    (
        "two events AND",
        {"events": [{"id": "$pageview", "type": "events"}, {"id": "purchase", "type": "events"}]},
        {"alpha"},
    ),
    (
        "two events OR",
        {"events": [{"id": "$autocapture"}, {"id": "$pageview"}], "operand": "OR"},
        {"alpha", "beta"},
    ),
    ("person exact", {"properties": [prop("email", "beta@test.org")]}, {"beta"}),
    (
        "person exact list",
        {"properties": [prop("email", ["beta@test.org", "alpha@example.com"])]},
        {"alpha", "beta"},
    ),
    ("person is_not", {"properties": [prop("email", "beta@test.org", "is_not")]}, {"alpha", "gamma"}),
    ("person icontains", {"properties": [prop("email", "EXAMPLE", "icontains")]}, {"alpha"}),
    ("person not_icontains", {"properties": [prop("email", "example", "not_icontains")]}, {"beta", "gamma"}),
    ("person regex", {"properties": [prop("email", r"^b.*\.org$", "regex")]}, {"beta"}),
    ("person not_regex", {"properties": [prop("email", r"^b", "not_regex")]}, {"alpha", "gamma"}),
    ("person gt number and numeric string", {"properties": [prop("age", 20, "gt")]}, {"alpha", "beta"}),
    ("person lt", {"properties": [prop("age", 30, "lt")]}, {"beta"}),
    ("person gte", {"properties": [prop("age", 31, "gte")]}, {"alpha"}),
    ("person lte", {"properties": [prop("age", 25, "lte")]}, {"beta"}),
    ("person exact number vs string", {"properties": [prop("age", "31")]}, {"alpha"}),
    ("person is_set", {"properties": [prop("plan", operator="is_set")]}, {"alpha"}),
    ("person is_not_set", {"properties": [prop("plan", operator="is_not_set")]}, {"beta", "gamma"}),
    ("event property", {"properties": [prop("currency", "EUR", "exact", "event")]}, {"alpha"}),
    (
        "event property icontains",
        {"properties": [prop("$current_url", "shop", "icontains", "event")]},
        {"alpha"},
    ),
    ("session property", {"properties": [prop("$browser", "Firefox", "exact", "session")]}, {"beta"}),
    ("session is_not", {"properties": [prop("$os", "Windows", "is_not", "session")]}, {"alpha", "gamma"}),
    (
        "session duration",
        {"properties": [prop("$session_duration", 100, "gt", "session")]},
        {"alpha", "gamma"},
    ),
    (
        "session entry url",
        {"properties": [prop("$entry_current_url", "shop", "icontains", "session")]},
        {"alpha"},
    ),
    (
        "recording visited_page",
        {"properties": [prop("visited_page", "checkout", "icontains", "recording")]},
        {"alpha"},
    ),
    (
        "recording visited_page exact",
        {"properties": [prop("visited_page", "https://example.com/", "exact", "recording")]},
        {"beta"},
    ),
    (
        "recording visited_page regex",
        {"properties": [prop("visited_page", r"cart\?item=\d", "regex", "recording")]},
        {"alpha"},
    ),
    (
        "recording visited_page is_not",
        {"properties": [prop("visited_page", "https://example.com/", "is_not", "recording")]},
        {"alpha", "gamma"},
    ),
    (
        "recording snapshot_source",
        {"properties": [prop("snapshot_source", "mobile", "exact", "recording")]},
        {"beta"},
    ),
    (
        "properties AND",
        {"properties": [prop("age", 20, "gt"), prop("$browser", "Chrome", "exact", "session")]},
        {"alpha"},
    ),
    (
        "properties OR",
        {
            "properties": [prop("age", 30, "lt"), prop("$browser", "Chrome", "exact", "session")],
            "operand": "OR",
        },
        {"alpha", "beta"},
    ),
    (
        "events OR properties",
        {"events": [{"id": "purchase"}], "properties": [prop("email", "beta@test.org")], "operand": "OR"},
        {"alpha", "beta"},
    ),
    (
        "console errors",
        {"console_log_filters": [prop("console_log_level", ["error"], "exact", "log_entry")]},
        {"alpha", "gamma"},
    ),
    (
        "console warn",
        {"console_log_filters": [prop("console_log_level", ["warn"], "exact", "log_entry")]},
        {"beta"},
    ),
    (
        "console info",
        {"console_log_filters": [prop("console_log_level", ["info"], "exact", "log_entry")]},
        {"alpha", "gamma"},
    ),
    (
        "console warn or error",
        {"console_log_filters": [prop("console_log_level", ["warn", "error"], "exact", "log_entry")]},
        {"alpha", "beta", "gamma"},
    ),
    (
        "having duration gt",
        {"having_predicates": [prop("duration", 60, "gt", "recording")]},
        {"alpha", "gamma"},
    ),
    ("having duration lt", {"having_predicates": [prop("duration", 60, "lt", "recording")]}, {"beta"}),
    (
        "having duration exact",
        {"having_predicates": [prop("duration", 120, "exact", "recording")]},
        {"alpha"},
    ),
    (
        "having active_seconds",
        {"having_predicates": [prop("active_seconds", 100, "gte", "recording")]},
        {"gamma"},
    ),
    (
        "having inactive_seconds",
        {"having_predicates": [prop("inactive_seconds", 50, "gt", "recording")]},
        {"alpha"},
    ),
    (
        "having click_count",
        {"having_predicates": [prop("click_count", 0, "is_not", "recording")]},
        {"alpha", "gamma"},
    ),
    (
        "having activity_score",
        {"having_predicates": [prop("activity_score", 50, "gt", "recording")]},
        {"gamma"},
    ),
    ("legacy duration", {"duration": [prop("duration", 500, "gt", "recording")]}, {"gamma"}),
    ("query language", {"query": "duration:>1m count_errors:>=1"}, {"alpha", "gamma"}),
    (
        "ignored plumbing params",
        {"version": 4, "kind": "RecordingsQuery", "hogql_filtering": True},
        {"alpha", "beta", "gamma"},
    ),
]


@pytest.mark.parametrize(
    ("params", "expected"), [case[1:] for case in FILTER_CASES], ids=[c[0] for c in FILTER_CASES]
)
def test_filter(api: APIClient, dataset: Dataset, params: dict[str, Any], expected: set[str]) -> None:
    response = api.get(base_url(dataset.alpha.environment), encoded(params))

    assert set(dataset.names(response)) == expected


def test_filter_person_uuid(api: APIClient, dataset: Dataset) -> None:
    from recordings.models import PersonDistinctId

    person = PersonDistinctId.objects.get(distinct_id="beta-user").person
    PersonDistinctId.objects.create(environment=person.environment, person=person, distinct_id="gamma-user")

    response = api.get(base_url(dataset.alpha.environment), {"person_uuid": str(person.uuid)})

    assert set(dataset.names(response)) == {"beta", "gamma"}


def test_filter_test_accounts(api: APIClient, dataset: Dataset, environment: Environment) -> None:
    environment.test_account_filters = [prop("email", "@test.org", "not_icontains")]
    environment.save()
    url = base_url(environment)

    assert set(dataset.names(api.get(url, {"filter_test_accounts": "true"}))) == {"alpha", "gamma"}
    assert set(dataset.names(api.get(url, {"filter_test_accounts": "false"}))) == {"alpha", "beta", "gamma"}


def test_filter_session_ids_keep_the_given_order(api: APIClient, dataset: Dataset) -> None:
    order = ["gamma-session", "alpha-session", "beta-session"]

    response = api.get(base_url(dataset.alpha.environment), {"session_ids": json.dumps(order)})

    assert dataset.names(response) == ["gamma", "alpha", "beta"]


def test_filter_session_ids_comma_list(api: APIClient, dataset: Dataset) -> None:
    response = api.get(base_url(dataset.alpha.environment), {"session_ids": "beta-session,alpha-session"})

    assert dataset.names(response) == ["beta", "alpha"]


def test_hide_viewed_recordings(
    api: APIClient, dataset: Dataset, owner: User, teammate: User, environment: Environment
) -> None:
    SessionRecordingViewed.objects.create(environment=environment, user=owner, session_id="alpha-session")
    SessionRecordingViewed.objects.create(environment=environment, user=teammate, session_id="beta-session")
    url = base_url(environment)

    mine = api.get(url, {"hide_viewed_recordings": "current-user"})
    anyone = api.get(url, {"hide_viewed_recordings": "any-user"})

    assert set(dataset.names(mine)) == {"beta", "gamma"}
    assert set(dataset.names(anyone)) == {"gamma"}


def test_session_recording_id_is_put_first(api: APIClient, dataset: Dataset) -> None:
    url = base_url(dataset.alpha.environment)

    response = api.get(url, {"session_recording_id": "gamma-session", "date_from": "-3d"})

    assert dataset.names(response) == ["gamma", "alpha", "beta"]
    assert [row["matches_filters"] for row in response.json()["results"]] == [False, True, True]


def test_filters_do_not_reach_other_environment(api: APIClient, dataset: Dataset) -> None:
    response = api.get(base_url(dataset.alpha.environment), {"distinct_ids": json.dumps(["alpha-user"])})

    assert dataset.names(response) == ["alpha"]


INVALID_CASES: list[tuple[dict[str, Any], str]] = [
    ({"tomato": "1"}, "tomato"),
    ({"date_from": "yesterday"}, "date_from"),
    ({"date_to": "-3x"}, "date_to"),
    ({"events": {"id": "$pageview"}}, "events"),
    ({"events": ["$pageview"]}, "events"),
    ({"events": [{"id": 3}]}, "events"),
    ({"events": [{"id": "$pageview", "type": "actions"}]}, "events"),
    ({"actions": [{"id": 1, "type": "actions"}]}, "actions"),
    ({"properties": {"key": "a"}}, "properties"),
    ({"properties": [{"value": 1}]}, "properties"),
    ({"properties": [prop("email", "x", "bogus")]}, "properties"),
    ({"properties": [prop("email", "x", "exact", "cohort")]}, "properties"),
    ({"properties": [prop("email", "(", "regex")]}, "properties"),
    ({"properties": [prop("age", "abc", "gt")]}, "properties"),
    ({"properties": [{"key": "email", "operator": "exact", "type": "person"}]}, "properties"),
    ({"properties": [prop("nope", 1, "gt", "recording")]}, "properties"),
    (
        {"console_log_filters": [prop("console_log_level", ["fatal"], "exact", "log_entry")]},
        "console_log_filters",
    ),
    (
        {"console_log_filters": [prop("console_log_query", "boom", "icontains", "log_entry")]},
        "console_log_filters",
    ),
    ({"having_predicates": [prop("duration", "long", "gt", "recording")]}, "having_predicates"),
    ({"having_predicates": [prop("email", "x", "exact", "person")]}, "having_predicates"),
    ({"operand": "XOR"}, "operand"),
    ({"filter_test_accounts": "maybe"}, "filter_test_accounts"),
    ({"person_uuid": "not-a-uuid"}, "person_uuid"),
    ({"session_ids": {"a": 1}}, "session_ids"),
    ({"order": "tomato"}, "order"),
    ({"order_direction": "sideways"}, "order_direction"),
    ({"hide_viewed_recordings": "everyone"}, "hide_viewed_recordings"),
    ({"query": "tomato:1"}, "query"),
    ({"limit": "0"}, "limit"),
    ({"limit": "abc"}, "limit"),
    ({"offset": "-1"}, "offset"),
    # The document's schemas are exact: what they refuse, the parsers refuse (never a 500).
    ({"filter_test_accounts": "1"}, "filter_test_accounts"),
    ({"filter_test_accounts": '"true"'}, "filter_test_accounts"),
    ({"limit": "null"}, "limit"),
    ({"date_from": '"-3d"'}, "date_from"),
    ({"person_uuid": "{5c4e3a00-0000-4000-8000-000000424201}"}, "person_uuid"),
    ({"properties": [{"key": "email", "type": "", "value": "x"}]}, "properties"),
    ({"properties": [{"key": "email", "operator": 0, "value": "x"}]}, "properties"),
    ({"properties": [prop("email", None)]}, "properties"),
    ({"properties": [prop("tag_name", None, "exact", "element")]}, "properties"),
    ({"properties": [prop("selector", True, "exact", "element")]}, "properties"),
    ({"properties": [prop("selector", "a[x=\u001d]", "exact", "element")]}, "properties"),
    ({"actions": [{"id": "\u00b2"}]}, "actions"),
    ({"actions": [{"id": "0"}]}, "actions"),
    ({"session_ids": ["a", None]}, "session_ids"),
    ({"events": "[" * 100_000}, "events"),
]


@pytest.mark.parametrize(
    ("params", "attr"), INVALID_CASES, ids=[c[1] + "-" + str(i) for i, c in enumerate(INVALID_CASES)]
)
def test_invalid_filter_is_400(
    api: APIClient, environment: Environment, params: dict[str, Any], attr: str
) -> None:
    response = api.get(base_url(environment), encoded(params))

    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["type"], body["attr"]) == ("validation_error", attr)
    assert body["detail"]


def test_regex_the_database_rejects_is_400(
    api: APIClient, dataset: Dataset, environment: Environment
) -> None:
    """Python accepts possessive quantifiers; PostgreSQL does not (SQLite uses Python's ``re``)."""
    params = encoded({"properties": [prop("email", "a++", "regex")]})

    response = api.get(base_url(environment), params)

    from django.db import connection

    if connection.vendor == "postgresql":
        assert (response.status_code, response.json()["type"]) == (400, "validation_error")
    else:
        assert set(dataset.names(response)) == {"alpha", "beta"}


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": " all "},
        {"order_direction": "asc", "operand": "or"},
        {"properties": [{"key": "email", "type": None, "operator": None, "value": "x"}]},
        {"properties": [{"key": "email", "operator": "is_set", "value": {"ignored": "\u0000"}}]},
        {"properties": [prop("start_url", "0", "gt", "recording")]},
        {"events": [{"id": "$pageview", "label": "\u0000 is in a key this service does not read"}]},
        {"filter_test_accounts": "null", "events": '""'},
    ],
)
def test_what_the_document_admits_is_accepted(
    api: APIClient, environment: Environment, params: dict[str, Any]
) -> None:
    response = api.get(base_url(environment), encoded(params))

    assert response.status_code == 200, response.json()
