"""Error events grouped into issues (``recordings.grouping``): the fingerprint rules, the issues
endpoints of the Sentry face, and ``replay-count`` by ``issue.id`` — real envelopes and posthog-js
``$exception`` events through the capture endpoints, reads through real URLs."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from django.test import Client
from rest_framework.test import APIClient

from recordings.grouping import error_culprit, error_fingerprint, issue_title
from recordings.models import ErrorIssue, RecordingError, SessionRecording
from recordings_api.models import Environment, Organization, SentryClientKey
from tests.recordings.sentry_replay_support import ingest_fixture_replay
from tests.snapshots.sentry_support import (
    FIXTURE_ERROR_ID,
    FIXTURE_REPLAY_ID,
    envelope_bytes,
    post_envelope,
    rebased_envelopes,
    split_envelope,
)
from tests.snapshots.test_capture_support import (  # noqa: F401
    embedded_buffer,
    event_item,
    new_session_id,
    post_gzip,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def frames(*functions: str, line: int = 1, in_app: bool = True) -> dict[str, Any]:
    return {
        "frames": [
            {
                "filename": f"https://shop.example/app.js?v={line}",
                "function": name,
                "lineno": line,
                "in_app": in_app,
            }
            for name in functions
        ]
    }


def test_a_stack_trace_groups_by_its_in_app_frames_not_their_lines() -> None:
    base = error_fingerprint(exception_type="TypeError", exception_value="a", stacktrace=frames("f", "g"))
    assert (
        error_fingerprint(
            exception_type="TypeError", exception_value="b", stacktrace=frames("f", "g", line=9)
        )
        == base
    )
    assert (
        error_fingerprint(exception_type="TypeError", exception_value="a", stacktrace=frames("f", "h"))
        != base
    )
    assert (
        error_fingerprint(exception_type="RangeError", exception_value="a", stacktrace=frames("f", "g"))
        != base
    )
    library = {
        "frames": [*frames("f", "g")["frames"], {"filename": "vendor.js", "function": "x", "in_app": False}]
    }
    assert error_fingerprint(exception_type="TypeError", stacktrace=library) == base


def test_without_frames_type_and_value_then_message_group() -> None:
    by_value = error_fingerprint(exception_type="TypeError", exception_value="x is undefined")
    assert by_value == error_fingerprint(
        exception_type="TypeError", exception_value="x is undefined", stacktrace={}
    )
    assert by_value != error_fingerprint(exception_type="TypeError", exception_value="y is undefined")
    assert error_fingerprint(message="careful") == error_fingerprint(message="careful")
    assert error_fingerprint(message="careful") != error_fingerprint(message="other")
    assert len(by_value) == 32 and int(by_value, 16) >= 0


def test_a_custom_fingerprint_wins_and_may_extend_the_default() -> None:
    one = error_fingerprint(exception_type="A", exception_value="1", custom=["checkout-failure"])
    assert one == error_fingerprint(exception_type="B", exception_value="2", custom=["checkout-failure"])
    extended = error_fingerprint(exception_type="A", exception_value="1", custom=["{{ default }}", "eu"])
    assert extended != one
    assert extended != error_fingerprint(
        exception_type="A", exception_value="2", custom=["{{ default }}", "eu"]
    )
    plain = error_fingerprint(exception_type="A", exception_value="1")
    assert error_fingerprint(exception_type="A", exception_value="1", custom="not-a-list") == plain
    assert error_fingerprint(exception_type="A", exception_value="1", custom=[1, 2]) == plain


def test_title_and_culprit() -> None:
    assert issue_title(exception_type="TypeError", exception_value="x\nmore", message="") == "TypeError: x"
    assert issue_title(exception_type="", exception_value="", message="careful\nnow") == "careful"
    assert issue_title(exception_type="", exception_value="", message="") == "<unlabeled event>"
    assert error_culprit(frames("outer", "handleClick")) == "handleClick(https://shop.example/app.js)"
    assert error_culprit({"frames": [{"module": "app/cart", "function": "add"}]}) == "add(app/cart)"
    assert error_culprit(None) == ""


def org(organization: Organization, rest: str) -> str:
    return f"/api/0/organizations/{organization.slug}/{rest}"


def error_envelope(event_id: str, *, value: str, line: int, timestamp: float, replay_id: str = "") -> bytes:
    event: dict[str, Any] = {
        "event_id": event_id,
        "timestamp": timestamp,
        "level": "error",
        "platform": "javascript",
        "environment": "production",
        "exception": {
            "values": [{"type": "TypeError", "value": value, "stacktrace": frames("checkout", line=line)}]
        },
    }
    if replay_id:
        event["contexts"] = {"replay": {"replay_id": replay_id}}
    return envelope_bytes({"event_id": event_id}, [({"type": "event"}, orjson.dumps(event))])


def test_the_sdks_replay_error_is_an_issue_that_replay_count_finds(
    api: APIClient, environment: Environment, organization: Organization
) -> None:
    replay = ingest_fixture_replay(environment)
    [issue] = api.get(org(organization, "issues/")).json()
    stored = ErrorIssue.objects.get()
    assert issue == {
        "id": str(stored.id),
        "shortId": f"{environment.slug.upper()}-{stored.id}",
        "title": "Error: boom",
        "culprit": "HTMLButtonElement.onclick(http://127.0.0.1:18094/page.html)",
        "level": "error",
        "status": "unresolved",
        "type": "error",
        "platform": "javascript",
        "metadata": {"type": "Error", "value": "boom"},
        "count": "1",
        "firstSeen": issue["firstSeen"],
        "lastSeen": issue["firstSeen"],
        "project": {
            "id": str(environment.id),
            "slug": environment.slug,
            "name": environment.project.name,
            "platform": "javascript",
        },
    }
    assert RecordingError.objects.get(event_id=FIXTURE_ERROR_ID).issue_id == stored.id
    assert api.get(org(organization, f"issues/{stored.id}/")).json() == issue

    counts = api.get(org(organization, "replay-count/"), {"query": f"issue.id:[{stored.id},999999,abc]"})
    assert counts.json() == {str(stored.id): 1, "999999": 0, "abc": 0}
    ids = api.get(
        org(organization, "replay-count/"), {"query": f"issue.id:[{stored.id}]", "returnIds": "true"}
    )
    assert ids.json() == {str(stored.id): [replay.session_id]}


def test_events_of_one_issue_count_once_each_and_sort(
    api: APIClient, environment: Environment, organization: Organization
) -> None:
    ingest_fixture_replay(environment)
    _, items = split_envelope(rebased_envelopes()[2])
    timestamp = orjson.loads(items[0][1])["timestamp"]
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    client, public_key = Client(), SentryClientKey.objects.get(environment=environment).public_key
    for body in (
        error_envelope(first, value="cart is null", line=10, timestamp=timestamp - 5),
        error_envelope(
            second, value="cart is undefined", line=99, timestamp=timestamp, replay_id=FIXTURE_REPLAY_ID
        ),
        error_envelope(second, value="cart is undefined", line=99, timestamp=timestamp),  # a retry
    ):
        assert post_envelope(client, environment.id, body, public_key=public_key).status_code == 200

    checkout = ErrorIssue.objects.get(title="TypeError: cart is null")  # from its first event
    rows = api.get(org(organization, "issues/"), {"sort": "freq"}).json()
    assert [(row["title"], row["count"]) for row in rows] == [
        ("TypeError: cart is null", "2"),
        ("Error: boom", "1"),
    ]
    newest = api.get(org(organization, "issues/"), {"sort": "new"}).json()[0]
    assert newest["id"] != str(checkout.id)  # the SDK's error came first
    counts = api.get(org(organization, "replay-count/"), {"query": f"issue.id:[{checkout.id}]"}).json()
    assert counts == {str(checkout.id): 1}  # one replay, whichever of its events link it
    assert api.get(org(organization, "issues/"), {"environment": "production"}).json()[0]["count"] == "2"
    assert api.get(org(organization, "issues/"), {"environment": "nowhere"}).json() == []

    page = api.get(org(organization, "issues/"), {"per_page": 1})
    assert len(page.json()) == 1 and 'rel="next"; results="true"; cursor="0:1:0"' in page["Link"]


def test_posthog_exceptions_group_into_issues_too(
    environment: Environment, api: APIClient, organization: Organization
) -> None:
    session_id, token = new_session_id(), environment.api_token
    exception: dict[str, Any] = {
        "type": "TypeError",
        "value": "x is undefined",
        "stacktrace": {"type": "raw", **frames("render")},
    }
    properties: dict[str, Any] = {"$exception_list": [exception]}
    batch = [
        event_item(token=token, event="$exception", session_id=session_id, **properties) for _ in range(2)
    ]
    post_gzip(Client(), "/e/", {"api_key": token, "batch": batch})
    [issue] = api.get(org(organization, "issues/")).json()
    assert (issue["title"], issue["count"], issue["culprit"]) == (
        "TypeError: x is undefined",
        "2",
        "render(https://shop.example/app.js)",
    )


@pytest.mark.parametrize(("query", "status"), [({"sort": "priority"}, 400), ({"per_page": 101}, 400)])
def test_issue_list_400s(
    api: APIClient, organization: Organization, query: dict[str, Any], status: int
) -> None:
    response = api.get(org(organization, "issues/"), query)
    assert response.status_code == status and "detail" in response.json()


def test_unknown_and_foreign_issues_are_not_found(
    api: APIClient, organization: Organization, other_environment: Environment
) -> None:
    foreign = ErrorIssue.objects.create(
        environment=other_environment, fingerprint="f" * 32, title="theirs", first_seen="2026-01-01T00:00:00Z"
    )
    RecordingError.objects.create(
        environment=other_environment, event_id="e" * 32, timestamp=foreign.first_seen, issue=foreign
    )
    for issue_id in (foreign.id, 123456789, "abc", "9" * 40):
        response = api.get(org(organization, f"issues/{issue_id}/"))
        assert response.status_code == 404, issue_id
    assert api.get(org(organization, "issues/")).json() == []
    counts = api.get(org(organization, "replay-count/"), {"query": f"issue.id:[{foreign.id}]"}).json()
    assert counts in ({}, {str(foreign.id): 0})
    assert not SessionRecording.objects.filter(environment__project__organization=organization).exists()
