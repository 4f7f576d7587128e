"""Recording serializers: the full object, the reduced shared one, and action bodies.

``SessionRecordingSerializer`` reads viewed/viewers/person from a ``RecordingsEnrichment`` in
the context (key ``"enrichment"``; built by ``selectors.session_recordings_enrichment`` so a
page costs a constant number of queries) and the environment from ``"environment"``.
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings.metrics import FieldContext, RecordingField, shown_fields
from recordings.metrics.formulas import expiry_time, is_ongoing, retention_days, storage
from recordings.models import Person, SessionRecording
from recordings.selectors import RecordingsEnrichment, person_display_name

MAX_BULK_IDS = 100
_PERSON_NAMESPACE = uuid.UUID("5b0d2c43-2f0e-4c1b-9a53-3c0f7f5f9d1e")


class RecordingPersonSerializer(serializers.Serializer):
    """PostHog's minimal person; ``distinct_ids`` holds only the recording's distinct_id."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    distinct_ids = serializers.ListField(child=serializers.CharField())
    properties = serializers.DictField()
    created_at = serializers.DateTimeField(allow_null=True)
    uuid = serializers.UUIDField()
    last_seen_at = serializers.DateTimeField(allow_null=True)


def person_payload(person: Person | None, *, environment_id: int, distinct_id: str) -> dict[str, Any]:
    if person is None:
        # No person yet: a stable placeholder uuid, derived from the environment and distinct_id.
        placeholder = uuid.uuid5(_PERSON_NAMESPACE, f"{environment_id}:{distinct_id}")
        return {
            "id": None,
            "name": None,
            "distinct_ids": [distinct_id],
            "properties": {},
            "created_at": None,
            "uuid": str(placeholder),
            "last_seen_at": None,
        }
    return {
        "id": person.pk,
        "name": person_display_name(person, distinct_id),
        "distinct_ids": [distinct_id],
        "properties": person.properties if isinstance(person.properties, dict) else {},
        "created_at": serializers.DateTimeField().to_representation(person.created_at),
        "uuid": str(person.uuid),
        "last_seen_at": serializers.DateTimeField().to_representation(person.last_seen_at)
        if person.last_seen_at
        else None,
    }


class _MetricValue(serializers.Field):
    """A registry field's Python twin (``RecordingField.value``), read from the whole recording."""

    def __init__(self, metric: RecordingField, **kwargs: Any) -> None:
        self.metric = metric
        super().__init__(source="*", read_only=True, allow_null=metric.nullable, **kwargs)

    def to_representation(self, recording: SessionRecording) -> Any:
        twin = self.metric.value
        assert twin is not None  # only fields with a twin are shown (``shown_fields``)
        value = twin(recording, FieldContext(environment=self.context["environment"]))
        return None if value is None else super().to_representation(value)


class MetricIntegerField(_MetricValue, serializers.IntegerField):
    pass


class MetricFloatField(_MetricValue, serializers.FloatField):
    pass


def metric_fields() -> dict[str, serializers.Field]:
    """The PostHog face's computed values, named as its recording object shows them."""
    return {
        shown: (MetricFloatField if metric.kind == "score" else MetricIntegerField)(metric)
        for shown, metric in shown_fields("posthog")
    }


class SessionRecordingSerializer(serializers.ModelSerializer):
    """The recording object. Its metric values come from the metric registry (``metric_fields``)."""

    id = serializers.CharField(source="session_id", read_only=True)
    viewed = serializers.SerializerMethodField()
    viewers = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()
    storage = serializers.SerializerMethodField()
    retention_period_days = serializers.SerializerMethodField()
    expiry_time = serializers.SerializerMethodField()
    ongoing = serializers.SerializerMethodField()
    matches_filters = serializers.SerializerMethodField()
    external_references = serializers.SerializerMethodField()
    total_size = serializers.IntegerField(source="size_bytes", read_only=True)

    class Meta:
        model = SessionRecording
        fields = [
            "id",
            "distinct_id",
            "viewed",
            "viewers",
            "start_time",
            "end_time",
            "start_url",
            "person",
            "storage",
            "retention_period_days",
            "expiry_time",
            "snapshot_source",
            "snapshot_library",
            "ongoing",
            "matches_filters",
            "external_references",
            "total_size",
            "event_count",
        ]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), **metric_fields()}

    def _enrichment(self) -> RecordingsEnrichment:
        enrichment: RecordingsEnrichment | None = self.context.get("enrichment")
        return enrichment if enrichment is not None else RecordingsEnrichment()

    def get_viewed(self, recording: SessionRecording) -> bool:
        return recording.session_id in self._enrichment().viewed

    def get_viewers(self, recording: SessionRecording) -> list[str]:
        return list(self._enrichment().viewers.get(recording.session_id, []))

    @extend_schema_field(RecordingPersonSerializer)
    def get_person(self, recording: SessionRecording) -> dict[str, Any]:
        person = self._enrichment().persons.get(recording.distinct_id)
        return person_payload(
            person, environment_id=recording.environment_id, distinct_id=recording.distinct_id
        )

    @extend_schema_field(serializers.ChoiceField(choices=["object_storage", "object_storage_lts"]))
    def get_storage(self, recording: SessionRecording) -> str:
        return storage(recording)

    def get_retention_period_days(self, recording: SessionRecording) -> int:
        return retention_days(recording, self.context["environment"])

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expiry_time(self, recording: SessionRecording) -> str | None:
        expiry = expiry_time(recording, self.context["environment"])
        return serializers.DateTimeField().to_representation(expiry) if expiry else None

    def get_ongoing(self, recording: SessionRecording) -> bool:
        return is_ongoing(recording)

    def get_matches_filters(self, recording: SessionRecording) -> bool:
        return recording.session_id not in self.context.get("unmatched_session_ids", ())

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_external_references(self, recording: SessionRecording) -> list[Any]:
        return []


class SessionRecordingSharedSerializer(serializers.ModelSerializer):
    """What a sharing token may see: no person, no viewers, no counts."""

    id = serializers.CharField(source="session_id", read_only=True)
    recording_duration = serializers.IntegerField(source="duration_seconds", read_only=True)

    class Meta:
        model = SessionRecording
        fields = ["id", "recording_duration", "start_time", "end_time"]
        read_only_fields = fields
