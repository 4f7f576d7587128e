"""What a recording is folded from besides snapshot blocks: replay segments, linked error events,
clicks, tags, and the element index that resolves posthog-js clicks.

All are keyed like ``SessionEvent``: by environment and ``session_id`` (a posthog-js session id,
or a Sentry replay id as 32 lowercase hex), not by a foreign key, because they may arrive before
their recording exists (a Sentry replay exists only once its segment 0 did). Deleting a
recording deletes its rows (``recordings.services.lifecycle``); every row is written idempotently
by the aggregators (``recordings.services.replays``).
"""

from __future__ import annotations

from django.db import models

from recordings_api.models import Environment


class ReplaySegment(models.Model):
    """One segment of a Sentry replay: its ``replay_event`` and what its ``replay_recording`` held.

    ``event`` is the replay_event's normalized fields (``recordings.services.records.ReplayEventFields``
    as a dict), ``recording`` the metadata of its rrweb events (``{"metadata": BlockMetadata,
    "size_bytes": N}``); either is null until that item arrived. The rrweb events themselves are
    snapshot lines (live buffer, then blobs) carrying ``"segment_id": N``.
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    segment_id = models.PositiveIntegerField()
    event = models.JSONField(null=True, blank=True)
    # The replay_event's own ``timestamp`` (the SDK's flush time) and when it reached us.
    timestamp = models.DateTimeField(null=True, blank=True)
    event_received_at = models.DateTimeField(null=True, blank=True)
    recording = models.JSONField(null=True, blank=True)
    recording_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "segment_id"], name="unique_replay_segment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.segment_id}"


class ErrorIssue(models.Model):
    """An issue: the error events of one environment that share a fingerprint
    (``recordings.grouping``). Its id is what Sentry's ``issue.id`` names (replay-count,
    ``organizations/{org}/issues/``). Title, culprit, level and type come from its first event;
    counts and ``lastSeen`` are read off its events, so a retried event never counts twice.
    Issues outlive the recordings whose deletion removed their events (as Sentry's do).
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=32)  # 32 lowercase hex
    title = models.CharField(max_length=512)
    culprit = models.CharField(max_length=512, blank=True, default="")
    level = models.CharField(max_length=16, default="error")
    exception_type = models.CharField(max_length=256, blank=True, default="")
    exception_value = models.TextField(blank=True, default="")
    platform = models.CharField(max_length=64, blank=True, default="")
    first_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "fingerprint"], name="unique_error_issue")
        ]

    def __str__(self) -> str:
        return self.title


class RecordingError(models.Model):
    """An error event (Sentry ``event`` item, posthog-js ``$exception``), stored minimally.

    ``session_id`` is the recording it is linked to ("" when none): the replay id its own data
    names (``contexts.replay.replay_id``, ``tags.replayId``, the envelope's ``trace.replay_id``),
    the ``$session_id`` of a posthog-js exception, or the replay whose segment reported it.
    ``issue`` is the group its fingerprint falls in: set on every row (migration 0010 grouped the
    rows written before grouping), nullable so that deleting an issue keeps its events.
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32)  # 32 lowercase hex
    session_id = models.CharField(max_length=200, blank=True, default="")
    timestamp = models.DateTimeField()
    level = models.CharField(max_length=16, default="error")
    message = models.TextField(blank=True, default="")
    exception_type = models.CharField(max_length=256, blank=True, default="")
    exception_value = models.TextField(blank=True, default="")
    release = models.CharField(max_length=200, blank=True, default="")
    sdk_environment = models.CharField(max_length=64, blank=True, default="")
    trace_id = models.CharField(max_length=32, blank=True, default="")
    platform = models.CharField(max_length=64, blank=True, default="")
    issue = models.ForeignKey(
        ErrorIssue, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "event_id"], name="unique_recording_error")
        ]
        indexes = [
            models.Index(fields=["environment", "session_id", "timestamp"], name="error_env_session_ts")
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.event_id}"


class ElementFields(models.Model):
    """What a click row and an indexed element keep of an element, with Sentry's limits
    (``recordings.services.records.ElementAttributes``, field for field)."""

    tag = models.CharField(max_length=32, blank=True, default="")
    element_id = models.CharField(max_length=64, blank=True, default="")
    classes = models.JSONField(default=list, blank=True)
    text = models.CharField(max_length=1024, blank=True, default="")
    role = models.CharField(max_length=32, blank=True, default="")
    alt = models.CharField(max_length=64, blank=True, default="")
    testid = models.CharField(max_length=64, blank=True, default="")
    aria_label = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=64, blank=True, default="")
    component_name = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        abstract = True


class RecordingClick(ElementFields):
    """One click row (Sentry's ``replay_actions``): a click, a dead click or a rage click.

    ``source``: ``sentry`` (``ui.click`` / ``ui.slowClickDetected`` breadcrumbs), ``rrweb``
    (posthog-js mouse-interaction clicks resolved against the recorded DOM) or ``event``
    (posthog-js ``$dead_click`` / ``$rageclick`` events). ``click_key`` identifies the row within
    its recording, so a retried request inserts nothing new. Text fields keep Sentry's limits.
    """

    class Source(models.TextChoices):
        SENTRY = "sentry"
        RRWEB = "rrweb"
        EVENT = "event"

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    click_key = models.CharField(max_length=64)
    source = models.CharField(max_length=8, choices=Source.choices)
    timestamp = models.DateTimeField()
    segment_id = models.PositiveIntegerField(null=True, blank=True)
    node_id = models.IntegerField(null=True, blank=True)
    selector = models.TextField(blank=True, default="")
    url = models.TextField(blank=True, default="")
    is_dead = models.BooleanField(default=False)
    is_rage = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "click_key"], name="unique_recording_click"
            )
        ]
        indexes = [
            models.Index(fields=["environment", "session_id", "timestamp"], name="click_env_session_ts")
        ]

    def __str__(self) -> str:
        return f"{self.tag or '?'} {self.click_key}"


class RecordingElement(ElementFields):
    """An element of a live posthog-js session's recorded DOM that clicks can resolve to.

    Indexed from full snapshots and added-node mutations: links, buttons, form controls, labelled
    elements, and the descendants of links and buttons (``target_node_id``: a click on them is a
    click on that ancestor, as Sentry's SDK resolves clicks). rrweb node ids are per window and
    restart with each page load, so the newest snapshot of an id wins. Rows not refreshed for
    ``RECORDING_ELEMENT_TTL`` are pruned: posthog-js re-sends the whole DOM every few minutes.
    """

    # No index of its own: the unique constraint leads with it (one index less per inserted row).
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+", db_index=False)
    session_id = models.CharField(max_length=200)
    window_id = models.CharField(max_length=200)
    node_id = models.IntegerField()
    target_node_id = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "window_id", "node_id"], name="unique_recording_element"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tag} #{self.node_id}"


class RecordingTag(models.Model):
    """One ``key: value`` tag of a recording (its ``tags`` column holds the same, for display)."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "key", "value"], name="unique_recording_tag"
            )
        ]
        indexes = [models.Index(fields=["environment", "key", "value"], name="tag_env_key_value")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class RecordingTrace(models.Model):
    """A trace of a recording: a transaction that named its replay (``trace_ids`` folds these in)."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    trace_id = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "trace_id"], name="unique_recording_trace"
            )
        ]

    def __str__(self) -> str:
        return self.trace_id
