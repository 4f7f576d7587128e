"""Routes of recordings, served under ``/api/projects/{id}/`` and ``/api/environments/{id}/``, and
the Sentry face's replay routes under ``/api/0/``."""

from recordings.actions.views import ActionViewSet
from recordings.comments.views import RecordingCommentViewSet
from recordings.sentry.browse import SentryReplayIndexViewSet
from recordings.views.recordings import SessionRecordingViewSet
from recordings_api.routers import environment_router, sentry_organization_router

environment_router.register(r"session_recordings", SessionRecordingViewSet, basename="session_recordings")
environment_router.register(r"actions", ActionViewSet, basename="actions")
environment_router.register(r"comments", RecordingCommentViewSet, basename="comments")

# The Sentry face (``/api/0/``).
sentry_organization_router.register(r"replays", SentryReplayIndexViewSet, basename="organization-replays")
