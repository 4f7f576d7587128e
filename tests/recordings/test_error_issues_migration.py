"""Migration 0010 groups the error events stored before grouping into issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recordings.grouping import error_fingerprint

BEFORE = [("recordings", "0009_start_url_trigram"), ("recordings_api", "0005_organization_environment_slugs")]
AFTER = [("recordings", "0010_error_issues")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_0010_groups_existing_errors_by_type_value_and_message() -> None:
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    organization = old.get_model("recordings_api", "Organization").objects.create(name="Old", slug="old-org")
    project = old.get_model("recordings_api", "Project").objects.create(
        id=987_655, organization=organization, name="Old"
    )
    environment = old.get_model("recordings_api", "Environment").objects.create(
        id=987_655, project=project, name="Old", slug="old-env", api_token="phc_issue_migration"
    )
    error_model = old.get_model("recordings", "RecordingError")
    start = datetime(2026, 5, 10, tzinfo=UTC)
    rows = [
        ("1" * 32, start + timedelta(seconds=2), "TypeError", "x is undefined", ""),
        ("2" * 32, start, "TypeError", "x is undefined", ""),
        ("3" * 32, start + timedelta(seconds=1), "", "", "careful"),
    ]
    for event_id, timestamp, exception_type, exception_value, message in rows:
        error_model.objects.create(
            environment=environment,
            event_id=event_id,
            timestamp=timestamp,
            exception_type=exception_type,
            exception_value=exception_value,
            message=message,
            level="warning" if message else "error",
        )
    try:
        new = _migrate(AFTER).loader.project_state(AFTER).apps
        issues = new.get_model("recordings", "ErrorIssue").objects.order_by("first_seen")
        assert [(issue.title, issue.level, issue.first_seen, issue.fingerprint) for issue in issues] == [
            (
                "TypeError: x is undefined",
                "error",
                start,
                error_fingerprint(exception_type="TypeError", exception_value="x is undefined"),
            ),
            ("careful", "warning", start + timedelta(seconds=1), error_fingerprint(message="careful")),
        ]
        grouped = new.get_model("recordings", "RecordingError").objects.order_by("event_id")
        assert [error.issue.title for error in grouped] == [
            "TypeError: x is undefined",
            "TypeError: x is undefined",
            "careful",
        ]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
