from playlists.views import SessionRecordingPlaylistViewSet
from recordings_api.routers import environment_router

environment_router.register(
    r"session_recording_playlists", SessionRecordingPlaylistViewSet, basename="session_recording_playlists"
)
