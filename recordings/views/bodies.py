"""Request and response bodies of the recordings actions (validation + OpenAPI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from recordings.serializers import MAX_BULK_IDS, SessionRecordingSerializer
from recordings_api.strict_input import PresentTextField, StrictTypesSerializer


class RecordingStrictSerializer(StrictTypesSerializer):
    """Rejects fields it neither declares nor lists in ``ignored_fields`` (400 naming the field)."""

    ignored_fields: frozenset[str] = frozenset()

    @classmethod
    def body_rules(cls) -> list[dict[str, Any]]:
        """What ``validate`` requires beyond the fields, as JSON Schema alternatives (``anyOf``)."""
        return []

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields) - self.ignored_fields)
            if unknown:
                raise serializers.ValidationError({unknown[0]: [f"Unknown field {unknown[0]!r}."]})
        return super().to_internal_value(data)


class RecordingUpdateSerializer(RecordingStrictSerializer):
    """PATCH/PUT body: ``viewed`` and ``analyzed`` are the only writable fields.

    PostHog answers 400 unless ``viewed`` or ``analyzed`` is true. The published docs' example
    sends a read-only recording field instead (``-d distinct_id="string"``): read-only fields of
    the recording object are accepted and ignored, and a body carrying one is a no-op 200.
    """

    ignored_fields = frozenset(SessionRecordingSerializer.Meta.fields) - {"viewed", "analyzed"}
    request_body_required = True  # ``body_rules``: an empty body is a 400

    viewed = serializers.BooleanField(required=False, help_text="true marks the recording viewed by you.")
    analyzed = serializers.BooleanField(
        required=False, help_text="Accepted for PostHog compatibility; no effect."
    )
    player_metadata = serializers.JSONField(
        required=False, allow_null=True, help_text="Accepted for PostHog compatibility; ignored."
    )

    @classmethod
    def body_rules(cls) -> list[dict[str, Any]]:
        true = {"type": "boolean", "not": {"enum": [False]}}  # not an ``enum``: no enum component
        flags = ({"required": [name], "properties": {name: true}} for name in ("viewed", "analyzed"))
        return [*flags, *({"required": [name]} for name in sorted(cls.ignored_fields))]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        sent = set(self.initial_data) if isinstance(self.initial_data, Mapping) else set()
        if not (attrs.get("viewed") or attrs.get("analyzed") or sent & self.ignored_fields):
            raise serializers.ValidationError("At least one of 'viewed' or 'analyzed' must be provided.")
        return attrs


class RecordingStrictSchema(OpenApiSerializerExtension):
    """The document states what ``RecordingStrictSerializer`` enforces: request bodies carry only
    the declared fields and the ``ignored_fields`` (any value, no effect), nothing else; and for
    ``RecordingUpdateSerializer`` the rule of its ``validate`` (``viewed`` or ``analyzed`` true, or
    an ignored field sent)."""

    target_class = RecordingStrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_basic_serializer(self.target, direction)
        if direction != "request":
            return schema
        ignored = sorted(self.target.ignored_fields)
        described = {"description": "A read-only field of the recording: accepted and ignored."}
        schema["properties"] = {**schema.get("properties", {}), **{name: described for name in ignored}}
        schema["additionalProperties"] = False
        rules = self.target.body_rules()
        if rules:
            schema["anyOf"] = rules
        return schema


class RecordingUpdatedSerializer(SessionRecordingSerializer):
    """The recording (as the published docs show) plus PostHog's ``success``."""

    success = serializers.SerializerMethodField()

    class Meta(SessionRecordingSerializer.Meta):
        fields = [*SessionRecordingSerializer.Meta.fields, "success"]
        read_only_fields = fields

    def get_success(self, recording: Any) -> bool:
        return True


