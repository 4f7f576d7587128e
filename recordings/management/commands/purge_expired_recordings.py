"""``python manage.py purge_expired_recordings``: delete recordings past retention now.

Works environment by environment, printing each one's count as it goes. ``--dry-run`` only
counts what would be purged. ``--environment ID`` limits it to one environment (an unknown id
is an error naming it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recordings.selectors import session_recordings_expired
from recordings.services import session_recordings_expired_purge
from recordings_api.models import Environment


class Command(BaseCommand):
    help = (
        "Permanently delete recordings past their retention period (persisted ones are kept): metadata "
        "now, blobs and live buffers through the Celery task queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--environment", type=int, help="Only this environment id.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        environments = Environment.objects.order_by("id")
        environment_id = options.get("environment")
        if environment_id is not None:
            environments = environments.filter(id=environment_id)
            if not environments.exists():
                raise CommandError(f"Environment {environment_id} does not exist.")
        dry_run = bool(options["dry_run"])
        total = 0
        for environment in environments.iterator():
            if dry_run:
                count = session_recordings_expired(environment=environment).count()
            else:
                count = session_recordings_expired_purge(environment=environment)
            total += count
            if count:
                verb = "would purge" if dry_run else "purged"
                self.stdout.write(f"environment {environment.id}: {verb} {count} recording(s)")
                self.stdout.flush()
        if dry_run:
            self.stdout.write(f"dry run: {total} expired recording(s) would be purged")
        else:
            self.stdout.write(f"purged {total} expired recording(s)")
