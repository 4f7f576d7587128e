"""Request and response shapes of the actions API (PostHog's ``ActionSerializer``)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from recordings.filters.actions import MATCHING_OPERATORS, STEP_FIELDS, STEP_PROPERTY_TYPES, STEP_TEXT_FIELDS
from recordings.filters.elements import selector_regex
from recordings.filters.properties import property_filters_parse
from recordings.models import Action
from recordings_api.serializers import UserBasicSerializer
from recordings_api.strict_input import StrictTypesSerializer

MAX_STEPS = 50
MAX_STEPS_BYTES = 64 * 1024
MAX_TAGS = 50


_MATCHING_HELP = "`contains`, `exact` or `regex`."


class ActionStepSerializer(serializers.Serializer):
    """One step (documentation of the shape; steps are validated by ``validate_steps``)."""

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


class ActionSerializer(serializers.ModelSerializer[Action]):
    created_by = UserBasicSerializer(read_only=True, allow_null=True)
    steps = ActionStepSerializer(many=True)
    team_id = serializers.IntegerField(source="environment_id")
    is_calculating = serializers.SerializerMethodField()
    last_calculated_at = serializers.DateTimeField(source="updated_at")
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


def _step_validate(step: Any, index: int) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise serializers.ValidationError(f"Step {index} must be an object.")
    unknown = sorted(set(step) - set(STEP_FIELDS))
    if unknown:
        raise serializers.ValidationError(f"Step {index} has an unknown field {unknown[0]!r}.")
    for name in STEP_TEXT_FIELDS:
        if step.get(name) is not None and not isinstance(step[name], str):
            raise serializers.ValidationError(f"Step {index}: '{name}' must be a string or null.")
    for name in ("url_matching", "text_matching", "href_matching"):
        if step.get(name) not in (None, *MATCHING_OPERATORS):
            raise serializers.ValidationError(
                f"Step {index}: '{name}' must be one of {', '.join(MATCHING_OPERATORS)}."
            )
    try:
        if step.get("selector"):
            selector_regex(step["selector"], param="steps")
        property_filters_parse(step.get("properties"), param="steps", types=STEP_PROPERTY_TYPES)
    except serializers.ValidationError as error:
        messages = error.detail.get("steps", error.detail) if isinstance(error.detail, dict) else error.detail
        first = messages[0] if isinstance(messages, list) and messages else messages
        raise serializers.ValidationError(f"Step {index}: {first}") from None
    return {name: step.get(name) for name in STEP_FIELDS if name in step}


class ActionInputSerializer(StrictTypesSerializer):
    """Writable fields; unknown keys (``id``, ``team_id``, …) are ignored as PostHog ignores them."""

    name = serializers.CharField(max_length=400)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=MAX_TAGS
    )
    post_to_slack = serializers.BooleanField(required=False)
    slack_message_format = serializers.CharField(required=False, allow_blank=True, max_length=1200)
    steps = serializers.JSONField(required=False, help_text="A list of steps (see `ActionStep`).")
    deleted = serializers.BooleanField(required=False)
    pinned_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_steps(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise serializers.ValidationError("Steps must be a list of objects.")
        if len(value) > MAX_STEPS:
            raise serializers.ValidationError(f"An action has at most {MAX_STEPS} steps.")
        if len(orjson.dumps(value)) > MAX_STEPS_BYTES:
            raise serializers.ValidationError(f"Steps must be at most {MAX_STEPS_BYTES} bytes of JSON.")
        return [_step_validate(step, index) for index, step in enumerate(value)]
