"""Routes of recordings: the PostHog face under ``/api/projects/{id}/`` and
``/api/environments/{id}/``, and the Sentry face's replay routes under ``/api/0/``."""

from recordings.actions.views import ActionViewSet
from recordings.comments.views import RecordingCommentViewSet
from recordings.issues.views import IssueViewSet
from recordings.sentry.browse import SentryReplayIndexViewSet
from recordings.sentry_replay.views import (
    OrganizationReplayViewSet,
    ProjectReplayViewSet,
    ReplayClicksViewSet,
    ReplayViewedByViewSet,
)
from recordings.sentry_replay.views_organization import (
    OrganizationTagsViewSet,
    ProjectReplayTagsViewSet,
    ReplayCountViewSet,
    ReplaySelectorsViewSet,
)
from recordings.views.recordings import SessionRecordingViewSet
from recordings_api.routers import environment_router, sentry_organization_router, sentry_project_router

environment_router.register(r"session_recordings", SessionRecordingViewSet, basename="session_recordings")
environment_router.register(r"actions", ActionViewSet, basename="actions")
environment_router.register(r"comments", RecordingCommentViewSet, basename="comments")

# The Sentry face (``/api/0/``): browse (``replays/``) and one replay (``replays/{replay_id}/``).
sentry_organization_router.register(r"replays", SentryReplayIndexViewSet, basename="organization-replays")
sentry_organization_router.register(
    r"replays", OrganizationReplayViewSet, basename="sentry-organization-replay"
)
sentry_organization_router.register(r"replay-count", ReplayCountViewSet, basename="sentry-replay-count")
sentry_organization_router.register(
    r"replay-selectors", ReplaySelectorsViewSet, basename="sentry-replay-selectors"
)
sentry_organization_router.register(r"tags", OrganizationTagsViewSet, basename="sentry-organization-tags")
sentry_organization_router.register(r"issues", IssueViewSet, basename="sentry-organization-issues")
# ``replays/tags`` before ``replays/{replay_id}``, which would otherwise take "tags" for an id.
sentry_project_router.register(
    r"replays/tags", ProjectReplayTagsViewSet, basename="sentry-project-replay-tags"
)
sentry_project_router.register(r"replays", ProjectReplayViewSet, basename="sentry-project-replay")
sentry_project_router.register(
    r"replays/(?P<replay_id>[^/]+)/clicks", ReplayClicksViewSet, basename="sentry-replay-clicks"
)
sentry_project_router.register(
    r"replays/(?P<replay_id>[^/]+)/viewed-by", ReplayViewedByViewSet, basename="sentry-replay-viewed-by"
)
