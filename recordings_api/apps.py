from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


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
        _access_invalidation_connect()


def _access_invalidation_connect() -> None:
    """Any saved or deleted row of what authorises a request invalidates the access cache
    (``recordings_api.access_cache``); services writing these with ``QuerySet.update`` call
    ``access_changed`` themselves."""
    from recordings_api.access_cache import access_changed
    from recordings_api.models import Environment, Membership, Organization, PersonalAPIKey, Project, User

    for model in (PersonalAPIKey, User, Membership, Environment, Project, Organization):
        name = model.__name__
        post_save.connect(access_changed, sender=model, dispatch_uid=f"access_changed_save_{name}")
        post_delete.connect(access_changed, sender=model, dispatch_uid=f"access_changed_delete_{name}")
