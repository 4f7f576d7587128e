"""One contract suite for every blob store driver: the local directory and S3 via moto server."""

from __future__ import annotations

import gzip
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from django.test import Client, override_settings

from snapshots.storage import (
    BlobStore,
    RangeNotSatisfiable,
    StorageUnavailable,
    blob_key_parse,
    blob_object_key,
    get_blob_store,
    session_prefix,
)
from snapshots.storage.local import LocalBlobStore
from snapshots.storage.s3 import S3BlobStore
from tests.conftest import S3_CREDENTIALS
from tests.snapshots.test_snapshots_api_support import CuttingProxy

KEY = blob_object_key(environment_id=3, session_id="sess-1", blob_key="1000-2000")


def read_all(store: BlobStore, key: str, byte_range: tuple[int, int] | None = None) -> bytes:
    stream = store.open(key, byte_range=byte_range)
    assert stream is not None
    try:
        return b"".join(stream.chunks)
    finally:
        stream.close()


def test_blob_object_key_layout() -> None:
    assert KEY == "session_recordings/team_id/3/session_id/sess-1/data/1000-2000"
    assert KEY.startswith(session_prefix(environment_id=3, session_id="sess-1"))


@pytest.mark.parametrize(
    ("blob_key", "parsed"),
    [
        ("1000-2000", (1000, 2000)),
        ("0-0", (0, 0)),
        ("1000", None),
        ("-1000-2000", None),
        ("1000-2000/../x", None),
        ("1000-\uff12\uff10\uff10\uff10", None),  # fullwidth digits are not digits here
        ("1" * 40 + "-" + "2" * 40, None),  # longer than any key we write
        (" 1000-2000", None),
    ],
)
def test_blob_keys_parse_strictly(blob_key: str, parsed: tuple[int, int] | None) -> None:
    assert blob_key_parse(blob_key) == parsed


def test_an_object_key_is_never_built_from_a_malformed_blob_key() -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        blob_object_key(environment_id=3, session_id="sess-1", blob_key="../../etc/passwd")


def test_driver_follows_settings(blob_store_backend: str, blob_store: BlobStore) -> None:
    assert isinstance(blob_store, S3BlobStore if blob_store_backend == "s3" else LocalBlobStore)


def test_put_then_head_and_open(blob_store: BlobStore) -> None:
    data = gzip.compress(b'{"window_id":"w","data":[]}\n' * 100)

    stored = blob_store.put(KEY, data, content_type="application/json", content_encoding="gzip")

    assert (stored.key, stored.size) == (KEY, len(data))
    assert stored.etag
    assert blob_store.head(KEY) == stored
    stream = blob_store.open(KEY)
    assert stream is not None and stream.info == stored
    stream.close()
    assert read_all(blob_store, KEY) == data


def test_put_is_idempotent_for_identical_bytes(blob_store: BlobStore) -> None:
    first = blob_store.put(KEY, b"same bytes")
    second = blob_store.put(KEY, b"same bytes")

    assert first == second
    assert read_all(blob_store, KEY) == b"same bytes"


def test_missing_objects_are_values_not_errors(blob_store: BlobStore) -> None:
    assert blob_store.head(KEY) is None
    assert blob_store.open(KEY) is None
    assert blob_store.open(KEY, byte_range=(0, 10)) is None


def test_large_object_streams_in_chunks(blob_store: BlobStore) -> None:
    data = bytes(range(256)) * 4096 + b"tail"  # 1 MiB and a bit: several chunks
    blob_store.put(KEY, data)

    stream = blob_store.open(KEY)
    assert stream is not None
    chunks = list(stream.chunks)
    stream.close()

    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) <= 1024 * 1024
    assert b"".join(chunks) == data


@pytest.mark.parametrize(
    ("byte_range", "expected"),
    [((0, 0), b"0"), ((2, 5), b"2345"), ((7, 9), b"789"), ((8, 500), b"89"), ((0, 9), b"0123456789")],
)
def test_byte_ranges_are_inclusive_and_clamped(
    blob_store: BlobStore, byte_range: tuple[int, int], expected: bytes
) -> None:
    blob_store.put(KEY, b"0123456789")

    stream = blob_store.open(KEY, byte_range=byte_range)
    assert stream is not None
    assert stream.info.size == 10
    assert b"".join(stream.chunks) == expected
    stream.close()


def test_range_past_the_end_is_not_satisfiable(blob_store: BlobStore) -> None:
    blob_store.put(KEY, b"0123456789")

    with pytest.raises(RangeNotSatisfiable):
        blob_store.open(KEY, byte_range=(10, 20))


def test_closing_an_unread_stream_is_safe(blob_store: BlobStore) -> None:
    blob_store.put(KEY, b"x" * 300_000)
    stream = blob_store.open(KEY)
    assert stream is not None
    stream.close()

    assert read_all(blob_store, KEY) == b"x" * 300_000  # the store still serves after an abandoned read


def test_delete_prefix_deletes_only_that_session(blob_store: BlobStore) -> None:
    keys = [
        blob_object_key(environment_id=3, session_id="sess-1", blob_key=f"{n}-{n + 1}") for n in (1, 5, 9)
    ]
    other_session = blob_object_key(environment_id=3, session_id="sess-10", blob_key="1-2")
    other_environment = blob_object_key(environment_id=4, session_id="sess-1", blob_key="1-2")
    for key in [*keys, other_session, other_environment]:
        blob_store.put(key, b"data")

    deleted = blob_store.delete_prefix(session_prefix(environment_id=3, session_id="sess-1"))

    assert deleted == 3
    assert [blob_store.head(key) for key in keys] == [None, None, None]
    assert blob_store.head(other_session) is not None
    assert blob_store.head(other_environment) is not None
    assert blob_store.delete_prefix(session_prefix(environment_id=3, session_id="sess-1")) == 0


