"""``python manage.py flush_live_buffers``: flush every live buffer to object storage now.

Prints one line per session as it is flushed (``[done/total] status …``), then a summary; exits
non-zero when any session failed (its data stays buffered for the next attempt).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from snapshots.flush import FlushOutcome, live_buffers_flush_due


class Command(BaseCommand):
    help = "Flush every session's live buffer to object storage now, whatever its age."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("flushing every buffered session…")
        outcomes = live_buffers_flush_due(force=True, progress=self._progress)
        flushed = sum(outcome.status == "flushed" for outcome in outcomes)
        failed = [outcome for outcome in outcomes if outcome.status == "failed"]
        self.stdout.write(f"flushed {flushed} session(s), {len(failed)} failed")
        if failed:
            raise CommandError(f"{len(failed)} session(s) could not be flushed; see above")

    def _progress(self, done: int, total: int, outcome: FlushOutcome) -> None:
        detail = outcome.blob_key or outcome.error or ""
        self.stdout.write(
            f"[{done}/{total}] {outcome.status} environment={outcome.environment_id} "
            f"session={outcome.session_id} lines={outcome.line_count} {detail}".rstrip()
        )
        self.stdout.flush()
