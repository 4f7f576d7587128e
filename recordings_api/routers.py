"""The core's routers. Domain apps register their viewsets in their ``routes.py``::

    from recordings_api.routers import environment_router
    environment_router.register(r"session_recordings", SessionRecordingViewSet, "session_recordings")

Every route registered here is served under both ``/api/projects/{project_id}/`` and
``/api/environments/{environment_id}/`` (URL namespaces ``projects`` and ``environments``),
with the trailing slash optional.
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
