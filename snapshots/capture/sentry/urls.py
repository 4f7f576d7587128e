"""Sentry SDK ingest routes, mounted by ``config.urls`` ahead of the API's catch-all."""

from django.urls import URLPattern, re_path

from snapshots.capture.sentry import views

urlpatterns: list[URLPattern] = [
    re_path(r"^api/(?P<project_id>[^/]+)/envelope/?$", views.envelope, name="sentry_envelope"),
    re_path(r"^api/(?P<project_id>[^/]+)/store/?$", views.store, name="sentry_store"),
]
