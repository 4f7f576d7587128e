"""The blob store interface (object keys: ``snapshots.storage.keys``).

Contract (every driver, checked by one shared test suite):
- ``put`` is idempotent: writing the same key with the same bytes again succeeds (a retried
  flush); objects are never modified otherwise.
- "Not found" is a value (``None`` / ``False``), not an exception.
- Any other failure (unreachable endpoint, timeout, denied) raises ``StorageUnavailable``;
  callers turn it into a 503, never into an empty recording.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


class StorageUnavailable(Exception):
    """The object store could not be reached or failed; the operation may be retried."""


class RangeNotSatisfiable(ValueError):
    """``open`` was asked for a byte range starting at or past the end of the object."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str


@dataclass
class ObjectStream:
    """An open object: ``chunks`` yields its stored bytes (gzip for blobs) and must be closed."""

    info: StoredObject
    chunks: Iterator[bytes]

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


class BlobStore(Protocol):
    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        content_encoding: str | None = None,
    ) -> StoredObject:
        """Store ``data`` at ``key`` durably before returning (S3 records the content headers)."""
        ...

    def head(self, key: str) -> StoredObject | None: ...

    def open(self, key: str, *, byte_range: tuple[int, int] | None = None) -> ObjectStream | None:
        """Stream the object (or the inclusive ``byte_range``, its end clamped to the object);
        None when it does not exist; ``RangeNotSatisfiable`` when the range starts past the end.
        ``info.size`` is the whole object's size. Errors while iterating raise
        ``StorageUnavailable`` from the iterator."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many were deleted."""
        ...

    def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the store (bucket/directory) is reachable."""
        ...

    def prepare(self) -> bool:
        """Create the bucket (or directory) when it does not exist; True when it was created.
        Idempotent; raises ``StorageUnavailable`` when the store cannot be reached."""
        ...
