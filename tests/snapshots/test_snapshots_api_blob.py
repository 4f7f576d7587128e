"""``source=blob``: the HTTP semantics of serving an immutable blob (RFC 9110), through real URLs
over both backend pairs: representations (JSONL / stored gzip), ETag and If-None-Match, Range,
If-Range, HEAD, caching headers, and no double compression behind Django's GZipMiddleware."""

from __future__ import annotations

import asyncio
import gzip
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import AsyncClient, override_settings
from rest_framework.test import APIClient

from recordings.models import SessionRecording
from recordings_api.models import Environment, User
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store
from tests.conftest import streamed_chunks
from tests.snapshots.test_snapshots_api_support import (
    CACHE_FOREVER,
    PREFIXES,
    big_blob_fixture,  # noqa: F401
    blob_fixture,  # noqa: F401
    blob_url,
    body,
    buffer,
    embedded_only,
    flush,
    recording_fixture,  # noqa: F401
    rrweb_line,
    stored_bytes,
)

pytestmark = pytest.mark.usefixtures("snapshot_backends")

CURL_COMPRESSED = "deflate, gzip, br, zstd"  # what `curl --compressed` sends
# The whole input space of the header rules is in test_snapshots_api_http; a few through the API:
GZIP_ACCEPTED = ["br, gzip;q=0.8", CURL_COMPRESSED]
GZIP_REFUSED = ["", "gzip;q=0"]


def jsonl(blob: RecordingBlob) -> bytes:
    return gzip.decompress(stored_bytes(blob))


# --- representations --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_blob_streams_decompressed_jsonl(
    api: APIClient, environment: Environment, blob: RecordingBlob, prefix: str
) -> None:
    response = api.get(blob_url(environment, blob, prefix))

    expected = "".join(f"{rrweb_line(n * 10, text='x' * 50).line}\n" for n in range(40)).encode()
    assert response.status_code == 200
    assert response.streaming
    assert body(response) == expected == jsonl(blob)
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(len(expected)) == str(blob.uncompressed_size_bytes)
    assert response["Content-Disposition"] == "inline"
    assert response["ETag"] == f'"{blob.etag}"'
    assert response["Cache-Control"] == CACHE_FOREVER
    assert response["Accept-Ranges"] == "bytes"
    assert "Accept-Encoding" in response["Vary"]
    assert not response.has_header("Content-Encoding")
    assert not response.has_header("Content-Range")


@pytest.mark.parametrize("accept_encoding", GZIP_ACCEPTED)
def test_gzip_clients_get_the_stored_bytes_untouched(
    api: APIClient, environment: Environment, blob: RecordingBlob, accept_encoding: str
) -> None:
    response = api.get(blob_url(environment, blob), HTTP_ACCEPT_ENCODING=accept_encoding)

    assert response.status_code == 200
    assert body(response) == stored_bytes(blob)
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"] == "application/json"
    assert response["Content-Length"] == str(blob.size_bytes)
    assert response["ETag"] == f'"{blob.etag}-gz"'  # a different representation, a different tag
    assert response["Cache-Control"] == CACHE_FOREVER
    assert "Accept-Encoding" in response["Vary"]


@embedded_only
@pytest.mark.parametrize("accept_encoding", GZIP_REFUSED)
def test_clients_refusing_gzip_get_jsonl(
    api: APIClient, environment: Environment, blob: RecordingBlob, accept_encoding: str
) -> None:
    response = api.get(blob_url(environment, blob), HTTP_ACCEPT_ENCODING=accept_encoding)

    assert not response.has_header("Content-Encoding")
    assert response["ETag"] == f'"{blob.etag}"'
    assert body(response) == jsonl(blob)


