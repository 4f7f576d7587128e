"""Request and response shapes of the comments API (PostHog's ``CommentSerializer``)."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import serializers

from recordings.models import RecordingComment
from recordings_api.serializers import UserBasicSerializer
from recordings_api.strict_input import JSONObjectField, StrictTypesSerializer

REPLAY_SCOPE = "Replay"
MAX_CONTENT_LENGTH = 10_000
MAX_CONTEXT_BYTES = 4096


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


def _context_validate(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise serializers.ValidationError('Must be an object, e.g. {"time_in_recording": 12000}.')
    if len(orjson.dumps(value)) > MAX_CONTEXT_BYTES:
        raise serializers.ValidationError(f"Must be at most {MAX_CONTEXT_BYTES} bytes of JSON.")
    return value


class RecordingCommentUpdateSerializer(StrictTypesSerializer):
    content = serializers.CharField(max_length=MAX_CONTENT_LENGTH, trim_whitespace=False)
    item_context = JSONObjectField(required=False, allow_null=True)
    deleted = serializers.BooleanField(required=False)

    def validate_item_context(self, value: Any) -> dict[str, Any] | None:
        return _context_validate(value)

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
