"""``python manage.py flush_live_buffers``: flush every live buffer to object storage now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from snapshots.flush import live_buffers_flush_due


class Command(BaseCommand):
    help = "Flush every session's live buffer to object storage now, whatever its age."

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = live_buffers_flush_due(force=True)
        for outcome in outcomes:
            detail = outcome.blob_key or outcome.error or ""
            self.stdout.write(
                f"{outcome.status} environment={outcome.environment_id} session={outcome.session_id} "
                f"lines={outcome.line_count} {detail}".rstrip()
            )
        flushed = sum(outcome.status == "flushed" for outcome in outcomes)
        failed = [outcome for outcome in outcomes if outcome.status == "failed"]
        self.stdout.write(f"flushed {flushed} session(s), {len(failed)} failed")
        if failed:
            raise CommandError(f"{len(failed)} session(s) could not be flushed; see above")
