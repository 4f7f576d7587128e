"""Object storage for immutable snapshot blobs: one interface, S3 and local-filesystem drivers.

``get_blob_store()`` picks the driver from settings on every call: S3 when
``OBJECT_STORAGE_ENDPOINT``/``OBJECT_STORAGE_BUCKET`` are set, the local directory
``OBJECT_STORAGE_LOCAL_DIR`` otherwise. S3 clients are cached per configuration (creating one
costs tens of milliseconds); boto3 clients are thread-safe. ``get_blob_store(probe=True)`` is
the same store with one attempt and timeouts no longer than the readiness probe's, so that a
stalled endpoint fails the probe instead of retrying behind it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

from snapshots.storage.base import (
    BlobStore,
    ObjectStream,
    RangeNotSatisfiable,
    StorageUnavailable,
    StoredObject,
)
from snapshots.storage.keys import (
    blob_key_format,
    blob_key_parse,
    blob_object_key,
    long_term_object_key,
    long_term_prefix,
    session_prefix,
)

__all__ = [
    "BlobStore",
    "ObjectStream",
    "RangeNotSatisfiable",
    "StorageUnavailable",
    "StoredObject",
    "blob_key_format",
    "blob_key_parse",
    "blob_object_key",
    "get_blob_store",
    "long_term_object_key",
    "long_term_prefix",
    "session_prefix",
]

_s3_stores: dict[tuple[Any, ...], BlobStore] = {}
_s3_lock = threading.Lock()


def _s3_store(*, probe: bool) -> BlobStore:
    from snapshots.storage.s3 import S3BlobStore

    options: dict[str, Any] = {
        "endpoint_url": settings.OBJECT_STORAGE_ENDPOINT,
        "bucket": settings.OBJECT_STORAGE_BUCKET,
        "region": settings.OBJECT_STORAGE_REGION,
        "access_key_id": settings.OBJECT_STORAGE_ACCESS_KEY_ID,
        "secret_access_key": settings.OBJECT_STORAGE_SECRET_ACCESS_KEY,
        "connect_timeout": float(settings.OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS),
        "read_timeout": float(settings.OBJECT_STORAGE_READ_TIMEOUT_SECONDS),
        "max_attempts": settings.OBJECT_STORAGE_MAX_ATTEMPTS,
    }
    if probe:
        bound = float(settings.READINESS_TIMEOUT_SECONDS)
        options["connect_timeout"] = min(options["connect_timeout"], bound)
        options["read_timeout"] = min(options["read_timeout"], bound)
        options["max_attempts"] = 1
    cache_key = tuple(sorted(options.items()))
    with _s3_lock:
        store = _s3_stores.get(cache_key)
        if store is None:
            store = S3BlobStore(**options)
            _s3_stores[cache_key] = store
        return store


def get_blob_store(*, probe: bool = False) -> BlobStore:
    if settings.OBJECT_STORAGE_ENDPOINT and settings.OBJECT_STORAGE_BUCKET:
        return _s3_store(probe=probe)
    from snapshots.storage.local import LocalBlobStore

    return LocalBlobStore(settings.OBJECT_STORAGE_LOCAL_DIR)
