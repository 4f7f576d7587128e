"""Input validation and response shapes of the snapshots endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from snapshots.storage.keys import blob_key_parse

SOURCES = ("blob", "realtime")
VERSIONS = ("og", "2024-04-30")


class SnapshotsQuerySerializer(serializers.Serializer):
    """Query parameters. Unknown parameters (e.g. ``sharing_access_token``) are ignored."""

    source = serializers.CharField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Omit to list the sources. `blob` streams one stored blob (needs `blob_key`); "
        "`realtime` returns the lines not yet flushed to object storage.",
    )
    blob_key = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="With `source=blob`: a `blob_key` from the sources list, `{first_ms}-{last_ms}`.",
    )
    version = serializers.CharField(
        required=False,
        default="og",
        help_text='With `source=realtime`: `og` (default) returns `{"snapshots": [...]}`, '
        "`2024-04-30` returns JSONL.",
    )

    def validate_source(self, value: str) -> str:
        if value not in SOURCES:
            raise serializers.ValidationError(
                f"Invalid source must be one of {list(SOURCES)}", code="invalid_source"
            )
        return value

    def validate_version(self, value: str) -> str:
        if value not in VERSIONS:
            raise serializers.ValidationError(f"Invalid version: {value}", code="invalid_version")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("source") != "blob":
            return attrs
        blob_key = attrs.get("blob_key")
        if not blob_key:
            raise serializers.ValidationError({"blob_key": ["Must provide a blob key"]}, code="required")
        if blob_key_parse(blob_key) is None:
            raise serializers.ValidationError(
                {"blob_key": [f"Invalid blob key: {blob_key[:100]}"]}, code="invalid"
            )
        return attrs


class MillisecondDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with milliseconds (blob boundaries are millisecond timestamps)."""

    def to_representation(self, value: datetime | None) -> str | None:  # type: ignore[override]
        if value is None:
            return None
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SnapshotSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=list(SOURCES))  # type: ignore[assignment]
    start_timestamp = MillisecondDateTimeField(allow_null=True, help_text="First message of the source.")
    end_timestamp = MillisecondDateTimeField(
        allow_null=True, help_text="Last message of the blob; null for `realtime`."
    )
    blob_key = serializers.CharField(allow_null=True, help_text="Pass as `blob_key` with `source=blob`.")


class SnapshotSourcesSerializer(serializers.Serializer):
    sources = SnapshotSourceSerializer(many=True, help_text="Sorted by `start_timestamp`.")
    blob_count = serializers.IntegerField(help_text="Blobs in object storage.")
    total_size_bytes = serializers.IntegerField(
        help_text="JSONL bytes of all sources, uncompressed (a download size hint)."
    )
    total_compressed_size_bytes = serializers.IntegerField(
        help_text="Stored gzip bytes of the blobs (what `Accept-Encoding: gzip` downloads)."
    )
    total_event_count = serializers.IntegerField(help_text="rrweb events across all sources.")
    realtime_line_count = serializers.IntegerField(help_text="Messages still in the live buffer.")


class RealtimeSnapshotsSerializer(serializers.Serializer):
    snapshots = serializers.ListField(
        child=serializers.DictField(),
        help_text='The buffered messages, each `{"window_id": "…", "data": [rrweb events]}`.',
    )
