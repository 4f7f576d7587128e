"""Who runs the flush: the embedded daemon thread (no broker), the beat schedule (a broker)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from recordings_api.models import Environment
from snapshots.flush import (
    FLUSH_CHECK_INTERVAL_SECONDS,
    EmbeddedFlusher,
    coordination_key,
    embedded_flusher_ensure_started,
    flush_check_run,
    flush_check_schedule,
)
from snapshots.live_buffer import get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.tasks import flush_due_live_buffers
from tests.snapshots.test_capture_support import meta, new_session_id, now_ms, post_gzip, snapshot_item
from tests.snapshots.test_flush import append, rrweb_line, stored_lines

pytestmark = pytest.mark.usefixtures("snapshot_backends")


def wait_until(condition: Callable[[], bool], *, timeout_seconds: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=0)
def test_flush_check_run_flushes_due_sessions_at_most_once_per_interval(environment: Environment) -> None:
    cache.delete(coordination_key("flush-check"))
    append(environment, "s1", rrweb_line(0))
    outcomes = flush_check_run()
    append(environment, "s2", rrweb_line(1))

    assert flush_check_run() is None  # another check ran within the interval
    assert [(o.session_id, o.status) for o in outcomes or []] == [("s1", "flushed")]
    assert list(RecordingBlob.objects.values_list("session_id", flat=True)) == ["s1"]
    assert get_live_buffer().has_lines(environment_id=environment.id, session_id="s2")


@pytest.mark.django_db(transaction=True)
@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=1)
def test_embedded_flusher_flushes_an_idle_session_with_no_request_arriving(environment: Environment) -> None:
    """Embedded mode: once the last capture is answered, nothing but the daemon thread runs."""
    cache.delete(coordination_key("flush-check"))
    append(environment, "s1", rrweb_line(0))
    flusher = EmbeddedFlusher(interval_seconds=0.05)
    flusher.start()
    try:
        wait_until(lambda: RecordingBlob.objects.filter(session_id="s1").exists())
    finally:
        flusher.stop()

    assert not flusher.is_alive()
    assert not get_live_buffer().has_lines(environment_id=environment.id, session_id="s1")
    assert stored_lines(environment, "s1", RecordingBlob.objects.get()) == [rrweb_line(0).line]


@pytest.mark.django_db(transaction=True)
def test_embedded_flusher_survives_a_failing_round(environment: Environment) -> None:
    cache.delete(coordination_key("flush-check"))
    flusher = EmbeddedFlusher(interval_seconds=0.05)
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", REDIS_SOCKET_TIMEOUT_SECONDS=0.2):
        flusher.start()
        time.sleep(0.3)  # a few failing rounds (buffer unreachable)
    try:
        assert flusher.is_alive()
        append(environment, "s1", rrweb_line(0))
        with override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=0):
            wait_until(lambda: RecordingBlob.objects.filter(session_id="s1").exists())
    finally:
        flusher.stop()


@pytest.mark.django_db(transaction=True)
@override_settings(CELERY_TASK_ALWAYS_EAGER=True, TESTING=False)
def test_flush_check_schedule_starts_one_embedded_flusher_per_process(environment: Environment) -> None:
    flush_check_schedule()
    flusher = embedded_flusher_ensure_started()
    try:
        assert flusher.is_alive()
        assert flusher.interval_seconds == FLUSH_CHECK_INTERVAL_SECONDS
        flush_check_schedule()
        assert embedded_flusher_ensure_started() is flusher
    finally:
        flusher.stop()
    assert embedded_flusher_ensure_started() is not flusher  # a dead flusher is replaced
    embedded_flusher_ensure_started().stop()


@pytest.mark.django_db(transaction=True)
@override_settings(CELERY_TASK_ALWAYS_EAGER=True, TESTING=False, LIVE_BUFFER_FLUSH_IDLE_SECONDS=1)
def test_embedded_mode_flushes_after_the_last_capture_with_nothing_else_happening(
    environment: Environment,
) -> None:
    """What ``make run`` does: one capture, then silence; the blob still appears."""
    cache.delete(coordination_key("flush-check"))
    session_id = new_session_id()
    item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
    assert post_gzip(Client(), "/s/", [item]).status_code == 200
    try:
        wait_until(lambda: RecordingBlob.objects.filter(session_id=session_id).exists())
    finally:
        embedded_flusher_ensure_started().stop()
    assert not get_live_buffer().has_lines(environment_id=environment.id, session_id=session_id)


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_flush_check_schedule_starts_no_thread_under_testing(environment: Environment) -> None:
    before = {thread.name for thread in threading.enumerate()}
    flush_check_schedule()
    assert {thread.name for thread in threading.enumerate()} - before == set()


@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=0, CELERY_TASK_ALWAYS_EAGER=False, TESTING=False)
def test_flush_check_schedule_leaves_flushing_to_beat_with_a_broker(environment: Environment) -> None:
    cache.delete(coordination_key("flush-check"))
    append(environment, "s1", rrweb_line(0))
    before = {thread.name for thread in threading.enumerate()}

    flush_check_schedule()

    assert {thread.name for thread in threading.enumerate()} - before == set()
    assert not RecordingBlob.objects.exists()


def test_beat_schedule_names_the_registered_flush_task() -> None:
    from django.conf import settings

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["flush-due-live-buffers"]
    assert entry["task"] == flush_due_live_buffers.name
    assert entry["task"] in app.tasks
    assert float(str(entry["schedule"])) <= settings.LIVE_BUFFER_FLUSH_IDLE_SECONDS


def test_coordination_keys_are_per_database() -> None:
    """Locks are shared by processes of one database only, not by whatever shares the cache."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    key = coordination_key("flush-lock", 7, "s1")
    assert key.startswith(f"snapshots:{name}") and key.endswith(":flush-lock:7:s1")
    if "mode=memory" in name or name == ":memory:":
        assert f"@{os.getpid()}:" in key  # an in-memory database belongs to this process
