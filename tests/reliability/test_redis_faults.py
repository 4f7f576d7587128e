"""Redis dies in the middle of ingestion: clients get 503 + Retry-After (never a 500), and with
AOF ``appendfsync always`` not one acknowledged line is lost across the restart. Without AOF,
what was acknowledged but not yet flushed to object storage is lost: documented here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.private_redis import PrivateRedis
from tests.reliability.conftest import Stack, Tenant, app_server, catch_up, new_session_id, stack_env
from tests.reliability.traffic import Ledger, capture, exactly_once, read_back

SESSIONS = 6


@pytest.fixture
def stack(tenant: Tenant, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Stack]:
    env = stack_env(
        redis_url=private_redis.url,
        s3_endpoint=None,
        OBJECT_STORAGE_LOCAL_DIR=str(tmp_path / "objects"),
        REDIS_SOCKET_TIMEOUT_SECONDS="1",
    )
    with app_server(env, tmp_path, workers=1, threads=8) as server:
        yield server


def _send_until(
    stack: Stack, tenant: Tenant, ledger: Ledger, sessions: list[str], stop: threading.Event
) -> None:
    while not stop.is_set():
        for session_id in sessions:
            sent = capture(stack.url, token=tenant.token, session_id=session_id)
            ledger.record(session_id, sent)
            if sent.status == 503:
                assert sent.headers.get("retry-after"), sent.headers
            stop.wait(0.02)


def test_a_redis_crash_mid_ingest_is_503_and_loses_nothing_with_aof(
    stack: Stack, tenant: Tenant, private_redis: PrivateRedis
) -> None:
    sessions = [new_session_id() for _ in range(SESSIONS)]
    ledger = Ledger()
    stop = threading.Event()
    senders = [
        threading.Thread(target=_send_until, args=(stack, tenant, ledger, sessions[i::2], stop))
        for i in range(2)
    ]
    for sender in senders:
        sender.start()
    stop.wait(2.0)
    private_redis.kill()
    stop.wait(2.0)
    private_redis.start()
    stop.wait(2.0)
    stop.set()
    for sender in senders:
        sender.join()

    assert set(ledger.statuses) <= {200, 503}, ledger.statuses
    assert ledger.statuses[503] > 0 and ledger.statuses[200] > 0
    catch_up(stack)
    assert exactly_once(stack.url, key=tenant.key, environment_id=tenant.environment.id, ledger=ledger) == {}


@pytest.mark.parametrize("private_redis", [False], indirect=True)
def test_without_aof_a_crash_loses_what_was_not_flushed_yet(
    stack: Stack, tenant: Tenant, private_redis: PrivateRedis
) -> None:
    session_id = new_session_id()
    flushed = capture(stack.url, token=tenant.token, session_id=session_id)
    catch_up(stack)
    buffered = capture(stack.url, token=tenant.token, session_id=session_id)
    assert (flushed.status, buffered.status) == (200, 200)

    private_redis.kill()
    private_redis.start()
    catch_up(stack)

    counts = read_back(stack.url, key=tenant.key, environment_id=tenant.environment.id, session_id=session_id)
    assert {marker: counts[marker] for marker in flushed.markers} == dict.fromkeys(flushed.markers, 1)
    assert {marker: counts[marker] for marker in buffered.markers} == dict.fromkeys(buffered.markers, 0)
