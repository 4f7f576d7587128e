"""Migration 0008 fills the stored list columns of recordings that existed before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# recordings_api stays before its organization slugs (0005), which the old models know nothing of.
BEFORE = [("recordings", "0007_sentry_ingestion"), ("recordings_api", "0004_sentry_ingestion")]
AFTER = [("recordings", "0008_stored_list_columns")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_0008_backfills_expires_at_duration_and_activity_score() -> None:
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    organization = old.get_model("recordings_api", "Organization").objects.create(name="Old")
    project = old.get_model("recordings_api", "Project").objects.create(
        id=987_654, organization=organization, name="Old"
    )
    environment = old.get_model("recordings_api", "Environment").objects.create(
        id=987_654,
        project=project,
        name="Old",
        api_token="phc_migration_test",
        session_recording_retention_days=45,
    )
    recording_model = old.get_model("recordings", "SessionRecording")
    start = datetime(2026, 5, 10, 23, 59, 59, 500_000, tzinfo=UTC)
    end = datetime(2026, 5, 11, 0, 2, 0, 100_000, tzinfo=UTC)  # 121 whole-second boundaries later
    common = {"environment": environment, "start_time": start, "end_time": end}
    counts = {"active_milliseconds": 60_000, "click_count": 3, "mouse_activity_count": 20}
    recording_model.objects.create(session_id="follows", **common, **counts)
    recording_model.objects.create(session_id="own", retention_period_days=7, **common)
    recording_model.objects.create(session_id="pinned", persisted=True, **common)
    try:
        new = _migrate(AFTER).loader.project_state(AFTER).apps
        rows = new.get_model("recordings", "SessionRecording").objects.values_list(
            "session_id", "expires_at", "duration", "activity_score"
        )
        assert {session_id: rest for session_id, *rest in rows} == {
            "follows": [datetime(2026, 6, 24, tzinfo=UTC), 121, round(100 * 63 / 141, 2)],
            "own": [datetime(2026, 5, 17, tzinfo=UTC), 121, 0.0],
            "pinned": [None, 121, 0.0],
        }
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
