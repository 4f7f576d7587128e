"""The embedded scheduler runs CELERY_BEAT_SCHEDULE itself: every entry fires, on its interval,
with no request triggering anything (what ``make run`` relies on)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from playlists.models import SavedFiltersMatch, SessionRecordingPlaylist
from recordings.models import IngestedBlock, RecordingElement, SessionRecording
from recordings_api.coordination import coordination_key
from recordings_api.models import Environment, User
from recordings_api.scheduler import EmbeddedScheduler, embedded_scheduler_ensure_started, schedule_entries
from snapshots.models import RecordingBlob
from tests.factories import SessionRecordingFactory
from tests.snapshots.test_capture_support import (
    embedded_buffer,  # noqa: F401
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
)


def wait_until(condition: Callable[[], bool], *, timeout_seconds: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def scheduler() -> Iterator[EmbeddedScheduler]:
    """A scheduler of the real schedule, in a namespace of its own (no other test's claims)."""
    instance = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE, namespace=f"test-{uuid.uuid4().hex}")
    yield instance
    if instance.is_alive():
        instance.stop()


def _capture(environment: Environment) -> str:
    session_id = new_session_id()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
    assert post_gzip(Client(), "/s/", [item], drain=False).status_code == 200
    return session_id


def _due_work(environment: Environment, owner: User) -> dict[str, Callable[[], bool]]:
    """One piece of work per beat entry, and how to tell it was done."""
    session_id = _capture(environment)
    expired = SessionRecordingFactory.create(
        environment=environment, start_time=timezone.now() - timedelta(days=400), retention_period_days=30
    )
    playlist = SessionRecordingPlaylist.objects.create(
        environment=environment, created_by=owner, type="filters", filters={"query": "click_count:>0"}
    )
    old = IngestedBlock.objects.create(environment=environment, session_id="old", block_key="k")
    IngestedBlock.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    element = RecordingElement.objects.create(
        environment=environment, session_id="old", window_id="w", node_id=1
    )
    RecordingElement.objects.filter(pk=element.pk).update(updated_at=timezone.now() - timedelta(days=1))
    return {
        "drain-ingest-log": lambda: SessionRecording.objects.filter(session_id=session_id).exists(),
        "flush-due-live-buffers": lambda: RecordingBlob.objects.filter(session_id=session_id).exists(),
        "refresh-saved-filters-counts": lambda: SavedFiltersMatch.objects.filter(playlist=playlist).exists(),
        "purge-expired-recordings": lambda: not SessionRecording.objects.filter(pk=expired.pk).exists(),
        "prune-ingested-blocks": lambda: not IngestedBlock.objects.filter(pk=old.pk).exists(),
        "prune-recording-elements": lambda: not RecordingElement.objects.filter(pk=element.pk).exists(),
    }


@pytest.mark.usefixtures("embedded_buffer")
@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=0)
def test_every_beat_entry_fires_on_its_interval(
    scheduler: EmbeddedScheduler, environment: Environment, owner: User, local_settings: dict[str, Any]
) -> None:
    done = _due_work(environment, owner)
    assert set(done) == set(settings.CELERY_BEAT_SCHEDULE)  # a new entry needs its check here

    assert sorted(scheduler.run_due(now=0.0)) == sorted(settings.CELERY_BEAT_SCHEDULE)
    assert {name: check() for name, check in done.items()} == dict.fromkeys(done, True)

    assert scheduler.run_due(now=0.5) == []  # nothing is due again yet
    intervals = {entry.name: entry.interval_seconds for entry in scheduler.entries}
    soonest = min(intervals.values())
    assert scheduler.run_due(now=soonest) == [
        name for name, seconds in intervals.items() if seconds == soonest
    ]


@pytest.mark.usefixtures("embedded_buffer")
def test_one_process_runs_an_entry_per_interval(scheduler: EmbeddedScheduler) -> None:
    other = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE, namespace=scheduler.namespace)
    assert scheduler.run_due(now=36_000.0) != []
    assert other.run_due(now=36_000.0) == []  # the claims are shared: another process ran them


@pytest.mark.usefixtures("embedded_buffer")
def test_a_failing_task_is_logged_and_the_schedule_goes_on(
    scheduler: EmbeddedScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", REDIS_SOCKET_TIMEOUT_SECONDS=0.2):
        ran = scheduler.run_due(now=36_000.0)  # the live buffer and ingest log are unreachable
    assert "drain-ingest-log" not in ran and "purge-expired-recordings" in ran
    failures = [r for r in caplog.records if r.getMessage() == "scheduled_task_failed"]
    assert {getattr(r, "entry", None) for r in failures} >= {"drain-ingest-log"}
    assert "drain-ingest-log" in scheduler.run_due(now=37_000.0)  # and runs again once it works


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("embedded_buffer", "local_settings")
@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=1, CELERY_BROKER_URL=None)
def test_embedded_mode_lists_and_flushes_a_capture_with_nothing_else_happening(
    environment: Environment,
) -> None:
    """What ``make run`` does: one capture, then silence; the recording is listed, then flushed."""
    # The real schedule, its intervals shortened so the test does not wait 15 s for a flush.
    schedule = {name: {**entry, "schedule": 1.0} for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
    scheduler = EmbeddedScheduler(schedule, namespace=f"test-{uuid.uuid4().hex}")
    scheduler.start()
    try:
        session_id = _capture(environment)
        wait_until(lambda: SessionRecording.objects.filter(session_id=session_id).exists())
        wait_until(lambda: RecordingBlob.objects.filter(session_id=session_id).exists())
    finally:
        scheduler.stop()
    assert not scheduler.is_alive()


@override_settings(CELERY_BROKER_URL=None)
def test_started_once_per_process_without_a_broker_and_replaced_when_it_died() -> None:
    started = embedded_scheduler_ensure_started()
    try:
        assert started is not None and started.is_alive()
        assert embedded_scheduler_ensure_started() is started
    finally:
        assert started is not None
        started.stop()
    replacement = embedded_scheduler_ensure_started()
    assert replacement is not started
    assert replacement is not None
    replacement.stop()


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/1")
def test_with_a_broker_beat_runs_the_schedule() -> None:
    assert embedded_scheduler_ensure_started() is None


def test_only_interval_schedules_are_accepted() -> None:
    with pytest.raises(ValueError, match="interval schedules"):
        schedule_entries({"nightly": {"task": "x", "schedule": "0 3 * * *"}})


def test_coordination_keys_are_per_database() -> None:
    """Claims are shared by the processes of one database only, not by whatever shares the cache."""
    name = str(connection.settings_dict["NAME"])
    key = coordination_key("embedded-scheduler", "flush")
    assert key.startswith(f"coordination:{name}") and key.endswith(":embedded-scheduler:flush")
    if "mode=memory" in name or name == ":memory:":
        assert f"@{os.getpid()}:" in key  # an in-memory database belongs to this process
