"""Backend fixtures for the snapshots tests: every contract suite runs against every driver.

``live_buffer`` is parametrized over the database driver and real Redis; ``blob_store`` over the
local filesystem and S3 through moto's server mode (a fresh bucket per test). Both switch the
settings the factories read, so code under test that calls ``get_live_buffer()`` or
``get_blob_store()`` itself uses the same backend.
"""

from __future__ import annotations

import pytest

from snapshots.live_buffer import LiveBuffer, get_live_buffer
from snapshots.storage import BlobStore, get_blob_store


@pytest.fixture
def live_buffer(live_buffer_backend: str) -> LiveBuffer:
    return get_live_buffer()


@pytest.fixture
def blob_store(blob_store_backend: str) -> BlobStore:
    return get_blob_store()


@pytest.fixture
def backends(live_buffer_backend: str, blob_store_backend: str) -> tuple[str, str]:
    """Both backends switched together (API and flush tests)."""
    return live_buffer_backend, blob_store_backend
