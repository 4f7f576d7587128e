"""Routes of recordings, served under ``/api/projects/{id}/`` and ``/api/environments/{id}/``."""

from recordings.actions.views import ActionViewSet
from recordings.comments.views import RecordingCommentViewSet
from recordings.views.recordings import SessionRecordingViewSet
from recordings_api.routers import environment_router

environment_router.register(r"session_recordings", SessionRecordingViewSet, basename="session_recordings")
environment_router.register(r"actions", ActionViewSet, basename="actions")
environment_router.register(r"comments", RecordingCommentViewSet, basename="comments")
