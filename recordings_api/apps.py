from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _cache_table_create(**kwargs: Any) -> None:
    """The embedded cache (throttles, flush scheduling) lives in a table ``migrate`` must create."""
    from django.conf import settings
    from django.core.management import call_command

    if any(str(cache["BACKEND"]).endswith("DatabaseCache") for cache in settings.CACHES.values()):
        call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)


class RecordingsApiConfig(AppConfig):
    name = "recordings_api"
    verbose_name = "Recordings API core"

    def ready(self) -> None:
        from recordings_api import openapi  # noqa: F401  (registers the auth extension)
        from recordings_api.monitoring.celery_processes import celery_signals_connect

        celery_signals_connect()

        post_migrate.connect(_cache_table_create, sender=self)
