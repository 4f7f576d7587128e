"""Flushing live buffers to object storage, over the embedded and the production backend pairs."""

from __future__ import annotations

import gzip
import time
from io import StringIO

import orjson
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from recordings.models import DeletedRecording
from recordings_api.coordination import coordination_key
from recordings_api.models import Environment
from snapshots.flush import blob_write, live_buffers_flush_due, session_buffer_flush
from snapshots.live_buffer import BufferedLine, get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.services import session_snapshots_delete
from snapshots.storage import blob_object_key, get_blob_store
from snapshots.storage.blob_format import blob_encode
from snapshots.tasks import flush_due_live_buffers

pytestmark = pytest.mark.usefixtures("snapshot_backends")

BASE_MS = 1_700_000_000_000


def rrweb_line(offset_ms: int, window: str = "win-1", events: int = 2) -> BufferedLine:
    data = [
        {"type": 3, "data": {"source": 1, "n": n}, "timestamp": BASE_MS + offset_ms + n}
        for n in range(events)
    ]
    return BufferedLine(
        score=BASE_MS + offset_ms, line=orjson.dumps({"window_id": window, "data": data}).decode()
    )


def append(environment: Environment, session_id: str, *lines: BufferedLine) -> None:
    get_live_buffer().append(environment_id=environment.id, session_id=session_id, lines=list(lines))


def stored_lines(environment: Environment, session_id: str, blob: RecordingBlob) -> list[str]:
    assert (blob.environment_id, blob.session_id) == (environment.id, session_id)
    stream = get_blob_store().open(blob.object_key)
    assert stream is not None
    data = b"".join(stream.chunks)
    stream.close()
    return gzip.decompress(data).decode().splitlines()


def later_ms(seconds: float) -> int:
    return int(time.time() * 1000 + seconds * 1000)


def test_idle_session_is_flushed_into_one_blob(environment: Environment) -> None:
    lines = [rrweb_line(500), rrweb_line(0, window="win-2"), rrweb_line(900, events=3)]
    append(environment, "s1", *lines)

    outcomes = live_buffers_flush_due(now_ms=later_ms(61))

    blob = RecordingBlob.objects.get()
    # The key spans the first and the LAST event (the last line's third event, +902), not the
    # last line's score (+900).
    assert [(o.session_id, o.status, o.blob_key, o.line_count) for o in outcomes] == [
        ("s1", "flushed", f"{BASE_MS}-{BASE_MS + 902}", 3)
    ]
    assert (blob.environment_id, blob.session_id, blob.blob_key) == (
        environment.id,
        "s1",
        f"{BASE_MS}-{BASE_MS + 902}",
    )
    assert (blob.line_count, blob.event_count) == (3, 7)
    assert (blob.start_timestamp.timestamp(), blob.end_timestamp.timestamp()) == (
        BASE_MS / 1000,
        (BASE_MS + 902) / 1000,
    )
    expected = [rrweb_line(0, window="win-2").line, rrweb_line(500).line, rrweb_line(900, events=3).line]
    assert stored_lines(environment, "s1", blob) == expected
    assert blob.uncompressed_size_bytes == sum(len(line) + 1 for line in expected)
    stored = get_blob_store().head(
        f"session_recordings/team_id/{environment.id}/session_id/s1/data/{blob.blob_key}"
    )
    assert stored is not None
    assert blob.size_bytes == stored.size
    assert get_live_buffer().read(environment_id=environment.id, session_id="s1") == []
    assert get_live_buffer().sessions() == []


def test_recent_small_young_buffer_is_not_due(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))

    assert live_buffers_flush_due(now_ms=later_ms(30)) == []
    assert not RecordingBlob.objects.exists()


@override_settings(LIVE_BUFFER_FLUSH_MAX_BYTES=100)
def test_large_buffer_is_due_at_once(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0, events=5))

    assert [o.status for o in live_buffers_flush_due(now_ms=later_ms(0))] == ["flushed"]


@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=3600, LIVE_BUFFER_FLUSH_AGE_SECONDS=600)
def test_old_buffer_is_due_even_while_active(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))

    assert live_buffers_flush_due(now_ms=later_ms(300)) == []
    assert [o.status for o in live_buffers_flush_due(now_ms=later_ms(601))] == ["flushed"]


def test_lines_appended_during_a_flush_stay_buffered(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0), rrweb_line(1))
    read = get_live_buffer().read(environment_id=environment.id, session_id="s1")
    blob_write(environment_id=environment.id, session_id="s1", lines=read)
    append(environment, "s1", rrweb_line(2))

    get_live_buffer().remove(environment_id=environment.id, session_id="s1", lines=read)

    assert get_live_buffer().read(environment_id=environment.id, session_id="s1") == [rrweb_line(2)]


