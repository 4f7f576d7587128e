"""``/api/``: the OpenAPI documents, the Sentry face (``0/``), the account routes (``projects/``,
``organizations/``, ``users/``), both route families, and a JSON 404 for anything else."""

from __future__ import annotations

from django.urls import include, path, re_path
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.views import SpectacularAPIView

from recordings_api.docs_pages import LocalRedocView, LocalSwaggerView
from recordings_api.errors import endpoint_not_found
from recordings_api.routers import account_router, environment_router

# Each installed app's ``routes.py`` registers its viewsets on the core's routers.
autodiscover_modules("routes")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/swagger-ui/", LocalSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("schema/redoc/", LocalRedocView.as_view(url_name="schema"), name="redoc"),
    # The Sentry face, before the PostHog routes (``/api/0/…``; ``recordings_api.sentry``).
    path("0/", include(("recordings_api.sentry.urls", "sentry"))),
    path("", include((account_router.urls, "account"))),
    re_path(r"^projects/(?P<project_id>[^/]+)/", include((environment_router.urls, "projects"))),
    re_path(r"^environments/(?P<environment_id>[^/]+)/", include((environment_router.urls, "environments"))),
    re_path(r"^.*$", endpoint_not_found),
]
