from recordings_api.routers import environment_router
from sharing.views import SharingConfigurationViewSet

environment_router.register(
    r"session_recordings/(?P<recording_id>[^/.]+)/sharing",
    SharingConfigurationViewSet,
    basename="session_recording_sharing",
)