def test_crash_between_write_and_trim_loses_nothing_and_duplicates_nothing(environment: Environment) -> None:
    first = [rrweb_line(0), rrweb_line(10)]
    append(environment, "s1", *first)
    written = blob_write(environment_id=environment.id, session_id="s1", lines=first)  # then "crash": no trim
    append(environment, "s1", rrweb_line(5, window="win-2"), rrweb_line(20))

    outcome = session_buffer_flush(environment_id=environment.id, session_id="s1")

    blobs = list(RecordingBlob.objects.order_by("start_timestamp", "blob_key"))
    assert [blob.blob_key for blob in blobs] == [written.blob_key, outcome.blob_key]
    all_lines = [line for blob in blobs for line in stored_lines(environment, "s1", blob)]
    expected = {rrweb_line(n).line for n in (0, 10, 20)} | {rrweb_line(5, window="win-2").line}
    assert sorted(all_lines) == sorted(expected)  # each line exactly once
    assert get_live_buffer().read(environment_id=environment.id, session_id="s1") == []


def test_retried_flush_rewrites_the_same_key_with_the_same_bytes(environment: Environment) -> None:
    lines = [rrweb_line(0), rrweb_line(7)]
    first = blob_write(environment_id=environment.id, session_id="s1", lines=lines)
    second = blob_write(environment_id=environment.id, session_id="s1", lines=lines)

    assert (second.pk, second.blob_key, second.etag) == (first.pk, first.blob_key, first.etag)
    assert RecordingBlob.objects.count() == 1
    assert blob_encode(lines).data == blob_encode(list(reversed(lines))).data


def test_crash_after_object_write_before_row_is_recovered(environment: Environment) -> None:
    lines = [rrweb_line(0), rrweb_line(7)]
    append(environment, "s1", *lines)
    payload = blob_encode(lines)
    key = blob_object_key(environment_id=environment.id, session_id="s1", blob_key=f"{BASE_MS}-{BASE_MS + 8}")
    get_blob_store().put(key, payload.data)  # the object exists, its row does not

    outcome = session_buffer_flush(environment_id=environment.id, session_id="s1")

    blob = RecordingBlob.objects.get()
    assert (outcome.status, blob.blob_key) == ("flushed", f"{BASE_MS}-{BASE_MS + 8}")
    assert stored_lines(environment, "s1", blob) == [line.line for line in lines]


def test_late_lines_inside_a_flushed_range_never_overwrite_it(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0), rrweb_line(100))
    session_buffer_flush(environment_id=environment.id, session_id="s1")
    late = [rrweb_line(0, window="win-2"), rrweb_line(100, window="win-2")]  # same range, other lines
    append(environment, "s1", *late)

    outcome = session_buffer_flush(environment_id=environment.id, session_id="s1")

    blobs = list(RecordingBlob.objects.order_by("blob_key"))
    assert [blob.blob_key for blob in blobs] == [f"{BASE_MS}-{BASE_MS + 101}", f"{BASE_MS}-{BASE_MS + 102}"]
    assert outcome.blob_key == f"{BASE_MS}-{BASE_MS + 102}"
    assert stored_lines(environment, "s1", blobs[0]) == [rrweb_line(0).line, rrweb_line(100).line]
    assert stored_lines(environment, "s1", blobs[1]) == [line.line for line in late]


def test_tombstoned_session_is_dropped_not_flushed(environment: Environment) -> None:
    append(environment, "gone", rrweb_line(0))
    DeletedRecording.objects.create(environment=environment, session_id="gone")

    outcomes = live_buffers_flush_due(force=True)

    assert [(o.session_id, o.status) for o in outcomes] == [("gone", "dropped")]
    assert not RecordingBlob.objects.exists()
    assert get_live_buffer().sessions() == []


def test_session_of_a_deleted_environment_is_dropped(environment: Environment) -> None:
    get_live_buffer().append(environment_id=987654, session_id="orphan", lines=[rrweb_line(0)])

    assert [o.status for o in live_buffers_flush_due(force=True)] == ["dropped"]
    assert get_live_buffer().sessions() == []


