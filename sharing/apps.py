from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"

    def ready(self) -> None:
        from sharing import openapi  # noqa: F401  (registers the token's OpenAPI scheme)
