"""Routes of the snapshots app, served under ``/api/projects/{id}/`` and ``/api/environments/{id}/``."""

from recordings_api.routers import environment_router
from snapshots.api.views import SnapshotsViewSet

environment_router.register(
    r"session_recordings/(?P<recording_id>[^/.]+)/snapshots",
    SnapshotsViewSet,
    basename="session_recording_snapshots",
)
