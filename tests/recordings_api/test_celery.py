"""Celery wiring: every scheduled task exists, and tasks run in-process without a broker."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_every_beat_entry_names_a_registered_task() -> None:
    app.loader.import_default_modules()
    scheduled = {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {
        "snapshots.tasks.drain_ingest_log",
        "snapshots.tasks.flush_due_live_buffers",
        "recordings.tasks.ingested_blocks_prune",
        "playlists.tasks.refresh_saved_filters_counts",
        "recordings.tasks.recordings_expired_purge",
        "recordings.tasks.recording_elements_prune",
    }
    assert scheduled <= set(app.tasks), sorted(scheduled - set(app.tasks))


def test_tasks_run_in_process_in_tests() -> None:
    assert app.conf.task_always_eager is True
