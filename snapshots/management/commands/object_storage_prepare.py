"""``python manage.py object_storage_prepare [--wait SECONDS]``: create the bucket if missing.

Run once per deployment before the web and worker start (``docker-compose.yml`` runs it with
``migrate``). Plain S3 calls (HeadBucket, CreateBucket), so it works with any S3-compatible
server or AWS. Waits up to ``--wait`` seconds (default 60) for the endpoint to answer, since an
object store container may still be starting.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from snapshots.storage import StorageUnavailable, get_blob_store

RETRY_SECONDS = 2.0


class Command(BaseCommand):
    help = "Create the object storage bucket (or local directory) when it does not exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", type=float, default=60.0, help="Seconds to wait for the endpoint.")

    def handle(self, *args: Any, **options: Any) -> None:
        deadline = time.monotonic() + max(0.0, options["wait"])
        while True:
            try:
                created = get_blob_store().prepare()
                break
            except StorageUnavailable as error:
                if time.monotonic() >= deadline:
                    raise CommandError(f"object storage is not reachable: {error}") from error
                self.stdout.write(f"waiting for object storage: {error}")
                time.sleep(RETRY_SECONDS)
        self.stdout.write("object storage: bucket created" if created else "object storage: bucket ready")
