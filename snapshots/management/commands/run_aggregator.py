"""``python manage.py run_aggregator``: one consumer of the ingest log, until SIGTERM/SIGINT.

Run one per CPU that the database can keep busy, on as many machines as needed: they share the
log as a consumer group (Redis) or by row claims (database). Stopping finishes the current batch.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from snapshots.aggregation import Aggregator


class Command(BaseCommand):
    help = "Apply the ingest log to the recordings tables, continuously (one consumer)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--consumer", help="Consumer name (default: host-pid-random).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        aggregator = Aggregator(consumer=options.get("consumer"))
        self.stdout.write(f"aggregator {aggregator.consumer} running (stop with SIGTERM or Ctrl-C)")
        aggregator.run_forever(stop=stop)
