"""The core's routers. Domain apps register their viewsets in their ``routes.py``::

    from recordings_api.routers import environment_router
    environment_router.register(r"session_recordings", SessionRecordingViewSet, "session_recordings")

Every route registered on ``environment_router`` is served under both
``/api/projects/{project_id}/`` and ``/api/environments/{environment_id}/`` (URL namespaces
``projects`` and ``environments``), with the trailing slash optional.

The Sentry face (``/api/0/``, URL namespace ``sentry``) has three: ``sentry_root_router`` at
``/api/0/`` itself, ``sentry_organization_router`` under
``/api/0/organizations/{organization_id_or_slug}/`` and ``sentry_project_router`` under
``/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/``; their viewsets use the
scoping mixins of ``recordings_api.sentry.tenancy``.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


environment_router = OptionalSlashRouter()
# Routes above environments, served at ``/api/`` itself (``/api/projects/``, ``/api/users/@me/``…).
account_router = OptionalSlashRouter()

# The Sentry face (``recordings_api.sentry``).
sentry_root_router = OptionalSlashRouter()
sentry_organization_router = OptionalSlashRouter()
sentry_project_router = OptionalSlashRouter()
