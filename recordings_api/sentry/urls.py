"""``/api/0/``: the Sentry face's three routers (``recordings_api.routers``) and a 404 in
Sentry's shape for anything else. Apps' ``routes.py`` are loaded by ``recordings_api.urls``
before this is included."""

from __future__ import annotations

from django.urls import include, path, re_path

from recordings_api.routers import sentry_organization_router, sentry_project_router, sentry_root_router
from recordings_api.sentry.errors import sentry_endpoint_not_found

urlpatterns = [
    path("", include(sentry_root_router.urls)),
    re_path(r"^organizations/(?P<organization_id_or_slug>[^/]+)/", include(sentry_organization_router.urls)),
    re_path(
        r"^projects/(?P<organization_id_or_slug>[^/]+)/(?P<project_id_or_slug>[^/]+)/",
        include(sentry_project_router.urls),
    ),
    re_path(r"^.*$", sentry_endpoint_not_found),
]
