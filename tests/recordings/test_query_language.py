"""The search query language: tokenizer/parser tables, error tables, and every field on the dataset."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecording, SessionRecordingViewed
from recordings.query_language import (
    CompileContext,
    QueryError,
    QueryFieldError,
    QuerySyntaxError,
    query_compile,
    query_parse,
)
from recordings.query_language.parser import BoolNode, Node
from recordings.query_language.tokens import TermToken
from recordings_api.models import Environment, User
from tests.recordings.conftest import Dataset, base_url


def _shape(node: Node | None) -> tuple[object, ...] | None:
    """A compact, comparable form of a parse tree."""
    if node is None:
        return None
    if isinstance(node, BoolNode):
        return (node.operator, *(_shape(child) for child in node.children))
    assert isinstance(node, TermToken)
    return ("!" if node.negated else "") + node.key, node.operator, node.value


PARSE_CASES = [
    ("", None),
    ("   ", None),
    ("duration:>1h", ("duration", ">", "1h")),
    ("click_count:>=3", ("click_count", ">=", "3")),
    ("click_count:<=3", ("click_count", "<=", "3")),
    ("click_count:<3", ("click_count", "<", "3")),
    ("!browser:Chrome", ("!browser", ":", "Chrome")),
    ('browser:"Mobile Safari"', ("browser", ":", "Mobile Safari")),
    (r'person.name:"say \"hi\""', ("person.name", ":", 'say "hi"')),
    ('os:[Windows, "Mac OS X",Linux]', ("os", ":", ("Windows", "Mac OS X", "Linux"))),
    ("url:*checkout*", ("url", ":", "*checkout*")),
    ("a:1 b:2", ("AND", ("a", ":", "1"), ("b", ":", "2"))),
    ("a:1 AND b:2", ("AND", ("a", ":", "1"), ("b", ":", "2"))),
    ("a:1 OR b:2", ("OR", ("a", ":", "1"), ("b", ":", "2"))),
    ("a:1 OR b:2 c:3", ("OR", ("a", ":", "1"), ("AND", ("b", ":", "2"), ("c", ":", "3")))),
    ("a:1 AND b:2 OR c:3", ("OR", ("AND", ("a", ":", "1"), ("b", ":", "2")), ("c", ":", "3"))),
    ("(a:1 OR b:2) c:3", ("AND", ("OR", ("a", ":", "1"), ("b", ":", "2")), ("c", ":", "3"))),
    ("((a:1))", ("a", ":", "1")),
    ("person.$os:Mac", ("person.$os", ":", "Mac")),
    ("start_url:https://x.com/a?b=c", ("start_url", ":", "https://x.com/a?b=c")),
    ("(url:https://x.com/a)", ("url", ":", "https://x.com/a")),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES, ids=[case[0] or "empty" for case in PARSE_CASES])
def test_parse(text: str, expected: tuple[object, ...] | None) -> None:
    assert _shape(query_parse(text)) == expected


SYNTAX_ERRORS = [
    ("(a:1", "Unbalanced '('", 0),
    ("a:1)", "Unbalanced ')'", 3),
    ("a:", "Expected a value after 'a:'", 2),
    (":1", "Expected a field name", 0),
    ('a:"open', "Unterminated quoted value", 2),
    ("a:[1,2", "Unterminated list", 2),
    ("a:[1,,2]", "Empty item", 5),
    ("checkout", "Free text search is not supported", 0),
    ("!(browser:x)", "'!' negates one 'field:value' term", 0),
    ("!!browser:x", "'!' negates one 'field:value' term", 0),
    ("browser:x and os:y", "Free text search is not supported: 'and'", 10),
    ("a:1 AND", "ends where a term was expected", 7),
    ("OR a:1", "Expected a term", 0),
    ("a:1 OR OR b:2", "Expected a term", 7),
    ("()", "Expected a term", 1),
    ("(" * 25 + "a:1" + ")" * 25, "nest deeper", 20),
    ("x:" + "a" * 2001, "longer than 2000", 0),
]


@pytest.mark.parametrize(("text", "message", "position"), SYNTAX_ERRORS, ids=[c[1] for c in SYNTAX_ERRORS])
def test_syntax_errors(text: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        query_parse(text)

    assert message in raised.value.message
    assert raised.value.position == position
    assert f"(at position {position})" in str(raised.value)


FIELD_ERRORS = [
    ("tomato:1", "Unsupported search field 'tomato'"),
    ("person.:x", "Unsupported search field 'person.'"),
    ("snapshot_source:>3", "Invalid operator '>' for 'snapshot_source'"),
    ("distinct_id:<a", "Invalid operator '<' for 'distinct_id'"),
    ("url:>1", "Invalid operator '>' for 'url'"),
    ("viewed:maybe", "'viewed' is a boolean field"),
    ("ongoing:>1", "'ongoing' is a boolean field"),
    ("duration:long", "Could not parse value 'long' for 'duration'"),
    ("duration:1y", "Could not parse value '1y' for 'duration'"),
    ("click_count:many", "Could not parse value 'many' for 'click_count'"),
    ("click_count:nan", "Could not parse value 'nan' for 'click_count'"),
    ("click_count:>[1,2]", "A list cannot be compared"),
    ("person.age:>old", "Could not parse value 'old' for 'person.age'"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "message"), FIELD_ERRORS, ids=[c[0] for c in FIELD_ERRORS])
def test_field_errors(environment: Environment, text: str, message: str) -> None:
    with pytest.raises(QueryFieldError) as raised:
        query_compile(text, CompileContext(environment=environment))

    assert message in raised.value.message


def test_errors_are_query_errors() -> None:
    assert issubclass(QuerySyntaxError, QueryError) and issubclass(QueryFieldError, QueryError)


SEARCH_CASES = [
    ("duration:>1m", {"alpha", "gamma"}),
    ("duration:<1m", {"beta"}),
    ("duration:120", {"alpha"}),
    ("duration:2m", {"alpha"}),
    ("duration:>=10min", {"gamma"}),
    ("duration:<=0.5m", {"beta"}),
    ("duration:<1h", {"alpha", "beta", "gamma"}),
    ("duration:>120000ms", {"gamma"}),
    ("duration:[30s,10m]", {"beta", "gamma"}),
    ("!duration:120", {"beta", "gamma"}),
    ("active_seconds:>30s", {"alpha", "gamma"}),
    ("inactive_seconds:>=1m", {"alpha"}),
    ("click_count:>2", {"alpha", "gamma"}),
    ("click_count:0", {"beta"}),
    ("click_count:[0,3]", {"alpha", "beta"}),
    ("keypress_count:>=50", {"gamma"}),
    ("mouse_activity_count:<10", {"gamma"}),
    ("console_log_count:5", {"gamma"}),
    ("console_warn_count:>0", {"beta"}),
    ("console_error_count:>=1", {"alpha", "gamma"}),
    ("count_errors:>1", {"alpha"}),
    ("activity_score:>90", {"gamma"}),
    ("activity:<20", {"beta"}),
    ("url:https://example.com/", {"beta"}),
    ("url:*checkout*", {"alpha"}),
    ("urls:*CHECKOUT*", {"alpha"}),
    ("url:https://shop.example.com/*", {"alpha"}),
    ("!url:*example*", {"gamma"}),
    ("url:[*checkout*,https://example.com/]", {"alpha", "beta"}),
    ("start_url:https://example.com/", {"beta"}),
    ("start_url:*shop*", {"alpha"}),
    ("!start_url:https://example.com/", {"alpha", "gamma"}),
    ("distinct_id:alpha-user", {"alpha"}),
    ("user.id:beta-user", {"beta"}),
    ("distinct_id:*-user", {"alpha", "beta", "gamma"}),
    ("id:gamma-session", {"gamma"}),
    ("session_id:[alpha-session,beta-session]", {"alpha", "beta"}),
    ("person.email:alpha@example.com", {"alpha"}),
    ("user.email:*@test.org", {"beta"}),
    ("person.email:*EXAMPLE.COM", {"alpha"}),
    ("!person.email:alpha@example.com", {"beta", "gamma"}),
    ("person.age:>30", {"alpha"}),
    ("person.age:<30", {"beta"}),
    ("person.age:31", {"alpha"}),
    ("person.age:25", {"beta"}),
    ("person.plan:[pro,free]", {"alpha"}),
    ("browser:Chrome", {"alpha"}),
    ("browser.name:Firefox", {"beta"}),
    ("!browser:Chrome", {"beta", "gamma"}),
    ("browser:chrome", set()),
    ("browser:chr*", {"alpha"}),
    ("os:Windows", {"beta"}),
    ('os:"Mac OS X"', {"alpha"}),
    ("os.name:[Windows,Linux]", {"beta"}),
    ("device_type:Mobile", {"beta"}),
    ("device:Desktop", {"alpha"}),
    ("snapshot_source:mobile", {"beta"}),
    ("snapshot_source:web", {"alpha", "gamma"}),
    ("ongoing:true", {"alpha", "beta", "gamma"}),
    ("ongoing:false", set()),
    ("count_errors:>=1 AND duration:<5m", {"alpha"}),
    ("count_errors:>=1 duration:<5m", {"alpha"}),
    ("browser:Firefox OR click_count:>5", {"beta", "gamma"}),
    ("(browser:Firefox OR browser:Chrome) click_count:>0", {"alpha"}),
    ("browser:Firefox OR browser:Chrome click_count:>0", {"alpha", "beta"}),
]


@pytest.mark.django_db
def test_search_fields(api: APIClient, dataset: Dataset) -> None:
    """Every case runs in one test (one dataset) and reports all mismatches at once."""
    url = base_url(dataset.alpha.environment)
    mismatches = {}
    for text, expected in SEARCH_CASES:
        response = api.get(url, {"query": text})
        found = set(dataset.names(response))
        if found != expected:
            mismatches[text] = (found, expected)

    assert mismatches == {}


@pytest.mark.django_db
def test_search_viewed_is_per_user(
    api: APIClient, dataset: Dataset, owner: User, teammate: User, environment: Environment
) -> None:
    SessionRecordingViewed.objects.create(environment=environment, user=owner, session_id="alpha-session")
    SessionRecordingViewed.objects.create(environment=environment, user=teammate, session_id="beta-session")
    url = base_url(environment)

    assert set(dataset.names(api.get(url, {"query": "viewed:true"}))) == {"alpha"}
    assert set(dataset.names(api.get(url, {"query": "viewed:false"}))) == {"beta", "gamma"}
    assert set(dataset.names(api.get(url, {"query": "!viewed:true"}))) == {"beta", "gamma"}


@pytest.mark.django_db
def test_search_ongoing(api: APIClient, dataset: Dataset) -> None:
    from datetime import timedelta

    from django.utils import timezone

    SessionRecording.objects.filter(session_id="gamma-session").update(
        last_ingested_at=timezone.now() - timedelta(minutes=10)
    )
    url = base_url(dataset.alpha.environment)

    assert set(dataset.names(api.get(url, {"query": "ongoing:false"}))) == {"gamma"}
    assert set(dataset.names(api.get(url, {"query": "ongoing:yes"}))) == {"alpha", "beta"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tomato:1", "Unsupported search field 'tomato'"),
        ("start_url:>1", "Invalid operator '>' for 'start_url'"),
        ("duration:soon", "Could not parse value 'soon'"),
        ("(duration:1", "Unbalanced '('"),
    ],
)
def test_search_errors_are_400_on_query(
    api: APIClient, environment: Environment, recordings_url: str, text: str, fragment: str
) -> None:
    response = api.get(recordings_url, {"query": text})

    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["code"], body["attr"]) == ("validation_error", "invalid_input", "query")
    assert fragment in body["detail"]


@pytest.mark.django_db
def test_search_query_as_json_scalar(api: APIClient, dataset: Dataset) -> None:
    """``query=123`` JSON-decodes to a number; it is still the text ``123`` (here: a syntax error)."""
    response = api.get(base_url(dataset.alpha.environment), {"query": "123"})

    assert response.status_code == 400
    assert "'123' is not a 'field:value' term" in response.json()["detail"]
