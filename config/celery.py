"""The Celery application. Without a broker (embedded mode) tasks run in-process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("recordings_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
