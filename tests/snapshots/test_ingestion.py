"""Session events, persons and the concurrency of the per-session metadata upsert."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from recordings.models import Person, PersonDistinctId, SessionEvent, SessionRecording
from recordings_api.models import Environment, Organization
from recordings_api.services import project_create
from snapshots.aggregation import ingest_log_drain
from snapshots.live_buffer import LiveBufferUnavailable
from tests.snapshots.test_capture_support import (
    click,
    drain,
    embedded_buffer,  # noqa: F401
    event_item,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    post_json,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def _post_events(environment: Environment, *items: dict[str, Any]) -> Any:
    response = post_gzip(Client(), "/e/", {"api_key": environment.api_token, "batch": list(items)})
    assert response.status_code == 200, response.content
    return response


def _person_of(environment: Environment, distinct_id: str) -> Person:
    return (
        PersonDistinctId.objects.select_related("person")
        .get(environment=environment, distinct_id=distinct_id)
        .person
    )


# --- session events ---------------------------------------------------------------------------


def test_events_are_stored_per_session_and_deduplicated_by_uuid(environment: Environment) -> None:
    session_id, token = new_session_id(), environment.api_token
    pageview = event_item(
        token=token, event="$pageview", session_id=session_id, **{"$current_url": "https://a/"}
    )
    custom = event_item(token=token, event="checkout started", session_id=session_id, plan="pro")
    sessionless = event_item(token=token, event="server event", session_id=None)
    _post_events(environment, pageview, custom, sessionless)
    _post_events(environment, pageview)  # a retry

    rows = list(SessionEvent.objects.filter(environment=environment).order_by("event").values())
    assert [(row["event"], row["session_id"], row["window_id"], row["distinct_id"]) for row in rows] == [
        ("$pageview", session_id, f"{session_id}-w", "user-1"),
        ("checkout started", session_id, f"{session_id}-w", "user-1"),
    ]
    assert rows[0]["properties"]["$current_url"] == "https://a/"
    assert rows[1]["properties"]["plan"] == "pro"
    assert str(rows[0]["uuid"]) == pageview["uuid"]


def test_events_without_uuid_get_a_stable_one(environment: Environment) -> None:
    session_id = new_session_id()
    item = event_item(token=environment.api_token, event="clicked", session_id=session_id)
    del item["uuid"]
    _post_events(environment, item)
    _post_events(environment, item)
    assert SessionEvent.objects.filter(session_id=session_id).count() == 1


def test_offset_timestamps_are_relative_to_now(environment: Environment) -> None:
    session_id = new_session_id()
    item = event_item(token=environment.api_token, event="$pageview", session_id=session_id)
    del item["timestamp"]
    item["offset"] = 60_000
    response = post_json(Client(), "/e/?ip=0&ver=1.300.0", item)
    assert response.status_code == 200
    stored = SessionEvent.objects.get(session_id=session_id).timestamp.timestamp() * 1000
    assert abs(stored - (now_ms() - 60_000)) < 10_000


def test_first_pageview_properties_before_and_after_the_recording(environment: Environment) -> None:
    token = environment.api_token
    before, after = new_session_id(), new_session_id()
    # The pageview arrives first (the recorder holds data until activity), then the snapshots.
    _post_events(
        environment, event_item(token=token, event="$pageview", session_id=before, **{"$browser": "Chrome"})
    )
    post_gzip(Client(), "/s/", [snapshot_item(token=token, session_id=before, events=[meta(now_ms())])])
    # The snapshots arrive first, then the autocapture.
    post_gzip(Client(), "/s/", [snapshot_item(token=token, session_id=after, events=[meta(now_ms())])])
    _post_events(
        environment, event_item(token=token, event="custom", session_id=after, **{"$browser": "Nope"})
    )
    _post_events(
        environment, event_item(token=token, event="$autocapture", session_id=after, **{"$os": "Linux"})
    )
    _post_events(
        environment, event_item(token=token, event="$pageview", session_id=after, **{"$os": "Later"})
    )

    assert SessionRecording.objects.get(session_id=before).first_event_properties["$browser"] == "Chrome"
    assert SessionRecording.objects.get(session_id=after).first_event_properties["$os"] == "Linux"


# --- persons ----------------------------------------------------------------------------------


def test_person_per_distinct_id_with_set_and_set_once(environment: Environment) -> None:
    token = environment.api_token
    first = event_item(
        token=token,
        event="$pageview",
        session_id=None,
        distinct_id="ada",
        **{"$set": {"email": "ada@example.com", "plan": "free"}, "$set_once": {"initial_referrer": "news"}},
    )
    second = event_item(
        token=token,
        event="$set",
        session_id=None,
        distinct_id="ada",
        **{"$set": {"plan": "pro"}, "$set_once": {"initial_referrer": "ads", "first_plan": "pro"}},
    )
    _post_events(environment, first, second)
    person = _person_of(environment, "ada")
    assert person.properties == {
        "email": "ada@example.com",
        "plan": "pro",
        "initial_referrer": "news",
        "first_plan": "pro",
    }
    assert person.last_seen_at is not None
    _post_events(
        environment,
        event_item(token=token, event="x", session_id=None, distinct_id="ada", **{"$unset": ["plan"]}),
    )
    assert "plan" not in _person_of(environment, "ada").properties


def test_snapshot_distinct_id_gets_a_person(environment: Environment) -> None:
    item = snapshot_item(
        token=environment.api_token,
        session_id=new_session_id(),
        events=[meta(now_ms())],
        distinct_id="anon-1",
    )
    post_gzip(Client(), "/s/", [item])
    assert _person_of(environment, "anon-1").properties == {}


def test_process_person_profile_false_links_but_does_not_set(environment: Environment) -> None:
    item = event_item(
        token=environment.api_token,
        event="$pageview",
        session_id=None,
        distinct_id="anon-2",
        **{"$process_person_profile": False, "$set": {"email": "x@example.com"}},
    )
    _post_events(environment, item)
    assert _person_of(environment, "anon-2").properties == {}


def test_identify_links_anonymous_id_to_the_identified_person(environment: Environment) -> None:
    token = environment.api_token
    _post_events(
        environment, event_item(token=token, event="$pageview", session_id=None, distinct_id="anon-3")
    )
    identify = event_item(
        token=token,
        event="$identify",
        session_id=None,
        distinct_id="user@example.com",
        **{"$anon_distinct_id": "anon-3", "$set": {"email": "user@example.com"}},
    )
    _post_events(environment, identify)
    person = _person_of(environment, "anon-3")
    assert _person_of(environment, "user@example.com").pk == person.pk
    assert person.properties == {"email": "user@example.com"}
    assert Person.objects.filter(environment=environment).count() == 1


def test_identify_merges_an_anonymous_person_into_an_existing_one(environment: Environment) -> None:
    token = environment.api_token
    anon = event_item(
        token=token, event="e", session_id=None, distinct_id="anon-4", **{"$set": {"a": 1, "b": 1}}
    )
    known = event_item(token=token, event="e", session_id=None, distinct_id="known", **{"$set": {"b": 2}})
    _post_events(environment, anon, known)
    _post_events(
        environment,
        event_item(
            token=token,
            event="$identify",
            session_id=None,
            distinct_id="known",
            **{"$anon_distinct_id": "anon-4"},
        ),
    )
    person = _person_of(environment, "known")
    assert _person_of(environment, "anon-4").pk == person.pk
    assert person.properties == {"a": 1, "b": 2}
    assert Person.objects.filter(environment=environment).count() == 1


def test_identify_does_not_merge_a_person_with_other_ids(environment: Environment) -> None:
    token = environment.api_token
    _post_events(
        environment,
        event_item(token=token, event="e", session_id=None, distinct_id="a-1"),
        event_item(
            token=token, event="$identify", session_id=None, distinct_id="a-2", **{"$anon_distinct_id": "a-1"}
        ),
        event_item(token=token, event="e", session_id=None, distinct_id="b-1"),
    )
    _post_events(
        environment,
        event_item(
            token=token, event="$identify", session_id=None, distinct_id="b-1", **{"$anon_distinct_id": "a-1"}
        ),
    )
    assert _person_of(environment, "a-1").pk == _person_of(environment, "a-2").pk
    assert _person_of(environment, "b-1").pk != _person_of(environment, "a-1").pk


def test_persons_are_per_environment(environment: Environment, other_environment: Environment) -> None:
    for env in (environment, other_environment):
        _post_events(env, event_item(token=env.api_token, event="e", session_id=None, distinct_id="same"))
    assert _person_of(environment, "same").pk != _person_of(other_environment, "same").pk


def test_event_without_distinct_id_is_rejected(environment: Environment) -> None:
    item = event_item(token=environment.api_token, event="e", session_id=new_session_id(), distinct_id="")
    response = post_gzip(Client(), "/e/", [item])
    assert response.status_code == 400
    assert response.json()["code"] == "missing_distinct_id"


# --- concurrency ------------------------------------------------------------------------------


def _post_until_accepted(client: Client, body: list[dict[str, Any]]) -> None:
    """Retry 503s like posthog-js does (the in-memory SQLite test database reports lock
    contention instead of waiting); any other status fails."""
    for _ in range(200):
        response = post_gzip(client, "/s/", body, drain=False)
        if response.status_code != 503:
            assert response.status_code == 200, response.content
            return
        time.sleep(0.01)
    raise AssertionError("still 503 after 200 attempts")


def _aggregate_until_idle(senders: list[threading.Thread], errors: list[BaseException]) -> None:
    """One aggregator racing others on the same sessions until the senders are done and the log
    is empty."""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if ingest_log_drain(max_seconds=5) == 0 and not any(t.is_alive() for t in senders):
                    return
            except (DatabaseError, LiveBufferUnavailable):  # SQLite lock contention: entries stay
                time.sleep(0.01)
    except BaseException as error:  # surfaced by the test
        errors.append(error)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_session_lose_no_counts() -> None:
    organization = Organization.objects.create(name="Concurrency")
    environment = Environment.objects.get(id=project_create(organization=organization, name="c").id)
    session_id, base, workers, per_worker = new_session_id(), now_ms() - 60_000, 4, 5
    errors: list[BaseException] = []

    def send(worker: int) -> None:
        try:
            client = Client(raise_request_exception=False)
            for i in range(per_worker):
                ts = base + worker * 1000 + i * 10
                item = snapshot_item(
                    token=environment.api_token, session_id=session_id, events=[meta(ts), click(ts + 1)]
                )
                _post_until_accepted(client, [item])
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    senders = [threading.Thread(target=send, args=(worker,)) for worker in range(workers)]
    aggregators = [threading.Thread(target=_aggregate_until_idle, args=(senders, errors)) for _ in range(3)]
    for thread in [*senders, *aggregators]:
        thread.start()
    for thread in [*senders, *aggregators]:
        thread.join()
    assert errors == []
    drain()  # entries a failed round left claimed are reclaimed and applied (once) here
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    total = workers * per_worker
    assert (recording.click_count, recording.event_count, recording.message_count) == (
        total,
        2 * total,
        total,
    )
    assert SessionRecording.objects.filter(session_id=session_id).count() == 1


def test_last_seen_at_moves_to_the_minute(environment: Environment) -> None:
    token, now = environment.api_token, datetime.now(UTC).replace(microsecond=0)

    def seen(at: datetime) -> dict[str, Any]:
        item = event_item(token=token, event="ping", session_id=None, distinct_id="grace")
        item["timestamp"] = at.isoformat()
        return item

    _post_events(environment, seen(now - timedelta(minutes=5)))
    first = _person_of(environment, "grace").last_seen_at
    _post_events(environment, seen(now - timedelta(minutes=5) + timedelta(seconds=20)))
    assert _person_of(environment, "grace").last_seen_at == first  # within the minute: not rewritten
    _post_events(environment, seen(now - timedelta(minutes=3)))
    assert _person_of(environment, "grace").last_seen_at == now - timedelta(minutes=3)


def test_a_last_seen_at_at_the_end_of_time_does_not_break_capture(environment: Environment) -> None:
    token = environment.api_token
    _post_events(environment, event_item(token=token, event="ping", session_id=None, distinct_id="max"))
    Person.objects.filter(pk=_person_of(environment, "max").pk).update(
        last_seen_at=datetime.max.replace(tzinfo=UTC)
    )
    _post_events(environment, event_item(token=token, event="ping", session_id=None, distinct_id="max"))
    assert _person_of(environment, "max").last_seen_at == datetime.max.replace(tzinfo=UTC)
