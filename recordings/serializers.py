"""Recording serializers: the full object, the reduced shared one, and action bodies.

``SessionRecordingSerializer`` reads viewed/viewers/person from a ``RecordingsEnrichment`` in
the context (key ``"enrichment"``; built by ``selectors.session_recordings_enrichment`` so a
page costs a constant number of queries) and the environment from ``"environment"``.

Its fields declare the recording object (OpenAPI, the order of keys, each value's type); the
object itself is built by ``SessionRecordingSerializer.to_representation`` in one pass, without
DRF's per-field machinery (a page of 50 is the hot path of the list). Invariant
(``tests/recordings/test_recording_representation.py``): it equals DRF's field-by-field
representation of the same declarations, key for key.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from recordings.metrics import FieldContext, RecordingField, shown_fields
from recordings.metrics.formulas import expiry_time, is_ongoing, retention_days, storage
from recordings.models import Person, SessionRecording
from recordings.selectors import RecordingsEnrichment, person_display_name

MAX_BULK_IDS = 100
# DRF's representation of a datetime (the API's DATETIME_FORMAT, in the current time zone).
_DATETIME = serializers.DateTimeField()


def _datetime_text(value: datetime, zone: tzinfo) -> str:
    """``_DATETIME.to_representation(value)`` for an aware ``value`` with the time zone looked up
    once (DRF looks it up for every value): the configured strftime format, in ``zone``."""
    output_format = api_settings.DATETIME_FORMAT
    if not isinstance(output_format, str) or output_format.lower() == ISO_8601 or timezone.is_naive(value):
        return _DATETIME.to_representation(value)
    return value.astimezone(zone).strftime(output_format)


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
        "created_at": _DATETIME.to_representation(person.created_at),
        "uuid": str(person.uuid),
        "last_seen_at": _DATETIME.to_representation(person.last_seen_at) if person.last_seen_at else None,
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


def _metric_casts() -> tuple[tuple[str, RecordingField, type], ...]:
    """``(shown name, field, int or float)`` of ``metric_fields``, as its fields represent them."""
    return tuple(
        (shown, metric, float if metric.kind == "score" else int) for shown, metric in shown_fields("posthog")
    )


@dataclass(frozen=True)
class _RepresentationContext:
    """What every object of one serialization shares (read from the serializer's context once)."""

    environment: Any
    enrichment: RecordingsEnrichment
    unmatched: Collection[str]
    metrics: FieldContext
    now: datetime
    zone: tzinfo
    method_fields: tuple[str, ...]


def metric_fields() -> dict[str, serializers.Field]:
    """The PostHog face's computed values, named as its recording object shows them."""
    return {
        shown: (MetricFloatField if metric.kind == "score" else MetricIntegerField)(metric)
        for shown, metric in shown_fields("posthog")
    }


_METRIC_CASTS = _metric_casts()


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

    def to_representation(self, instance: SessionRecording) -> dict[str, Any]:
        """The recording object: what the declared fields give, built in one pass."""
        shared = self._representation_context()
        recording, environment, enrichment = instance, shared.environment, shared.enrichment
        session_id, distinct_id = recording.session_id, recording.distinct_id
        expiry = expiry_time(recording, environment)
        body: dict[str, Any] = {
            "id": session_id,
            "distinct_id": distinct_id,
            "viewed": session_id in enrichment.viewed,
            "viewers": list(enrichment.viewers.get(session_id, [])),
            "start_time": _datetime_text(recording.start_time, shared.zone),
            "end_time": _datetime_text(recording.end_time, shared.zone),
            "start_url": recording.start_url,
            "person": person_payload(
                enrichment.persons.get(distinct_id),
                environment_id=recording.environment_id,
                distinct_id=distinct_id,
            ),
            "storage": storage(recording),
            "retention_period_days": retention_days(recording, environment),
            "expiry_time": _datetime_text(expiry, shared.zone) if expiry else None,
            "snapshot_source": recording.snapshot_source,
            "snapshot_library": recording.snapshot_library,
            "ongoing": is_ongoing(recording, shared.now),
            "matches_filters": session_id not in shared.unmatched,
            "external_references": [],
            "total_size": recording.size_bytes,
            "event_count": recording.event_count,
        }
        for name in shared.method_fields:  # a subclass's own fields (method fields only)
            body[name] = getattr(self, f"get_{name}")(recording)
        for shown, metric, cast in _METRIC_CASTS:
            value = metric.value(recording, shared.metrics)  # type: ignore[misc]
            body[shown] = None if value is None else cast(value)
        return body

    def _representation_context(self) -> _RepresentationContext:
        shared: _RepresentationContext | None = getattr(self, "_shared", None)
        if shared is None:
            environment = self.context["environment"]
            shared = _RepresentationContext(
                environment=environment,
                enrichment=self._enrichment(),
                unmatched=self.context.get("unmatched_session_ids", ()),
                metrics=FieldContext(environment=environment),
                now=timezone.now(),
                zone=timezone.get_current_timezone(),
                method_fields=tuple(
                    name for name in self.Meta.fields if name not in SessionRecordingSerializer.Meta.fields
                ),
            )
            self._shared = shared
        return shared

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
