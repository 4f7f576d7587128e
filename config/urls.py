from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from recordings_api.health import health, readiness

urlpatterns = [
    # The site root is the API documentation (interactive: try requests with your key).
    path("", RedirectView.as_view(url="/api/schema/swagger-ui/", permanent=False), name="root"),
    path("admin/", admin.site.urls),
    path("_health", health, name="health"),
    path("_readyz", readiness, name="readiness"),
    # Sentry SDKs post envelopes to /api/{project_id}/envelope/: before the API's catch-all.
    path("", include("snapshots.capture.sentry.urls")),
    path("api/", include("recordings_api.urls")),
    # Pages outside /api/: posthog-js capture and config endpoints, public replay pages.
    path("", include("snapshots.public_urls")),
    path("", include("sharing.public_urls")),
]
