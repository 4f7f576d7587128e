"""Request and response shapes of the actions API (PostHog's ``ActionSerializer``)."""

from __future__ import annotations

from typing import Any

import orjson
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from recordings.actions.steps import MAX_STEPS, STEPS_SCHEMA, steps_problem
from recordings.filters.actions import STEP_FIELDS
from recordings.models import Action
from recordings_api.serializers import UserBasicSerializer
from recordings_api.strict_input import PresentTextField, StrictTypesSerializer

MAX_STEPS_BYTES = 64 * 1024
MAX_TAGS = 50


_MATCHING_HELP = "`contains`, `exact` or `regex`."


class ActionStepSerializer(serializers.Serializer):
    """One step as rendered: every field, null when unset (requests: ``steps.STEP_SCHEMA``)."""

    event = serializers.CharField(allow_null=True, required=False, help_text="Event name; empty: any event.")
    properties = serializers.ListField(child=serializers.DictField(), required=False, allow_null=True)
    selector = serializers.CharField(
        allow_null=True, required=False, help_text="CSS selector of the element."
    )
    tag_name = serializers.CharField(allow_null=True, required=False)
    text = serializers.CharField(allow_null=True, required=False)
    text_matching = serializers.CharField(allow_null=True, required=False, help_text=_MATCHING_HELP)
    href = serializers.CharField(allow_null=True, required=False)
    href_matching = serializers.CharField(allow_null=True, required=False, help_text=_MATCHING_HELP)
    url = serializers.CharField(allow_null=True, required=False, help_text="The event's `$current_url`.")
    url_matching = serializers.CharField(allow_null=True, required=False, help_text=_MATCHING_HELP)


class PaddedDateTimeField(serializers.DateTimeField):
    """A client's datetime as the API renders datetimes (``DATETIME_FORMAT``), its year in four
    digits: strftime's ``%Y`` writes the year 83 as ``83`` on glibc, which is no ``date-time``."""

    def to_representation(self, value: Any) -> Any:
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if not value or not isinstance(output_format, str) or output_format.lower() == ISO_8601:
            return super().to_representation(value)
        moment = self.enforce_timezone(value)
        return moment.strftime(output_format.replace("%Y", f"{moment.year:04d}"))


class ActionSerializer(serializers.ModelSerializer[Action]):
    created_by = UserBasicSerializer(read_only=True, allow_null=True)
    steps = ActionStepSerializer(many=True)
    team_id = serializers.IntegerField(source="environment_id")
    is_calculating = serializers.SerializerMethodField()
    last_calculated_at = serializers.DateTimeField(source="updated_at")
    pinned_at = PaddedDateTimeField(allow_null=True)
    is_action = serializers.SerializerMethodField()
    bytecode_error = serializers.SerializerMethodField()
    creation_context = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "name",
            "description",
            "tags",
            "post_to_slack",
            "slack_message_format",
            "steps",
            "created_at",
            "created_by",
            "deleted",
            "is_calculating",
            "last_calculated_at",
            "team_id",
            "is_action",
            "bytecode_error",
            "pinned_at",
            "creation_context",
        ]
        read_only_fields = fields

    def get_is_calculating(self, action: Action) -> bool:
        return False  # matched when queried, never precomputed

    def get_is_action(self, action: Action) -> bool:
        return True

    def get_bytecode_error(self, action: Action) -> str | None:
        return None

    def get_creation_context(self, action: Action) -> str | None:
        return None


@extend_schema_field(STEPS_SCHEMA)
class ActionStepsField(serializers.JSONField):
    """``steps``: a JSON list of steps, documented and checked by ``recordings.actions.steps``."""

    def to_internal_value(self, data: Any) -> Any:
        value: Any = super().to_internal_value(data)
        problem = steps_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem)
        if len(orjson.dumps(value)) > MAX_STEPS_BYTES:
            raise serializers.ValidationError(f"Steps must be at most {MAX_STEPS_BYTES} bytes of JSON.")
        return [{name: step[name] for name in STEP_FIELDS if name in step} for step in value]


class ActionInputSerializer(StrictTypesSerializer):
    """Writable fields; unknown keys (``id``, ``team_id``, …) are ignored as PostHog ignores them."""

    name = PresentTextField(max_length=400)
    description = PresentTextField(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=PresentTextField(max_length=200), required=False, max_length=MAX_TAGS)
    post_to_slack = serializers.BooleanField(required=False)
    slack_message_format = PresentTextField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=1200
    )
    steps = ActionStepsField(
        required=False, help_text=f"At most {MAX_STEPS} steps, {MAX_STEPS_BYTES} bytes of JSON in all."
    )
    deleted = serializers.BooleanField(required=False)
    pinned_at = serializers.DateTimeField(required=False, allow_null=True)