@embedded_only
def test_gzip_middleware_cannot_compress_twice(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    middleware = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        passthrough = api.get(blob_url(environment, blob), HTTP_ACCEPT_ENCODING="gzip")
        plain = api.get(blob_url(environment, blob), HTTP_ACCEPT_ENCODING="identity")

    assert passthrough["Content-Encoding"] == "gzip"
    assert body(passthrough) == stored_bytes(blob)
    assert passthrough["ETag"] == f'"{blob.etag}-gz"'
    assert body(plain) == jsonl(blob)


def test_large_blob_streams_in_bounded_chunks(
    api: APIClient, environment: Environment, big_blob: RecordingBlob
) -> None:
    for encoding, expected in [("identity", jsonl(big_blob)), ("gzip", stored_bytes(big_blob))]:
        response = api.get(blob_url(environment, big_blob), HTTP_ACCEPT_ENCODING=encoding)

        chunks = streamed_chunks(response)
        assert len(chunks) > 5
        assert max(len(chunk) for chunk in chunks) <= 256 * 1024
        assert b"".join(chunks) == expected
        assert response["Content-Length"] == str(len(expected))


async def _collect(response: Any) -> list[bytes]:
    return [chunk async for chunk in response.streaming_content]


@pytest.mark.django_db(transaction=True)  # ASGI runs the view in a thread of its own
def test_asgi_streams_the_blob_chunk_by_chunk(
    environment: Environment, owner: User, make_key: Callable[..., str], big_blob: RecordingBlob
) -> None:
    headers = {"Authorization": f"Bearer {make_key(owner)}"}

    async def fetch() -> tuple[Any, list[bytes]]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Django warns when it has to read a body whole
            response = await AsyncClient().get(blob_url(environment, big_blob), headers=headers)
            chunks = await _collect(response)
        # The view ran in asgiref's thread-sensitive thread; the test client does not close the
        # connection it opened there, which would keep the test database busy at teardown.
        await sync_to_async(connections.close_all)()
        return response, chunks

    # A loop of its own in a thread of its own: the browser tests' Playwright keeps an event loop
    # running in the main thread of a test worker for the whole session.
    with ThreadPoolExecutor(max_workers=1) as pool:
        response, chunks = pool.submit(asyncio.run, fetch()).result()

    assert response.status_code == 200
    assert response.is_async
    assert len(chunks) > 5
    assert b"".join(chunks) == jsonl(big_blob)


# --- conditional requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_encoding", "if_none_match"),
    [
        ("", '"{etag}"'),
        ("", '"other", W/"{etag}"'),
        ("gzip", '"{etag}-gz"'),
        ("gzip", "*"),
    ],
)
def test_if_none_match_is_304_with_the_representation_headers(
    api: APIClient, environment: Environment, blob: RecordingBlob, accept_encoding: str, if_none_match: str
) -> None:
    gzip_wanted = accept_encoding == "gzip"

    response = api.get(
        blob_url(environment, blob),
        HTTP_IF_NONE_MATCH=if_none_match.format(etag=blob.etag),
        HTTP_ACCEPT_ENCODING=accept_encoding,
    )

    assert response.status_code == 304
    assert body(response) == b""
    assert response["ETag"] == (f'"{blob.etag}-gz"' if gzip_wanted else f'"{blob.etag}"')
    assert response["Cache-Control"] == CACHE_FOREVER
    assert "Accept-Encoding" in response["Vary"]
    assert not response.has_header("Content-Type")
    # RFC 9110 §8.6: if present, the length a 200 would have had (never Django's "0").
    assert response["Content-Length"] == str(blob.size_bytes if gzip_wanted else blob.uncompressed_size_bytes)


@embedded_only
@pytest.mark.parametrize(
    ("accept_encoding", "if_none_match"),
    [("", '"stale"'), ("", '"{etag}-gz"'), ("gzip", '"{etag}"')],
)
def test_if_none_match_of_another_representation_gets_the_body(
    api: APIClient, environment: Environment, blob: RecordingBlob, accept_encoding: str, if_none_match: str
) -> None:
    response = api.get(
        blob_url(environment, blob),
        HTTP_IF_NONE_MATCH=if_none_match.format(etag=blob.etag),
        HTTP_ACCEPT_ENCODING=accept_encoding,
    )

    assert response.status_code == 200
    assert body(response) == (stored_bytes(blob) if accept_encoding else jsonl(blob))


@embedded_only
def test_if_none_match_wins_over_range(api: APIClient, environment: Environment, blob: RecordingBlob) -> None:
    response = api.get(
        blob_url(environment, blob), HTTP_IF_NONE_MATCH=f'"{blob.etag}"', HTTP_RANGE="bytes=0-9"
    )

    assert response.status_code == 304
    assert not response.has_header("Content-Range")


# --- ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-99999999", 10, None),
    ],
)
def test_range_of_decompressed_jsonl_is_206(
    api: APIClient, environment: Environment, blob: RecordingBlob, header: str, start: int, end: int | None
) -> None:
    full = jsonl(blob)
    expected = full[start:] if end is None else full[start : end + 1]
    first = len(full) + start if start < 0 else start

    response = api.get(blob_url(environment, blob), HTTP_RANGE=header)

    assert response.status_code == 206
    assert body(response) == expected
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(full)}"
    assert response["Content-Length"] == str(len(expected))
    assert response["ETag"] == f'"{blob.etag}"'
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize(("header", "start", "end"), [("bytes=5-24", 5, 24), ("bytes=-7", -7, None)])
def test_range_with_gzip_is_on_the_stored_bytes(
    api: APIClient, environment: Environment, blob: RecordingBlob, header: str, start: int, end: int | None
) -> None:
    stored = stored_bytes(blob)
    expected = stored[start:] if end is None else stored[start : end + 1]
    first = len(stored) + start if start < 0 else start

    response = api.get(blob_url(environment, blob), HTTP_RANGE=header, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 206
    assert body(response) == expected
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(stored)}"
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Encoding"] == "gzip"
    assert response["ETag"] == f'"{blob.etag}-gz"'


