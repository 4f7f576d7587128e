"""Request and response shapes of the comments API (PostHog's ``CommentSerializer``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recordings.models import RecordingComment
from recordings_api.serializers import UserBasicSerializer
from recordings_api.strict_input import NO_NUL_PATTERN, JSONObjectField, StrictTypesSerializer

REPLAY_SCOPE = "Replay"
MAX_CONTENT_LENGTH = 10_000


class RecordingCommentSerializer(serializers.ModelSerializer[RecordingComment]):
    created_by = UserBasicSerializer(read_only=True, allow_null=True)
    item_id = serializers.CharField(source="session_id", help_text="The recording's session id.")
    scope = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()
    slug = serializers.SerializerMethodField()
    rich_content = serializers.SerializerMethodField()
    source_comment = serializers.SerializerMethodField()

    class Meta:
        model = RecordingComment
        fields = [
            "id",
            "created_by",
            "deleted",
            "mentions",
            "slug",
            "content",
            "rich_content",
            "version",
            "created_at",
            "item_id",
            "item_context",
            "scope",
            "source_comment",
        ]
        read_only_fields = fields

    def get_scope(self, comment: RecordingComment) -> str:
        return REPLAY_SCOPE

    def get_mentions(self, comment: RecordingComment) -> list[int]:
        return []

    def get_slug(self, comment: RecordingComment) -> str:
        return ""

    def get_rich_content(self, comment: RecordingComment) -> dict[str, Any] | None:
        return None

    def get_source_comment(self, comment: RecordingComment) -> str | None:
        return None


MAX_TIME_TEXT_LENGTH = 64
CONTEXT_FIELDS = ("time_in_recording", "is_emoji")
CONTEXT_SCHEMA = {
    "type": "object",
    "nullable": True,
    "additionalProperties": False,
    "properties": {
        "time_in_recording": {
            "nullable": True,
            "anyOf": [
                {"type": "number"},
                {"type": "string", "maxLength": MAX_TIME_TEXT_LENGTH, "pattern": NO_NUL_PATTERN},
            ],
            "description": "Where in the recording: milliseconds from its start, or a timestamp.",
        },
        "is_emoji": {
            "type": "boolean",
            "nullable": True,
            "description": "The content is one emoji (PostHog's quick reactions).",
        },
    },
    "description": 'Where the comment points, e.g. `{"time_in_recording": 12000}`; null: nowhere.',
}


def _context_problem(value: dict[str, Any]) -> str | None:
    """Why ``value`` (an object) is not one ``CONTEXT_SCHEMA`` admits, or None."""
    unknown = sorted(set(value) - set(CONTEXT_FIELDS))
    if unknown:
        return f"Unknown field {unknown[0]!r}: a replay comment's context has time_in_recording and is_emoji."
    at = value.get("time_in_recording")
    if isinstance(at, str):
        if len(at) > MAX_TIME_TEXT_LENGTH:
            return f"time_in_recording must be at most {MAX_TIME_TEXT_LENGTH} characters."
    elif at is not None and (isinstance(at, bool) or not isinstance(at, int | float)):
        return "time_in_recording must be a number of milliseconds, a string or null."
    if value.get("is_emoji") is not None and not isinstance(value["is_emoji"], bool):
        return "is_emoji must be a boolean or null."
    return None


@extend_schema_field(CONTEXT_SCHEMA)
class ReplayContextField(JSONObjectField):
    """``item_context``: null or an object of ``CONTEXT_SCHEMA`` (``_context_problem`` checks it;
    ``JSONObjectField`` refuses a NUL in its text)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise serializers.ValidationError('Must be an object, e.g. {"time_in_recording": 12000}.')
        problem = _context_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem)
        return value


class RecordingCommentUpdateSerializer(StrictTypesSerializer):
    content = serializers.CharField(max_length=MAX_CONTENT_LENGTH, trim_whitespace=False)
    item_context = ReplayContextField(required=False, allow_null=True)
    deleted = serializers.BooleanField(required=False)

    def validate_content(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Must not contain NUL characters.")
        return value


class RecordingCommentCreateSerializer(RecordingCommentUpdateSerializer):
    scope = serializers.ChoiceField(
        choices=[REPLAY_SCOPE],
        error_messages={
            "invalid_choice": f'Only comments on recordings (scope "{REPLAY_SCOPE}") are supported.'
        },
        help_text='Only `"Replay"` (comments on recordings) is supported.',
    )
    item_id = serializers.CharField(max_length=200, help_text="The recording's session id.")


class RecordingCommentListParamsSerializer(serializers.Serializer):
    scope = serializers.CharField(required=False, help_text='`"Replay"`; other scopes have no comments here.')
    item_id = serializers.CharField(
        required=False, max_length=200, help_text="Only this recording's comments."
    )
