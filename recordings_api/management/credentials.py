"""What the first-run commands print: a tenant's credentials and the service's links.

``bootstrap_demo`` and ``create_organization`` both print ``tenant_credential_lines`` then
``service_link_lines``, one ``Label: value`` per line, so scripts can grep a line by its label.
A new SDK's credential is one more entry in ``tenant_credential_lines``: the Sentry DSN of the
environment's client key (created when it has none) follows the project token.
"""

from __future__ import annotations

from django.conf import settings

from recordings_api.models import Environment, sentry_dsn
from recordings_api.services import sentry_client_key_ensure


def tenant_credential_lines(*, environment: Environment, api_key: str, login: str | None = None) -> list[str]:
    project = environment.project
    organization = project.organization
    dsn = sentry_dsn(key=sentry_client_key_ensure(environment=environment), site_url=settings.SITE_URL)
    lines = [
        f"Organization: {organization.name} ({organization.id})",
        f"Project id: {project.id}",
        f"Project token (posthog-js api key): {environment.api_token}",
        f"Sentry DSN: {dsn}",
    ]
    if login:
        lines.append(f"Admin login: {login}")
    lines.append(f"Personal API key: {api_key}")
    return lines


def service_link_lines() -> list[str]:
    base = settings.SITE_URL
    return [
        f"Admin: {base}/admin/",
        f"API docs (Swagger UI): {base}/api/schema/swagger-ui/",
        f"API docs (Redoc): {base}/api/schema/redoc/",
    ]
