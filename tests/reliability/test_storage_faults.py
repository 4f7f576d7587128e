"""Object storage stalls (moto frozen with SIGSTOP) in the middle of a flush and in the middle of
a stream, or is unreachable when the app boots: nothing acknowledged is lost or duplicated,
and a client reading a blob sees a cut connection, never a short 200."""

from __future__ import annotations

import http.client
import random
import socket
import string
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.private_redis import PrivateRedis, free_port
from tests.reliability.conftest import (
    MotoProcess,
    Stack,
    Tenant,
    app_server,
    catch_up,
    new_session_id,
    stack_env,
)
from tests.reliability.traffic import Ledger, capture, exactly_once, request


@pytest.fixture
def stack(
    tenant: Tenant, private_redis: PrivateRedis, moto_process: MotoProcess, tmp_path: Path
) -> Iterator[Stack]:
    env = stack_env(
        redis_url=private_redis.url,
        s3_endpoint=moto_process.endpoint,
        LIVE_BUFFER_FLUSH_MAX_BYTES="100000000",
    )
    with app_server(env, tmp_path, workers=1, threads=4) as server:
        yield server


def _ingest(stack: Stack, tenant: Tenant, sessions: int = 1, batches: int = 3) -> Ledger:
    ledger = Ledger()
    for _ in range(batches):
        for session_id in [new_session_id() for _ in range(sessions)]:
            ledger.record(session_id, capture(stack.url, token=tenant.token, session_id=session_id))
    assert ledger.statuses == {200: sessions * batches}
    return ledger


def test_a_flush_while_storage_is_frozen_loses_and_duplicates_nothing(
    stack: Stack, tenant: Tenant, moto_process: MotoProcess
) -> None:
    ledger = _ingest(stack, tenant)
    moto_process.pause()
    try:
        # Every storage call hangs until its read timeout: the flush fails, the lines stay.
        catch_up(stack, expect_failure=True)
    finally:
        moto_process.resume()
    catch_up(stack)
    catch_up(stack)  # a second pass finds nothing more to write
    assert exactly_once(stack.url, key=tenant.key, environment_id=tenant.environment.id, ledger=ledger) == {}


def _slow_reader(port: int) -> http.client.HTTPConnection:
    """A connection with a small receive buffer, so the server cannot push the whole body ahead."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.sock = sock
    return connection


def test_a_stream_cut_by_frozen_storage_is_a_cut_connection_never_a_short_200(
    stack: Stack, tenant: Tenant, moto_process: MotoProcess
) -> None:
    session_id = new_session_id()
    noise = "".join(random.choices(string.ascii_letters + string.digits, k=4_000_000))
    for _ in range(6):  # ~24 MB of incompressible data in one blob: more than the kernels buffer
        assert (
            capture(stack.url, token=tenant.token, session_id=session_id, events=1, padding=noise).status
            == 200
        )
    catch_up(stack)
    auth = {"Authorization": f"Bearer {tenant.key}"}
    base = f"/api/projects/{tenant.environment.id}/session_recordings/{session_id}/snapshots"
    _, _, listing = request(stack.url, "GET", base, headers=auth)
    blob_key = next(s["blob_key"] for s in orjson.loads(listing)["sources"] if s["source"] == "blob")

    connection = _slow_reader(int(stack.url.rsplit(":", 1)[1]))
    connection.request("GET", f"{base}?source=blob&blob_key={blob_key}", headers=auth)
    response = connection.getresponse()
    assert response.status == 200
    first = response.read(64 * 1024)
    moto_process.pause()
    try:
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            rest = response.read()
            pytest.fail(f"the body ended cleanly after {len(first) + len(rest)} bytes")
    finally:
        moto_process.resume()
        connection.close()


def test_an_unreachable_storage_at_boot_is_a_prompt_503_and_capture_goes_on(
    tenant: Tenant, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    env = stack_env(redis_url=private_redis.url, s3_endpoint=f"http://127.0.0.1:{free_port()}")
    with app_server(env, tmp_path) as stack:
        status, _, body = request(stack.url, "GET", "/_readyz", timeout=3.5)
        assert (status, orjson.loads(body)["failed"]) == (503, ["object_storage"])
        session_id = new_session_id()
        assert capture(stack.url, token=tenant.token, session_id=session_id).status == 200
        catch_up(stack, expect_failure=True)
        # Still readable: the lines wait in the live buffer and are served from there.
        auth = {"Authorization": f"Bearer {tenant.key}"}
        base = f"/api/projects/{tenant.environment.id}/session_recordings/{session_id}/snapshots"
        status, _, _ = request(stack.url, "GET", f"{base}?source=realtime&version=2024-04-30", headers=auth)
        assert status == 200
