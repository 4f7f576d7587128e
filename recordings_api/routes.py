"""The core's own routes: the account endpoints above environments (``/api/projects/``, …)."""

from recordings_api.account_views import OrganizationViewSet, ProjectViewSet, UserViewSet
from recordings_api.routers import account_router

account_router.register(r"projects", ProjectViewSet, basename="projects")
account_router.register(r"organizations", OrganizationViewSet, basename="organizations")
account_router.register(r"users", UserViewSet, basename="users")