def test_ping_succeeds_on_a_usable_store_and_fails_on_an_unusable_one(
    blob_store_backend: str, blob_store: BlobStore, tmp_path: Path
) -> None:
    blob_store.ping()
    if blob_store_backend == "s3":
        unusable = override_settings(OBJECT_STORAGE_BUCKET="no-such-bucket-for-ping")
    else:
        (tmp_path / "a-file").write_bytes(b"")
        unusable = override_settings(OBJECT_STORAGE_LOCAL_DIR=tmp_path / "a-file" / "store")
    with unusable, pytest.raises(StorageUnavailable):
        get_blob_store().ping()


@pytest.mark.parametrize(
    "key", ["../escape", "a/../../b", "/etc/passwd", "a//b", "a/.hidden", "a\\b", "a/\0"]
)
def test_local_store_rejects_traversal(tmp_path: Path, key: str) -> None:
    store = LocalBlobStore(tmp_path / "root")

    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.open(key)
    assert not (tmp_path / "escape").exists()


def test_local_store_writes_atomically_without_leftovers(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put(KEY, b"first")
    store.put(KEY, b"second")

    directory = (tmp_path / KEY).parent
    assert [path.name for path in directory.iterdir()] == ["1000-2000"]
    assert (tmp_path / KEY).read_bytes() == b"second"


def test_s3_objects_keep_content_headers(s3_settings: dict[str, str]) -> None:
    get_blob_store().put(
        KEY, gzip.compress(b"{}\n"), content_type="application/json", content_encoding="gzip"
    )
    client = boto3.client(
        "s3",
        endpoint_url=s3_settings["OBJECT_STORAGE_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    head = client.head_object(Bucket=s3_settings["OBJECT_STORAGE_BUCKET"], Key=KEY)

    assert (head["ContentType"], head["ContentEncoding"]) == ("application/json", "gzip")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


@pytest.mark.parametrize("operation", ["put", "head", "open", "delete_prefix", "ping"])
def test_unreachable_s3_raises_unavailable(closed_port: int, operation: str) -> None:
    settings = {
        "OBJECT_STORAGE_ENDPOINT": f"http://127.0.0.1:{closed_port}",
        "OBJECT_STORAGE_BUCKET": "unreachable",
        "OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS": 0.2,
        "OBJECT_STORAGE_READ_TIMEOUT_SECONDS": 0.2,
        "OBJECT_STORAGE_MAX_ATTEMPTS": 1,
        **S3_CREDENTIALS,
    }
    with override_settings(**settings):
        store = get_blob_store()
        calls = {
            "put": lambda: store.put(KEY, b"x"),
            "head": lambda: store.head(KEY),
            "open": lambda: store.open(KEY),
            "delete_prefix": lambda: store.delete_prefix("session_recordings/"),
            "ping": store.ping,
        }
        with pytest.raises(StorageUnavailable):
            calls[operation]()


def test_missing_bucket_is_unavailable_not_empty(s3_settings: dict[str, str]) -> None:
    with override_settings(OBJECT_STORAGE_BUCKET="no-such-bucket-here"):
        store = get_blob_store()
        with pytest.raises(StorageUnavailable):
            store.ping()
        with pytest.raises(StorageUnavailable):
            store.put(KEY, b"x")


def test_readiness_reports_object_storage_and_live_buffer(
    client: Client, s3_settings: dict[str, str], db: None
) -> None:
    # What is reported, not how fast: a starved machine (a first boto3 client loading its data
    # files under load) must not turn a healthy store into ``failed``. The bound has its own tests.
    with override_settings(READINESS_TIMEOUT_SECONDS=30.0):
        response = client.get("/_readyz")

    assert response.json()["checks"]["object_storage"] == "ok"
    assert response.json()["checks"]["live_buffer"] == "ok"


def test_readiness_fails_when_object_storage_is_down(client: Client, closed_port: int, db: None) -> None:
    with override_settings(
        OBJECT_STORAGE_ENDPOINT=f"http://127.0.0.1:{closed_port}",
        OBJECT_STORAGE_BUCKET="down",
        OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS=0.2,
        OBJECT_STORAGE_MAX_ATTEMPTS=1,
    ):
        response = client.get("/_readyz")

    assert response.status_code == 503
    assert "object_storage" in response.json()["failed"]


def test_s3_failure_while_streaming_raises_unavailable_from_the_iterator(s3_settings: dict[str, str]) -> None:
    data = os.urandom(1_500_000)  # incompressible, several chunks
    get_blob_store().put(KEY, data)
    host, port = s3_settings["OBJECT_STORAGE_ENDPOINT"].removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), cut_after=600_000)
    try:
        with override_settings(OBJECT_STORAGE_ENDPOINT=proxy.url, OBJECT_STORAGE_MAX_ATTEMPTS=1):
            stream = get_blob_store().open(KEY)
            assert stream is not None
            received = b""
            with pytest.raises(StorageUnavailable):
                for chunk in stream.chunks:
                    received += chunk
            stream.close()
    finally:
        proxy.close()

    assert 0 < len(received) < len(data)
    assert data.startswith(received)
