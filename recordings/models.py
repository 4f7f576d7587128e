"""Recordings metadata, persons, session events and viewed marks.

A ``SessionRecording`` row is the aggregated metadata of one session of one environment,
maintained by ingestion (``snapshots``). Its snapshot data lives in object storage and the
live buffer, never here. ``DeletedRecording`` is a tombstone: once a session is deleted,
ingestion drops anything still arriving for it, so it never shows again.
"""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.db import models

from recordings import stored_metrics
from recordings_api.models import Environment


class Person(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="persons")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    properties = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["environment", "uuid"], name="unique_person_uuid")]

    def __str__(self) -> str:
        return str(self.uuid)


class PersonDistinctId(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="distinct_ids")
    distinct_id = models.CharField(max_length=400)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "distinct_id"], name="unique_person_distinct_id")
        ]

    def __str__(self) -> str:
        return self.distinct_id


class SessionRecording(models.Model):
    class SnapshotSource(models.TextChoices):
        WEB = "web"
        MOBILE = "mobile"
        UNKNOWN = "unknown"

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="recordings")
    session_id = models.CharField(max_length=200)
    distinct_id = models.CharField(max_length=400, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    click_count = models.PositiveIntegerField(default=0)
    keypress_count = models.PositiveIntegerField(default=0)
    mouse_activity_count = models.PositiveIntegerField(default=0)
    active_milliseconds = models.PositiveBigIntegerField(default=0)
    console_log_count = models.PositiveIntegerField(default=0)
    console_warn_count = models.PositiveIntegerField(default=0)
    console_error_count = models.PositiveIntegerField(default=0)
    start_url = models.CharField(max_length=512, null=True, blank=True)
    # First timestamp of the ingested block start_url came from: the earliest block with a URL wins,
    # whatever order blocks arrive in (PostHog's argMin(first_url, first_timestamp)).
    start_url_timestamp = models.DateTimeField(null=True, blank=True)
    urls = models.JSONField(default=list, blank=True)
    snapshot_source = models.CharField(
        max_length=32, choices=SnapshotSource.choices, default=SnapshotSource.WEB
    )
    snapshot_library = models.CharField(max_length=64, null=True, blank=True)
    # Properties of the session's first pageview/autocapture ($browser, $os, $device_type, …).
    first_event_properties = models.JSONField(default=dict, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)
    retention_period_days = models.PositiveIntegerField(null=True, blank=True)
    # Kept past retention ("object_storage_lts"): persisted explicitly, pinned, or shared.
    persisted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_ingested_at = models.DateTimeField(auto_now=True)

    # --- What lists filter and order by, stored so that no read computes it per row.
    # Midnight UTC of the expiry day, NULL when persisted; every writer stamps it
    # (``recordings.expiry`` states the rule and who maintains it).
    expires_at = models.DateTimeField(null=True, blank=True)
    # Computed by the database on every write (``recordings.stored_metrics``).
    duration = models.GeneratedField(
        expression=stored_metrics.duration_column_formula(),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    activity_score = models.GeneratedField(
        expression=stored_metrics.activity_score_formula(),
        output_field=models.FloatField(null=True),
        db_persist=True,
    )

    # --- What the Sentry face shows, for recordings of either SDK (``recordings.services.replays``
    # folds Sentry replay segments into them; posthog-js recordings get what their data says).
    sdk_name = models.CharField(max_length=128, blank=True, default="")
    sdk_version = models.CharField(max_length=64, blank=True, default="")
    # The SDK's own ``environment`` string ("production"), never one of our Environments.
    sdk_environment = models.CharField(max_length=64, blank=True, default="")
    platform = models.CharField(max_length=64, blank=True, default="")
    replay_type = models.CharField(max_length=16, blank=True, default="")
    dist = models.CharField(max_length=64, blank=True, default="")
    releases = models.JSONField(default=list, blank=True)
    # The application's user as the SDK reported it (Sentry's ``user``), not one of our users.
    app_user_id = models.CharField(max_length=128, blank=True, default="")
    app_user_email = models.CharField(max_length=256, blank=True, default="")
    app_user_username = models.CharField(max_length=128, blank=True, default="")
    app_user_ip = models.CharField(max_length=45, blank=True, default="")
    browser_name = models.CharField(max_length=64, blank=True, default="")
    browser_version = models.CharField(max_length=64, blank=True, default="")
    os_name = models.CharField(max_length=64, blank=True, default="")
    os_version = models.CharField(max_length=64, blank=True, default="")
    device_name = models.CharField(max_length=64, blank=True, default="")
    device_brand = models.CharField(max_length=64, blank=True, default="")
    device_model = models.CharField(max_length=64, blank=True, default="")
    device_family = models.CharField(max_length=64, blank=True, default="")
    tags = models.JSONField(default=dict, blank=True)  # {key: [distinct values]}
    trace_ids = models.JSONField(default=list, blank=True)  # 32-hex, distinct
    # Linked events by level (32-hex, distinct; ``recordings.services.replay_errors`` has the rule).
    error_ids = models.JSONField(default=list, blank=True)
    warning_ids = models.JSONField(default=list, blank=True)
    info_ids = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    info_count = models.PositiveIntegerField(default=0)
    # Every URL entered, in order (Sentry: segment by segment, repeats kept; posthog-js: ``urls``
    # without the cap of 25). ``url_count`` is its length.
    visited_urls = models.JSONField(default=list, blank=True)
    url_count = models.PositiveIntegerField(default=0)
    segment_count = models.PositiveIntegerField(default=0)  # Sentry segments; posthog-js: blocks
    dead_click_count = models.PositiveIntegerField(default=0)
    rage_click_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "session_id"], name="unique_recording_session")
        ]
        indexes = [
            # The default order (start_time, then id as the tie-breaker) read straight off the index.
            models.Index(fields=["environment", "-start_time", "-id"], name="recording_env_start_id"),
            models.Index(fields=["environment", "distinct_id"], name="recording_env_distinct"),
            # The other orders the list offers most, each with the default order's tie-breakers,
            # so a page is the first rows of an index scan (``recordings.filters.ordering``).
            # The activity score's (NULLS LAST, which SQLite indexes cannot say) is created by
            # migration 0008 for each database.
            models.Index(
                fields=["environment", "-duration", "-start_time", "-id"], name="recording_env_duration"
            ),
            models.Index(
                fields=["environment", "-console_error_count", "-start_time", "-id"],
                name="recording_env_errors",
            ),
            models.Index(fields=["environment", "start_url"], name="recording_env_start_url"),
        ]

    def __str__(self) -> str:
        return self.session_id

    # Python twins of ``recordings.metrics`` (its docstring gives PostHog's formulas).
    @property
    def duration_seconds(self) -> int:
        """Whole-second boundaries crossed (ClickHouse ``dateDiff('second', start, end)``)."""
        return max(0, math.floor(self.end_time.timestamp()) - math.floor(self.start_time.timestamp()))

    @property
    def active_seconds(self) -> int:
        return int(self.active_milliseconds // 1000)

    @property
    def inactive_seconds(self) -> int:
        """``duration - active_milliseconds / 1000`` clamped at 0, truncated."""
        return max(0, int(self.duration_seconds - self.active_milliseconds / 1000))


class DeletedRecording(models.Model):
    """Tombstone of a deleted session: ingestion ignores it, lists and lookups never show it."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    deleted_at = models.DateTimeField(auto_now_add=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "session_id"], name="unique_deleted_recording")
        ]

    def __str__(self) -> str:
        return f"deleted {self.session_id}"


class SessionEvent(models.Model):
    """A non-snapshot event ($pageview, $autocapture, custom) of a session."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField()
    session_id = models.CharField(max_length=200, db_index=False)
    window_id = models.CharField(max_length=200, blank=True, default="")
    event = models.CharField(max_length=400)
    distinct_id = models.CharField(max_length=400)
    timestamp = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["environment", "uuid"], name="unique_session_event")]
        indexes = [
            models.Index(fields=["environment", "session_id", "timestamp"], name="event_env_session_ts")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uuid}"