class SessionIdField(PresentTextField):
    """A session id: no NUL, not blank once trimmed, 200 characters at most."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=200, **kwargs)


class RecordingsBulkIdsSerializer(RecordingStrictSerializer):
    session_recording_ids = serializers.ListField(
        child=SessionIdField(),
        min_length=1,
        max_length=MAX_BULK_IDS,
        help_text=f"Session ids, 1 to {MAX_BULK_IDS}.",
    )
    date_from = serializers.CharField(
        required=False, help_text="Accepted for PostHog compatibility; ignored."
    )


class RecordingsExistenceInputSerializer(RecordingStrictSerializer):
    session_ids = serializers.ListField(
        child=SessionIdField(),
        min_length=1,
        max_length=MAX_BULK_IDS,
        help_text=f"Session ids, 1 to {MAX_BULK_IDS}.",
    )
    include_outcomes = serializers.BooleanField(required=False, default=False)


class RecordingsExistenceSerializer(serializers.Serializer):
    results = serializers.DictField(child=serializers.BooleanField(), help_text="Session id → exists.")
    outcomes = serializers.DictField(
        child=serializers.DictField(), required=False, help_text="Only with `include_outcomes`; always empty."
    )


class RecordingActionSuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


class RecordingViewedStateSerializer(serializers.Serializer):
    viewed = serializers.BooleanField(help_text="Whether you viewed the recording.")
    other_viewers = serializers.IntegerField(help_text="How many other users viewed it.")


class RecordingsBulkDeleteResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    deleted_count = serializers.IntegerField()
    total_requested = serializers.IntegerField()
    failed_ids = serializers.ListField(child=serializers.CharField())


class RecordingsBulkViewedResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    viewed_count = serializers.IntegerField()
    total_requested = serializers.IntegerField()


class RecordingsBulkNotViewedResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    not_viewed_count = serializers.IntegerField()
    total_requested = serializers.IntegerField()


class RecordingMatchingEventSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    timestamp = serializers.DateTimeField()
    event = serializers.CharField()


class RecordingMatchingEventsSerializer(serializers.Serializer):
    results = RecordingMatchingEventSerializer(many=True)


class RecordingSessionPropertiesSerializer(serializers.Serializer):
    id = serializers.CharField()
    properties = serializers.DictField()


class RecordingSessionPropertiesListSerializer(serializers.Serializer):
    results = RecordingSessionPropertiesSerializer(many=True)


class SimilarRecordingSerializer(serializers.Serializer):
    id = serializers.CharField(source="session_id")
    similarity = serializers.FloatField(help_text="Jaccard index of visited pages and event names, 0..1.")
    start_time = serializers.DateTimeField()
    shared_urls = serializers.ListField(child=serializers.CharField())
    shared_events = serializers.ListField(child=serializers.CharField())


class SimilarRecordingsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SimilarRecordingSerializer(many=True)


class SummaryPageSerializer(serializers.Serializer):
    url = serializers.CharField(allow_null=True)
    entered_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.IntegerField(allow_null=True)


class SummaryClickSerializer(serializers.Serializer):
    """One rage or dead click of the recording's click index."""

    timestamp = serializers.DateTimeField()
    element = serializers.CharField(help_text="The CSS selector, else tag#id.classes of the element.")
    text = serializers.CharField(help_text="The element's text (may be empty).")
    url = serializers.CharField(help_text="The page the click happened on (may be empty).")


class SummaryClicksSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    autocapture_clicks = serializers.IntegerField()
    dead_clicks = serializers.IntegerField()
    rage_clicks = serializers.IntegerField()


class SummaryExceptionSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    level = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)


class SummaryErrorsSerializer(serializers.Serializer):
    console_error_count = serializers.IntegerField()
    console_warn_count = serializers.IntegerField()
    count_errors = serializers.IntegerField()
    exceptions = SummaryExceptionSerializer(many=True)


class SummaryIdlePeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    seconds = serializers.IntegerField()


class SummaryInactivitySerializer(serializers.Serializer):
    inactive_seconds = serializers.IntegerField()
    idle_periods = SummaryIdlePeriodSerializer(many=True)


class RecordingSummarySerializer(serializers.Serializer):
    session_id = serializers.CharField()
    summary = serializers.CharField(help_text="A few sentences built from the fields below.")
    duration_seconds = serializers.IntegerField()
    active_seconds = serializers.IntegerField()
    pages = SummaryPageSerializer(many=True)
    clicks = SummaryClicksSerializer()
    rage_clicks = SummaryClickSerializer(many=True)
    dead_clicks = SummaryClickSerializer(many=True)
    inactivity = SummaryInactivitySerializer()

    def get_fields(self) -> Any:
        # ``errors`` would shadow ``Serializer.errors`` as a class attribute.
        fields = super().get_fields()
        fields["errors"] = SummaryErrorsSerializer()
        return fields