def test_range_deep_into_a_large_blob(
    api: APIClient, environment: Environment, big_blob: RecordingBlob
) -> None:
    full = jsonl(big_blob)
    start = len(full) - 300_000

    response = api.get(blob_url(environment, big_blob), HTTP_RANGE=f"bytes={start}-{start + 299_998}")

    assert response.status_code == 206
    assert body(response) == full[start : start + 299_999]


@embedded_only
@pytest.mark.parametrize("encoding", ["", "gzip"])
@pytest.mark.parametrize("past_the_end", ["bytes={size}-", "bytes=-0"])
def test_unsatisfiable_range_is_416(
    api: APIClient, environment: Environment, blob: RecordingBlob, encoding: str, past_the_end: str
) -> None:
    size = blob.size_bytes if encoding else blob.uncompressed_size_bytes

    response = api.get(
        blob_url(environment, blob),
        HTTP_RANGE=past_the_end.format(size=size),
        HTTP_ACCEPT_ENCODING=encoding,
    )

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert response.json() == {
        "type": "invalid_request",
        "code": "range_not_satisfiable",
        "detail": f"The range starts past the end ({size} bytes).",
        "attr": None,
    }
    assert response["Cache-Control"] == "no-store"  # an error must not be cached as the blob
    assert not response.has_header("ETag")
    assert not response.has_header("Content-Encoding")


@embedded_only
@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-3"])
def test_unsupported_or_malformed_ranges_are_ignored(
    api: APIClient, environment: Environment, blob: RecordingBlob, header: str
) -> None:
    response = api.get(blob_url(environment, blob), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == jsonl(blob)


@embedded_only
@pytest.mark.parametrize(
    ("encoding", "if_range", "status"),
    [
        ("", '"{etag}"', 206),
        ("gzip", '"{etag}-gz"', 206),
        ("", '"{etag}-gz"', 200),
        ("", 'W/"{etag}"', 200),  # If-Range needs a strong match
    ],
)
def test_if_range(
    api: APIClient, environment: Environment, blob: RecordingBlob, encoding: str, if_range: str, status: int
) -> None:
    response = api.get(
        blob_url(environment, blob),
        HTTP_RANGE="bytes=0-9",
        HTTP_IF_RANGE=if_range.format(etag=blob.etag),
        HTTP_ACCEPT_ENCODING=encoding,
    )

    assert response.status_code == status
    assert len(body(response)) == (10 if status == 206 else int(response["Content-Length"]))


# --- HEAD and missing objects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "range_header", "status"),
    [("", "", 200), ("gzip", "", 200), ("", "bytes=0-9", 206), ("gzip", "bytes=-5", 206)],
)
def test_head_has_the_get_headers_and_no_body(
    api: APIClient,
    environment: Environment,
    blob: RecordingBlob,
    encoding: str,
    range_header: str,
    status: int,
) -> None:
    get = api.get(blob_url(environment, blob), HTTP_ACCEPT_ENCODING=encoding, HTTP_RANGE=range_header)
    head = api.head(blob_url(environment, blob), HTTP_ACCEPT_ENCODING=encoding, HTTP_RANGE=range_header)

    assert head.status_code == get.status_code == status
    assert body(head) == b""
    assert int(head["Content-Length"]) == len(body(get))
    for header in ["Content-Type", "ETag", "Cache-Control", "Content-Range", "Content-Encoding", "Vary"]:
        assert head.get(header) == get.get(header), header


def test_blob_row_without_object_is_404_for_get_and_head(
    api: APIClient, environment: Environment, blob: RecordingBlob
) -> None:
    get_blob_store().delete_prefix(blob.object_key)

    for response in [api.get(blob_url(environment, blob)), api.head(blob_url(environment, blob))]:
        assert response.status_code == 404
    assert api.get(blob_url(environment, blob)).json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Snapshot file not found",
        "attr": None,
    }


def test_every_blob_of_a_recording_is_served(
    api: APIClient, environment: Environment, recording: SessionRecording
) -> None:
    buffer(recording, rrweb_line(0))
    first = flush(recording)
    buffer(recording, rrweb_line(1000), rrweb_line(1500))
    second = flush(recording)

    assert body(api.get(blob_url(environment, first))) == f"{rrweb_line(0).line}\n".encode()
    assert body(api.get(blob_url(environment, second))) == (
        f"{rrweb_line(1000).line}\n{rrweb_line(1500).line}\n".encode()
    )