class SessionRecordingViewed(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "user", "session_id"], name="unique_recording_viewed"
            )
        ]
        indexes = [models.Index(fields=["environment", "session_id"], name="viewed_env_session")]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.session_id}"


class IngestedBlock(models.Model):
    """A snapshot block already counted into its recording's metadata.

    Aggregation records every block it applies here, in the same transaction, so a retried
    capture request or a log entry read twice (a crash before its acknowledgement) is counted
    once. Rows older than the live buffer's TTL are pruned: a retry cannot come later than that.
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    block_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "block_key"], name="unique_ingested_block"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.block_key}"


class Group(models.Model):
    """A group (``$groupidentify``: company, team, …) and its properties."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    group_type = models.CharField(max_length=400)
    group_key = models.CharField(max_length=400)
    properties = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "group_type", "group_key"], name="unique_group")
        ]

    def __str__(self) -> str:
        return f"{self.group_type}:{self.group_key}"


class Action(models.Model):
    """PostHog's action: a named definition an event matches when it matches any of its steps.

    ``steps`` is a list of ``{"event", "url", "url_matching", "selector", "tag_name", "text",
    "text_matching", "href", "href_matching", "properties"}`` objects (every field optional;
    validated by ``recordings.actions.serializers``); ``recordings.filters.actions`` turns them
    into event conditions. Actions are never hard-deleted through the API (``deleted`` hides one).
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=400)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    steps = models.JSONField(default=list, blank=True)
    post_to_slack = models.BooleanField(default=False)
    slack_message_format = models.CharField(max_length=1200, blank=True, default="")
    deleted = models.BooleanField(default=False)
    pinned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["environment", "deleted", "name"], name="action_env_name")]

    def __str__(self) -> str:
        return self.name


class RecordingComment(models.Model):
    """A comment on a recording (PostHog's ``Comment`` with ``scope: "Replay"``, ``item_id`` = the
    session id); ``item_context`` typically holds ``{"time_in_recording": …}``. Matched by the
    recordings ``comment_text`` filter; never hard-deleted through the API (``deleted``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    content = models.TextField()
    item_context = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    deleted = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["environment", "session_id", "created_at"], name="comment_env_session")
        ]

    def __str__(self) -> str:
        return f"Comment on {self.session_id}"


# Replay segments, linked error events, click rows and the element index (``replay_models``).
from recordings.replay_models import (  # noqa: E402
    ErrorIssue,
    RecordingClick,
    RecordingElement,
    RecordingError,
    RecordingTag,
    RecordingTrace,
    ReplaySegment,
)

__all__ = [
    "Action",
    "DeletedRecording",
    "ErrorIssue",
    "Group",
    "IngestedBlock",
    "Person",
    "PersonDistinctId",
    "RecordingClick",
    "RecordingComment",
    "RecordingElement",
    "RecordingError",
    "RecordingTag",
    "RecordingTrace",
    "ReplaySegment",
    "SessionEvent",
    "SessionRecording",
    "SessionRecordingViewed",
]
