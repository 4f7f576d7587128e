from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from recordings_api.models import Environment


def environments_with_recordings(environment_ids: list[int]) -> set[int]:
    """The ids among ``environment_ids`` that have at least one recording (PostHog's ``ingested_event``)."""
    from recordings.models import SessionRecording

    rows = SessionRecording.objects.filter(environment_id__in=environment_ids)
    return set(rows.values_list("environment_id", flat=True).distinct())


def expiry_follows_retention(environment: Environment) -> None:
    """Recordings without a retention of their own follow their environment's (``recordings.expiry``)."""
    from recordings.services import session_recordings_expiry_restamp

    session_recordings_expiry_restamp(environment=environment)


class RecordingsConfig(AppConfig):
    name = "recordings"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from recordings import tasks  # noqa: F401  (registers the tasks enqueued by name)
        from recordings.expressions import register_sqlite_functions
        from recordings_api.activity import environment_activity_register
        from recordings_api.retention import environment_retention_follower_register

        environment_activity_register("recordings", environments_with_recordings)
        environment_retention_follower_register("recordings", expiry_follows_retention)

        # SQLite lacks a "number or NULL" conversion; install ours on every new connection.
        connection_created.connect(register_sqlite_functions, dispatch_uid="recordings_sqlite_functions")
