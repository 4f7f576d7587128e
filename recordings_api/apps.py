from django.apps import AppConfig


class RecordingsApiConfig(AppConfig):
    name = "recordings_api"
    verbose_name = "Recordings API core"

    def ready(self) -> None:
        from recordings_api import openapi  # noqa: F401  (registers the auth extension)