def test_storage_outage_keeps_the_buffer(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    outage = {
        "OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:1",
        "OBJECT_STORAGE_BUCKET": "down",
        "OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS": 0.2,
        "OBJECT_STORAGE_MAX_ATTEMPTS": 1,
    }
    with override_settings(**outage):
        outcomes = live_buffers_flush_due(force=True)

    assert [o.status for o in outcomes] == ["failed"]
    assert "object storage" in (outcomes[0].error or "")
    assert get_live_buffer().read(environment_id=environment.id, session_id="s1") == [rrweb_line(0)]
    assert not RecordingBlob.objects.exists()


def test_management_command_flushes_every_buffer_now(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    append(environment, "s2", rrweb_line(1))
    out = StringIO()

    call_command("flush_live_buffers", stdout=out)

    assert sorted(RecordingBlob.objects.values_list("session_id", flat=True)) == ["s1", "s2"]
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "flushing every buffered session…"
    progress = sorted(" ".join(line.split()[:2]) for line in lines[1:3])
    assert progress == ["[1/2] flushed", "[2/2] flushed"]
    assert lines[-1] == "flushed 2 session(s), 0 failed"
    assert get_live_buffer().sessions() == []


def test_management_command_fails_loudly_on_outage(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    with (
        override_settings(
            OBJECT_STORAGE_ENDPOINT="http://127.0.0.1:1",
            OBJECT_STORAGE_BUCKET="down",
            OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS=0.2,
            OBJECT_STORAGE_MAX_ATTEMPTS=1,
        ),
        pytest.raises(CommandError, match="1 session"),
    ):
        call_command("flush_live_buffers", stdout=StringIO())


@override_settings(LIVE_BUFFER_FLUSH_IDLE_SECONDS=0)
def test_celery_tasks_flush(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    append(environment, "s2", rrweb_line(1))

    assert flush_due_live_buffers.apply().get() == 2
    assert sorted(RecordingBlob.objects.values_list("session_id", flat=True)) == ["s1", "s2"]


def test_concurrent_flush_of_the_same_session_is_skipped(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    cache.add(coordination_key("flush-lock", environment.id, "s1"), "other-worker", 60)
    try:
        assert session_buffer_flush(environment_id=environment.id, session_id="s1").status == "locked"
    finally:
        cache.delete(coordination_key("flush-lock", environment.id, "s1"))
    assert not RecordingBlob.objects.exists()


def test_session_snapshots_delete_removes_blobs_rows_and_buffer(environment: Environment) -> None:
    append(environment, "s1", rrweb_line(0))
    session_buffer_flush(environment_id=environment.id, session_id="s1")
    append(environment, "s1", rrweb_line(50))
    append(environment, "keep", rrweb_line(0))
    session_buffer_flush(environment_id=environment.id, session_id="keep")
    append(environment, "keep", rrweb_line(9))

    session_snapshots_delete(environment_id=environment.id, session_id="s1")

    assert list(RecordingBlob.objects.values_list("session_id", flat=True)) == ["keep"]
    assert (
        get_blob_store().head(
            blob_object_key(environment_id=environment.id, session_id="s1", blob_key=f"{BASE_MS}-{BASE_MS}")
        )
        is None
    )
    assert stored_lines(environment, "keep", RecordingBlob.objects.get()) == [rrweb_line(0).line]
    assert not get_live_buffer().has_lines(environment_id=environment.id, session_id="s1")
    assert get_live_buffer().has_lines(environment_id=environment.id, session_id="keep")


def _flush_statements(environment: Environment, sessions: int) -> int:
    for index in range(sessions):
        append(environment, f"batch-{sessions}-{index}", rrweb_line(index * 10))
    with CaptureQueriesContext(connection) as queries:
        outcomes = live_buffers_flush_due(force=True)
    assert {outcome.status for outcome in outcomes} == {"flushed"}
    buffer_tables = ("snapshots_livebufferline", "cache_entries")
    return len([q for q in queries.captured_queries if not any(t in q["sql"] for t in buffer_tables)])


def test_a_batch_of_sessions_costs_a_constant_number_of_statements(environment: Environment) -> None:
    """Gone sessions and recorded blobs are read once per batch, new rows inserted together
    (the database live buffer's own statements are the buffer's, not the flush's)."""
    assert _flush_statements(environment, 1) == _flush_statements(environment, 25)


def test_a_blob_key_ends_at_its_last_event_whichever_line_holds_it(environment: Environment) -> None:
    late_in_early_line = BufferedLine(
        score=BASE_MS,
        line=orjson.dumps({"window_id": "w", "data": [{"type": 3, "timestamp": BASE_MS + 5000}]}).decode(),
    )
    append(environment, "s1", late_in_early_line, rrweb_line(10))

    outcome = session_buffer_flush(environment_id=environment.id, session_id="s1")

    assert outcome.blob_key == f"{BASE_MS}-{BASE_MS + 5000}"
    assert RecordingBlob.objects.get().end_timestamp.timestamp() == (BASE_MS + 5000) / 1000
