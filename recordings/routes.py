from rest_framework import mixins, serializers, viewsets

from recordings.models import SessionRecording
from recordings_api.routers import environment_router
from recordings_api.tenancy import EnvironmentScopedViewSetMixin


class _S(serializers.ModelSerializer):
    class Meta:
        model = SessionRecording
        fields = ["session_id"]


class TempViewSet(EnvironmentScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    scope_object = "session_recording"
    queryset = SessionRecording.objects.all()
    serializer_class = _S


environment_router.register(r"session_recordings", TempViewSet, basename="session_recordings")
