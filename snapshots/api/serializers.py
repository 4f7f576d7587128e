"""Input validation and response shapes of the snapshots endpoint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rest_framework import serializers

from snapshots.storage.keys import blob_key_parse

SOURCES = ("blob", "realtime", "blob_v2", "blob_v2_lts")
VERSIONS = ("og", "2024-04-30")
# A blob_v2 block index (``start_blob_key`` / ``end_blob_key``), and its pattern in the document.
BLOCK_INDEX_PATTERN = "^[0-9]{1,9}$"
BLOCK_INDEX = re.compile(BLOCK_INDEX_PATTERN)
# Blocks per blob_v2 call (PostHog's limits): personal API keys, everyone else (sessions, shares).
MAX_BLOCKS_PERSONAL_API_KEY = 20
MAX_BLOCKS = 100


class SnapshotsQuerySerializer(serializers.Serializer):
    """Query parameters. Unknown parameters (e.g. ``sharing_access_token``) are ignored.

    The context's ``max_blocks`` bounds a ``blob_v2`` range (default ``MAX_BLOCKS``). Validated
    ``blob_v2`` ranges come out as ``start``/``end`` integers; ``blob_v2`` with an LTS key as its
    ``blob_key`` (era B) comes out as ``blob_v2_lts``.
    """

    source = serializers.CharField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Omit to list the sources. `blob` streams one stored blob (needs `blob_key`); "
        "`realtime` returns the lines not yet flushed to object storage; `blob_v2` a range of blocks "
        "(`start_blob_key`…`end_blob_key`); `blob_v2_lts` the long-term copy (`blob_key`).",
    )
    blob_key = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="With `source=blob`: a `blob_key` from the sources list, `{first_ms}-{last_ms}`. With "
        "`source=blob_v2_lts`: the long-term copy's key from the sources list.",
    )
    start_blob_key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    end_blob_key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    decompress = serializers.BooleanField(required=False, default=True)
    blob_v2 = serializers.BooleanField(required=False, default=False)
    blob_v2_lts = serializers.BooleanField(required=False, default=False)
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
        """Block indexes are checked whenever given (whatever the source), as documented."""
        for name in ("start_blob_key", "end_blob_key"):
            raw = attrs.get(name)
            if raw is not None and not BLOCK_INDEX.fullmatch(raw):
                raise serializers.ValidationError({name: ["Blob keys must be integers"]}, code="invalid")
        source = attrs.get("source")
        if source == "blob":
            _check_blob_key(attrs.get("blob_key"))
        elif source == "blob_v2" and attrs.get("blob_key"):
            return _era_b_blob_v2(attrs)
        elif source == "blob_v2":
            attrs["start"], attrs["end"] = _block_range(attrs, self.context.get("max_blocks", MAX_BLOCKS))
        elif source == "blob_v2_lts" and not attrs.get("blob_key"):
            raise serializers.ValidationError({"blob_key": ["Must provide a blob key"]}, code="required")
        return attrs


def _check_blob_key(blob_key: str | None) -> None:
    if not blob_key:
        raise serializers.ValidationError({"blob_key": ["Must provide a blob key"]}, code="required")
    if blob_key_parse(blob_key) is None:
        raise serializers.ValidationError(
            {"blob_key": [f"Invalid blob key: {blob_key[:100]}"]}, code="invalid"
        )


def _era_b_blob_v2(attrs: dict[str, Any]) -> dict[str, Any]:
    """Era B's ``source=blob_v2&blob_key=K``: one block index, or the long-term copy's key."""
    blob_key = attrs["blob_key"]
    if BLOCK_INDEX.fullmatch(blob_key):
        attrs["start"] = attrs["end"] = int(blob_key)
    else:
        attrs["source"] = "blob_v2_lts"
    return attrs


def _block_range(attrs: dict[str, Any], max_blocks: int) -> tuple[int, int]:
    raw_start, raw_end = attrs.get("start_blob_key"), attrs.get("end_blob_key")
    if not raw_start or not raw_end:
        attr = "start_blob_key" if not raw_start else "end_blob_key"
        message = "Must provide both start blob key and end blob key"
        raise serializers.ValidationError({attr: [message]}, code="required")
    start, end = int(raw_start), int(raw_end)
    if start > end:
        message = "start_blob_key must not be greater than end_blob_key"
        raise serializers.ValidationError({"start_blob_key": [message]}, code="invalid")
    if end - start + 1 > max_blocks:
        message = f"Cannot request more than {max_blocks} blob keys at once"
        raise serializers.ValidationError({"end_blob_key": [message]}, code="invalid")
    return start, end


class MillisecondDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with milliseconds (blob boundaries are millisecond timestamps)."""

    def to_representation(self, value: datetime | None) -> str | None:  # type: ignore[override]
        if value is None:
            return None
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SnapshotSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=list(SOURCES))  # type: ignore[assignment]
    start_timestamp = MillisecondDateTimeField(
        allow_null=True, help_text="First message of the source; null for `blob_v2_lts`."
    )
    end_timestamp = MillisecondDateTimeField(
        allow_null=True, help_text="Last message of the source; null for `realtime` and `blob_v2_lts`."
    )
    blob_key = serializers.CharField(
        allow_null=True,
        help_text="`blob`: pass as `blob_key`; `blob_v2`: the block index, pass as `start_blob_key` / "
        "`end_blob_key`; `blob_v2_lts`: pass as `blob_key`.",
    )


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
