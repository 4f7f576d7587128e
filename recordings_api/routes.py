"""The core's own routes: the account endpoints above environments (``/api/projects/``, …) and the
Sentry face's discovery (``/api/0/organizations/…``)."""

from recordings_api.account_views import OrganizationViewSet, ProjectViewSet, UserViewSet
from recordings_api.routers import account_router, sentry_organization_router, sentry_root_router
from recordings_api.sentry.views import (
    SentryOrganizationDetailsViewSet,
    SentryOrganizationIndexViewSet,
    SentryProjectIndexViewSet,
)

account_router.register(r"projects", ProjectViewSet, basename="projects")
account_router.register(r"organizations", OrganizationViewSet, basename="organizations")
account_router.register(r"users", UserViewSet, basename="users")

# The Sentry face's discovery (``recordings_api.sentry.views``).
sentry_root_router.register(r"organizations", SentryOrganizationIndexViewSet, basename="organizations")
sentry_root_router.register(r"organizations", SentryOrganizationDetailsViewSet, basename="organization")
sentry_organization_router.register(r"projects", SentryProjectIndexViewSet, basename="organization-projects")
