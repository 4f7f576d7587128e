"""``python manage.py purge_expired_recordings``: delete recordings past retention now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recordings.services import session_recordings_expired_purge, session_recordings_expired_purge_all
from recordings_api.models import Environment


class Command(BaseCommand):
    help = (
        "Permanently delete recordings past their retention period (persisted ones are kept): metadata "
        "now, blobs and live buffers through the Celery task queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--environment", type=int, help="Only this environment id.")

    def handle(self, *args: Any, **options: Any) -> None:
        environment_id = options.get("environment")
        if environment_id is None:
            purged = session_recordings_expired_purge_all()
        else:
            purged = session_recordings_expired_purge(environment=Environment.objects.get(id=environment_id))
        self.stdout.write(f"purged {purged} expired recording(s)")
