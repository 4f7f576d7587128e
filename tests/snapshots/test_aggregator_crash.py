"""Aggregators that die: nothing acknowledged is lost, nothing is counted twice.

A real ``manage.py run_aggregator`` process is killed with SIGKILL while it works through the
log, restarted, killed again; what it left pending is taken over and applied exactly once. The
window between an aggregator's commit and its acknowledgement is also driven directly: records
applied and never acknowledged are applied again by the next consumer without changing a count.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client, override_settings

from recordings.models import IngestedBlock, SessionRecording
from recordings.services import ingested_batch_apply
from recordings.services.records import IngestedBatch
from recordings_api.models import Environment
from snapshots.ingestion.records import record_decode
from snapshots.live_buffer import get_ingest_log
from tests.snapshots.test_capture_support import (
    click,
    drain,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
)

ROOT = Path(__file__).resolve().parents[2]


def _capture(environment: Environment, sessions: int, batches: int) -> Counter[str]:
    sent: Counter[str] = Counter()
    ids = [new_session_id() for _ in range(sessions)]
    base = now_ms() - 60_000
    for batch in range(batches):
        for index, session_id in enumerate(ids):
            ts = base + batch * 1000 + index
            item = snapshot_item(
                token=environment.api_token, session_id=session_id, events=[meta(ts), click(ts + 1)]
            )
            assert post_gzip(Client(), "/s/", [item], drain=False).status_code == 200
            sent[session_id] += 1
    return sent


def _assert_counted_once(environment: Environment, sent: Counter[str]) -> None:
    rows = SessionRecording.objects.filter(environment=environment)
    assert {row.session_id: (row.message_count, row.click_count) for row in rows} == {
        session_id: (count, count) for session_id, count in sent.items()
    }


@override_settings(AGGREGATOR_RECLAIM_IDLE_SECONDS=0)
def test_records_applied_but_never_acknowledged_are_not_counted_again(
    live_buffer_backend: str, environment: Environment
) -> None:
    sent = _capture(environment, sessions=3, batches=2)
    entries = get_ingest_log().log_read(consumer="crashed-after-commit", count=100)
    batch = IngestedBatch()
    for entry in entries:
        batch.extend(record_decode(entry.record))
    ingested_batch_apply(batch=batch)  # committed; the consumer dies before it acknowledges

    assert drain() == len(entries)  # the next consumer takes the entries over
    _assert_counted_once(environment, sent)


def _aggregator(env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = [sys.executable, "manage.py", "run_aggregator", "--consumer", "doomed"]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_progress(before: int, *, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        applied = IngestedBlock.objects.count()
        if applied > before:
            return applied
        time.sleep(0.005)
    raise AssertionError("the aggregator process applied nothing")


@pytest.mark.django_db(transaction=True)
def test_an_aggregator_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    redis_url: str, environment: Environment
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("another process must share the test database (PostgreSQL)")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "AGGREGATOR_BATCH_SIZE": "16",  # one entry per partition and batch: many commits to die between
        "AGGREGATOR_POLL_SECONDS": "0.01",
    }
    with override_settings(REDIS_URL=redis_url):
        sent = _capture(environment, sessions=8, batches=8)
        applied = 0
        for _ in range(3):  # start, let it commit something, kill it without warning
            process = _aggregator(env)
            try:
                applied = _wait_for_progress(applied)
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
        assert get_ingest_log().log_backlog().entries > 0  # it died with work left
        with override_settings(AGGREGATOR_RECLAIM_IDLE_SECONDS=0):
            drain()  # a surviving consumer takes over what the dead one held
        assert get_ingest_log().log_backlog().entries == 0
        _assert_counted_once(environment, sent)
