"""``object_storage_prepare`` creates the bucket once (plain S3 against moto's server), and fails
cleanly when the endpoint never answers."""

from __future__ import annotations

import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from snapshots.storage import get_blob_store
from tests.conftest import S3_CREDENTIALS


def _prepare(*args: str) -> str:
    out = StringIO()
    call_command("object_storage_prepare", *args, stdout=out)
    return out.getvalue().strip()


def test_creates_a_missing_bucket_then_finds_it_ready(s3_endpoint: str) -> None:
    bucket = f"prepare-{uuid.uuid4().hex[:12]}"
    with override_settings(
        OBJECT_STORAGE_ENDPOINT=s3_endpoint, OBJECT_STORAGE_BUCKET=bucket, **S3_CREDENTIALS
    ):
        assert _prepare() == "object storage: bucket created"
        assert _prepare() == "object storage: bucket ready"
        get_blob_store().ping()


def test_creates_the_local_directory(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with override_settings(
        OBJECT_STORAGE_ENDPOINT=None, OBJECT_STORAGE_BUCKET=None, OBJECT_STORAGE_LOCAL_DIR=root
    ):
        assert _prepare() == "object storage: bucket created"
    assert root.is_dir()


def test_an_unreachable_endpoint_is_a_clean_error() -> None:
    unreachable = {
        "OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:1",
        "OBJECT_STORAGE_BUCKET": "down",
        "OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS": 0.2,
        "OBJECT_STORAGE_MAX_ATTEMPTS": 1,
        **S3_CREDENTIALS,
    }
    with (
        override_settings(**unreachable),
        pytest.raises(CommandError, match="object storage is not reachable"),
    ):
        _prepare("--wait", "0")
