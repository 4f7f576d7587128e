"""Routes of the snapshots app: the PostHog face under ``/api/projects/{id}/`` and
``/api/environments/{id}/``, and the Sentry face's recording segments under ``/api/0/``."""

from recordings_api.routers import environment_router, sentry_project_router
from snapshots.api.views import SnapshotsViewSet
from snapshots.replay_segments.views import ReplayRecordingSegmentViewSet

environment_router.register(
    r"session_recordings/(?P<recording_id>[^/.]+)/snapshots",
    SnapshotsViewSet,
    basename="session_recording_snapshots",
)
sentry_project_router.register(
    r"replays/(?P<replay_id>[^/]+)/recording-segments",
    ReplayRecordingSegmentViewSet,
    basename="sentry-replay-recording-segments",
)
