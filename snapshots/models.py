"""What the database knows about snapshot data.

``RecordingBlob``: one immutable gzip JSONL object in object storage, written by a flush. The
snapshots API lists sources from these rows, never by listing the bucket.
``LiveBufferLine``: the embedded live buffer (used when no ``REDIS_URL`` is configured); it
mirrors the Redis sorted set ``@posthog/replay/snapshots/team-{env}/{session}``.
"""

from __future__ import annotations

from django.db import models

from recordings_api.models import Environment
from snapshots.storage.keys import blob_object_key


class RecordingBlob(models.Model):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    blob_key = models.CharField(max_length=64)  # "{first_ms}-{last_ms}"
    start_timestamp = models.DateTimeField()
    end_timestamp = models.DateTimeField()
    size_bytes = models.PositiveBigIntegerField()  # stored (gzip) size
    uncompressed_size_bytes = models.PositiveBigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    etag = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id", "blob_key"], name="unique_recording_blob"
            )
        ]
        indexes = [
            models.Index(fields=["environment", "session_id", "start_timestamp"], name="blob_env_session")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.blob_key}"

    @property
    def object_key(self) -> str:
        """Where this blob's bytes are stored (``snapshots.storage.keys``)."""
        return blob_object_key(
            environment_id=self.environment_id, session_id=self.session_id, blob_key=self.blob_key
        )


class LiveBufferLine(models.Model):
    environment_id = models.BigIntegerField()
    session_id = models.CharField(max_length=200)
    score = models.BigIntegerField()  # message timestamp, ms
    line = models.TextField()
    line_hash = models.CharField(max_length=64)  # sha256 of line: members are unique like a sorted set's
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment_id", "session_id", "line_hash"], name="unique_live_buffer_line"
            )
        ]
        indexes = [models.Index(fields=["environment_id", "session_id", "score"], name="live_buffer_session")]

    def __str__(self) -> str:
        return f"{self.session_id}@{self.score}"


class IngestLogEntry(models.Model):
    """The embedded ingest log (no ``REDIS_URL``): one accounting record per partition write.

    Written in the same transaction as its lines (``LiveBufferLine``); read by the aggregators,
    which claim entries (``claimed_by``/``claimed_at``), apply them and delete them. An entry
    claimed by a consumer that died is claimed again once ``claimed_at`` is old enough.
    """

    partition = models.PositiveIntegerField(default=0)
    record = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=200, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["claimed_by", "id"], name="ingest_log_claim")]

    def __str__(self) -> str:
        return f"ingest log entry {self.pk}"


class RecordingLongTermCopy(models.Model):
    """The long-term copy of a persisted recording, in PostHog's v2 format (``blob_v2_lts``).

    One object (``object_key``): a single raw snappy stream of the recording's v2 JSONL, built
    from the blobs listed in ``blob_keys`` (in block order); ``segments`` holds
    ``[compressed_bytes, plain_bytes]`` per block so the copy can be decoded while streaming
    (``snapshots.storage.block_format``). A copy is current while the recording has exactly
    those blobs and nothing buffered; otherwise readers serve the blocks themselves.
    """

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    session_id = models.CharField(max_length=200)
    object_key = models.CharField(max_length=512)
    size_bytes = models.PositiveBigIntegerField()
    uncompressed_size_bytes = models.PositiveBigIntegerField()
    blob_keys = models.JSONField(default=list)
    segments = models.JSONField(default=list)
    written_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["environment", "session_id"], name="unique_recording_long_term_copy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} (long-term copy)"
