"""One contract suite for the ingest log on every backend (database, Redis, Redis Cluster), and a
capture → aggregate → flush round trip on each."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment
from snapshots.aggregation import Aggregator
from snapshots.flush import live_buffers_flush_due
from snapshots.live_buffer import (
    BufferedLine,
    BufferWrite,
    IngestLog,
    LiveBuffer,
    SessionLines,
    get_ingest_log,
    partition_of,
)
from snapshots.models import RecordingBlob
from tests.snapshots.test_capture_support import (
    click,
    drain,
    meta,
    new_session_id,
    now_ms,
    post_gzip,
    snapshot_item,
)

BASE_MS = 1_700_000_000_000


def _line(n: int) -> BufferedLine:
    return BufferedLine(score=BASE_MS + n, line=f'{{"window_id":"w","data":[{{"timestamp":{BASE_MS + n}}}]}}')


def _write(buffer: LiveBuffer, session_id: str, record: bytes, *lines: BufferedLine) -> BufferWrite:
    partition = partition_of(environment_id=1, key=session_id, partitions=buffer.partitions)
    return BufferWrite(partition, [SessionLines(1, session_id, list(lines))], record)


@pytest.fixture
def log(live_buffer_backend: str) -> IngestLog:
    return get_ingest_log()


def test_lines_and_their_record_are_written_together(live_buffer: LiveBuffer, log: IngestLog) -> None:
    live_buffer.ingest(writes=[_write(live_buffer, "s1", b"record-1", _line(1), _line(2))])

    assert live_buffer.read(environment_id=1, session_id="s1") == [_line(1), _line(2)]
    [entry] = log.log_read(consumer="a", count=10)
    assert entry.record == b"record-1"
    assert entry.partition == partition_of(environment_id=1, key="s1", partitions=live_buffer.partitions)


def test_an_entry_goes_to_one_consumer_only(live_buffer: LiveBuffer, log: IngestLog) -> None:
    live_buffer.ingest(writes=[_write(live_buffer, "s1", b"r", _line(1))])

    assert [entry.record for entry in log.log_read(consumer="a", count=10)] == [b"r"]
    assert log.log_read(consumer="b", count=10) == []
    assert log.log_read(consumer="a", count=10) == []  # delivered already


def test_an_unacknowledged_entry_is_taken_over_once_idle(live_buffer: LiveBuffer, log: IngestLog) -> None:
    live_buffer.ingest(writes=[_write(live_buffer, "s1", b"r", _line(1))])
    [entry] = log.log_read(consumer="dead", count=10)

    assert log.log_reclaim(consumer="alive", min_idle_ms=60_000, count=10) == []  # not idle long enough
    time.sleep(0.05)
    [taken] = log.log_reclaim(consumer="alive", min_idle_ms=10, count=10)

    assert (taken.partition, taken.entry_id, taken.record) == (entry.partition, entry.entry_id, entry.record)


def test_acknowledged_entries_leave_the_log(live_buffer: LiveBuffer, log: IngestLog) -> None:
    live_buffer.ingest(writes=[_write(live_buffer, f"s{n}", b"r", _line(n)) for n in range(5)])
    backlog = log.log_backlog()
    assert backlog.entries == 5 and backlog.oldest_age_ms is not None

    entries = log.log_read(consumer="a", count=10)
    log.log_ack(entries=entries)

    assert len(entries) == 5
    assert log.log_backlog().entries == 0 and log.log_backlog().oldest_age_ms is None
    time.sleep(0.05)
    assert log.log_reclaim(consumer="b", min_idle_ms=10, count=10) == []


def test_a_request_over_many_partitions_is_one_call(live_buffer: LiveBuffer, log: IngestLog) -> None:
    """Every partition's lines and record arrive, whatever partitions the sessions hash to."""
    sessions = [f"session-{n}" for n in range(40)]
    live_buffer.ingest(writes=[_write(live_buffer, s, s.encode(), _line(n)) for n, s in enumerate(sessions)])

    records = sorted(entry.record for entry in log.log_read(consumer="a", count=100))
    assert records == sorted(s.encode() for s in sessions)
    assert all(live_buffer.has_lines(environment_id=1, session_id=s) for s in sessions)


def test_a_write_without_lines_still_logs_its_record(live_buffer: LiveBuffer, log: IngestLog) -> None:
    live_buffer.ingest(writes=[BufferWrite(partition=0, sessions=[], record=b"events only")])

    assert [entry.record for entry in log.log_read(consumer="a", count=10)] == [b"events only"]


@pytest.mark.usefixtures("local_settings")
def test_capture_aggregate_and_flush_round_trip(
    live_buffer_backend: str, environment: Environment, api: APIClient
) -> None:
    session_id, ts = new_session_id(), now_ms() - 5_000
    for offset in (0, 1_000, 2_000):
        item = snapshot_item(
            token=environment.api_token,
            session_id=session_id,
            events=[meta(ts + offset), click(ts + offset + 1)],
        )
        assert post_gzip(Client(), "/s/", [item], drain=False).status_code == 200

    assert drain() == 3
    recording = SessionRecording.objects.get(environment=environment, session_id=session_id)
    assert (recording.click_count, recording.event_count, recording.message_count) == (3, 6, 3)
    assert [o.status for o in live_buffers_flush_due(force=True)] == ["flushed"]
    blob = RecordingBlob.objects.get(session_id=session_id)
    assert blob.line_count == 3 and blob.event_count == 6
    sources = api.get(f"/api/projects/{environment.id}/session_recordings/{session_id}/snapshots").json()
    assert [source["source"] for source in sources["sources"]] == ["blob"]


def test_two_aggregators_share_the_log(live_buffer_backend: str, environment: Environment) -> None:
    """Consumers of one group split the entries between them; each entry is applied once."""
    sessions = [new_session_id() for _ in range(6)]
    for session_id in sessions:
        item = snapshot_item(token=environment.api_token, session_id=session_id, events=[meta(now_ms())])
        assert post_gzip(Client(), "/s/", [item], drain=False).status_code == 200
    first, second = Aggregator(consumer="one"), Aggregator(consumer="two")
    first.batch_size = second.batch_size = 1  # one entry per partition and round

    applied = 0
    for _ in range(20):
        applied += first.run_once().entries + second.run_once().entries
    assert applied == len(sessions)
    assert SessionRecording.objects.filter(session_id__in=sessions).count() == len(sessions)
    assert set(SessionRecording.objects.values_list("message_count", flat=True)) == {1}


@override_settings(AGGREGATOR_RECLAIM_IDLE_SECONDS=0)
def test_entries_of_a_consumer_that_died_are_applied_once(
    live_buffer_backend: str, environment: Environment
) -> None:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    assert post_gzip(Client(), "/s/", [item], drain=False).status_code == 200
    assert get_ingest_log().log_read(consumer="died-before-applying", count=10) != []

    assert drain() == 1  # taken over
    assert drain() == 0
    assert SessionRecording.objects.get(environment=environment).message_count == 1
