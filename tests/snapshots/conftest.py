"""Backend fixtures for the snapshots tests: every contract suite runs against every driver.

``live_buffer`` is parametrized over the database driver and real Redis; ``blob_store`` over the
local filesystem and S3 through moto's server mode (a fresh bucket per test). Both switch the
settings the factories read, so code under test that calls ``get_live_buffer()`` or
``get_blob_store()`` itself uses the same backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.test import override_settings

from snapshots.live_buffer import LiveBuffer, get_live_buffer
from snapshots.storage import BlobStore, get_blob_store

S3_CREDENTIALS = {"OBJECT_STORAGE_ACCESS_KEY_ID": "testing", "OBJECT_STORAGE_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Personas are created with passwords; the production hasher costs ~1 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["database", "redis"])
def live_buffer_backend(request: pytest.FixtureRequest, db: Any) -> Iterator[str]:
    """Settings for the chosen live buffer driver; yields its name."""
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    with override_settings(REDIS_URL=url):
        yield request.param


@pytest.fixture
def live_buffer(live_buffer_backend: str) -> LiveBuffer:
    return get_live_buffer()


def make_bucket(endpoint: str) -> str:
    name = f"test-{uuid.uuid4().hex[:20]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(s3_endpoint: str) -> Iterator[dict[str, Any]]:
    """Object storage settings pointing at moto server with a fresh bucket."""
    values = {"OBJECT_STORAGE_ENDPOINT": s3_endpoint, "OBJECT_STORAGE_BUCKET": make_bucket(s3_endpoint)}
    values.update(S3_CREDENTIALS)
    with override_settings(**values):
        yield values


@pytest.fixture
def local_settings(tmp_path: Path) -> Iterator[dict[str, Any]]:
    values = {
        "OBJECT_STORAGE_ENDPOINT": None,
        "OBJECT_STORAGE_BUCKET": None,
        "OBJECT_STORAGE_LOCAL_DIR": tmp_path / "object_storage",
    }
    with override_settings(**values):
        yield values


@pytest.fixture(params=["local", "s3"])
def blob_store_backend(request: pytest.FixtureRequest) -> str:
    request.getfixturevalue("s3_settings" if request.param == "s3" else "local_settings")
    return str(request.param)


@pytest.fixture
def blob_store(blob_store_backend: str) -> BlobStore:
    return get_blob_store()


@pytest.fixture
def backends(live_buffer_backend: str, blob_store_backend: str) -> tuple[str, str]:
    """Both backends switched together (API and flush tests)."""
    return live_buffer_backend, blob_store_backend


@pytest.fixture(params=[("database", "local"), ("redis", "s3")], ids=["database-local", "redis-s3"])
def snapshot_backends(request: pytest.FixtureRequest, db: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The embedded pair (database buffer, local storage) and the production pair (Redis, S3)."""
    buffer_name, storage_name = request.param
    values: dict[str, Any] = {
        "REDIS_URL": request.getfixturevalue("redis_url") if buffer_name == "redis" else None
    }
    if storage_name == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        values.update(
            S3_CREDENTIALS, OBJECT_STORAGE_ENDPOINT=endpoint, OBJECT_STORAGE_BUCKET=make_bucket(endpoint)
        )
    else:
        values.update(
            OBJECT_STORAGE_ENDPOINT=None,
            OBJECT_STORAGE_BUCKET=None,
            OBJECT_STORAGE_LOCAL_DIR=tmp_path / "objects",
        )
    with override_settings(**values):
        yield buffer_name, storage_name
