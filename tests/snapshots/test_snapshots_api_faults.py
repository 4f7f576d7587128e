"""Faults of the snapshots endpoint: object storage or the live buffer down before a request
(503 in the error shape, with Retry-After), object storage dying in the middle of a body (the
body raises, so the server aborts the connection: never a short body that ends cleanly), and
stored objects that disagree with their rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.errors import DEPENDENCY_DOWN
from recordings_api.models import Environment
from snapshots.api.blob_http import BodyLengthMismatch
from snapshots.api.blob_response import STORAGE_DOWN
from snapshots.api.views import BUFFER_DOWN
from snapshots.models import RecordingBlob
from snapshots.storage import StorageUnavailable, get_blob_store
from tests.conftest import cache_outage
from tests.snapshots.test_snapshots_api_support import (
    CuttingProxy,
    big_blob_fixture,  # noqa: F401
    blob_fixture,  # noqa: F401
    blob_url,
    closed_port_fixture,  # noqa: F401
    cutting_proxy_fixture,  # noqa: F401
    recording_fixture,  # noqa: F401
    storage_outage,
    stored_bytes,
    url,
)

SERVER_ERROR_KEYS = {"type", "code", "detail", "attr"}


def read_until_failure(response: Any) -> tuple[int, Exception | None]:
    """Bytes a client receives before the body raises (what a WSGI server then aborts)."""
    received = 0
    try:
        for chunk in response.streaming_content:
            received += len(chunk)
    except Exception as error:  # the test inspects whatever the body raised
        return received, error
    return received, None


# --- before the response starts -----------------------------------------------------------------


@pytest.mark.usefixtures("snapshot_backends")
@pytest.mark.parametrize(("method", "encoding"), [("get", ""), ("get", "gzip"), ("head", "")])
def test_storage_outage_is_503_with_retry_after(
    api: APIClient,
    environment: Environment,
    blob: RecordingBlob,
    closed_port: int,
    method: str,
    encoding: str,
) -> None:
    with storage_outage(closed_port):
        response = getattr(api, method)(blob_url(environment, blob), HTTP_ACCEPT_ENCODING=encoding)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert not response.has_header("ETag")
    if method == "get":
        assert response.json() == {
            "type": "server_error",
            "code": "service_unavailable",
            "detail": STORAGE_DOWN,
            "attr": None,
        }


@pytest.mark.usefixtures("snapshot_backends")
def test_sources_listing_does_not_need_object_storage(
    api: APIClient, environment: Environment, blob: RecordingBlob, closed_port: int
) -> None:
    with storage_outage(closed_port):
        response = api.get(url(environment, "sess-1"))

    assert response.status_code == 200
    assert response.json()["blob_count"] == 1


@pytest.mark.usefixtures("snapshot_backends")
@pytest.mark.parametrize(
    "params", [{}, {"source": "realtime"}, {"source": "realtime", "version": "2024-04-30"}]
)
def test_live_buffer_outage_is_503(
    api: APIClient, environment: Environment, recording: SessionRecording, params: dict[str, str]
) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", REDIS_SOCKET_TIMEOUT_SECONDS=0.2):
        response = api.get(url(environment, "sess-1", **params))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "type": "server_error",
        "code": "service_unavailable",
        "detail": BUFFER_DOWN,
        "attr": None,
    }


@pytest.mark.usefixtures("snapshot_backends")
def test_cache_outage_while_counting_the_budget_is_503(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    with cache_outage():
        response = api.get(url(environment, "sess-1"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "type": "server_error",
        "code": "service_unavailable",
        "detail": DEPENDENCY_DOWN,
        "attr": None,
    }


# --- after the headers ------------------------------------------------------------------------------


@pytest.mark.usefixtures("live_buffer_backend")
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_storage_dying_mid_body_aborts_instead_of_ending(
    api: APIClient,
    environment: Environment,
    s3_settings: dict[str, str],
    big_blob: RecordingBlob,
    cutting_proxy: CuttingProxy,
    encoding: str,
) -> None:
    assert big_blob.size_bytes > 2 * cutting_proxy.cut_after
    with override_settings(OBJECT_STORAGE_ENDPOINT=cutting_proxy.url, OBJECT_STORAGE_MAX_ATTEMPTS=1):
        response = api.get(blob_url(environment, big_blob), HTTP_ACCEPT_ENCODING=encoding)
        received, error = read_until_failure(response)

    assert response.status_code == 200  # the headers had gone out before the cut
    assert isinstance(error, StorageUnavailable)
    assert 0 < received < int(response["Content-Length"])


@pytest.mark.usefixtures("snapshot_backends")
@pytest.mark.parametrize("method", ["get", "head"])
def test_object_of_another_size_than_its_row_is_500_before_the_body(
    api: APIClient, environment: Environment, blob: RecordingBlob, method: str
) -> None:
    get_blob_store().put(blob.object_key, stored_bytes(blob) + b"junk")

    response = getattr(api, method)(blob_url(environment, blob))

    assert response.status_code == 500
    if method == "get":
        assert response.json() == {
            "type": "server_error",
            "code": "snapshot_blob_inconsistent",
            "detail": "The recording's stored data does not match what was recorded about it.",
            "attr": None,
        }


@pytest.mark.usefixtures("snapshot_backends")
@pytest.mark.parametrize("recorded_difference", [+1, -1, +300_000])
def test_jsonl_length_other_than_recorded_never_ends_cleanly(
    api: APIClient, environment: Environment, big_blob: RecordingBlob, recorded_difference: int
) -> None:
    actual = big_blob.uncompressed_size_bytes
    RecordingBlob.objects.filter(pk=big_blob.pk).update(uncompressed_size_bytes=actual + recorded_difference)

    response = api.get(blob_url(environment, big_blob))
    received, error = read_until_failure(response)

    assert response["Content-Length"] == str(actual + recorded_difference)
    assert isinstance(error, BodyLengthMismatch)
    assert received < actual + recorded_difference  # the promise is never kept by a wrong body


@pytest.mark.usefixtures("snapshot_backends")
def test_corrupt_gzip_mid_object_aborts(
    api: APIClient, environment: Environment, big_blob: RecordingBlob
) -> None:
    data = bytearray(stored_bytes(big_blob))
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(4096)
    get_blob_store().put(big_blob.object_key, bytes(data))

    response = api.get(blob_url(environment, big_blob))
    received, error = read_until_failure(response)

    assert response.status_code == 200
    assert error is not None
    assert received < big_blob.uncompressed_size_bytes


@pytest.mark.usefixtures("snapshot_backends")
def test_corrupt_gzip_at_the_start_is_500(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    data = stored_bytes(blob)
    get_blob_store().put(blob.object_key, b"\x00" * len(data))

    response = api.get(blob_url(environment, blob))

    assert response.status_code == 500
    assert set(response.json()) == SERVER_ERROR_KEYS
    assert response.json()["code"] == "snapshot_blob_inconsistent"
