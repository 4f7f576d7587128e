"""A bounded load: 50 sessions capturing from 8 threads while readers list and read recordings
and the pipeline catches up repeatedly; every acknowledged line is read back exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.private_redis import PrivateRedis
from tests.reliability.conftest import (
    MotoProcess,
    Stack,
    Tenant,
    app_server,
    catch_up,
    new_session_id,
    stack_env,
)
from tests.reliability.traffic import Ledger, capture, exactly_once, read_back, request

SESSIONS = 50
SECONDS = 12
WRITERS = 8


@pytest.fixture
def stack(
    tenant: Tenant, private_redis: PrivateRedis, moto_process: MotoProcess, tmp_path: Path
) -> Iterator[Stack]:
    env = stack_env(redis_url=private_redis.url, s3_endpoint=moto_process.endpoint)
    with app_server(env, tmp_path, workers=2, threads=8) as server:
        yield server


def test_every_acknowledged_line_is_read_back_exactly_once_under_load(stack: Stack, tenant: Tenant) -> None:
    sessions = [new_session_id() for _ in range(SESSIONS)]
    ledger = Ledger()
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS
    reads: list[int] = []

    def write(worker: int) -> None:
        while time.monotonic() < deadline:
            for session_id in sessions[worker::WRITERS]:
                sent = capture(stack.url, token=tenant.token, session_id=session_id, events=3)
                with lock:
                    ledger.record(session_id, sent)

    def read() -> None:
        auth = {"Authorization": f"Bearer {tenant.key}"}
        while time.monotonic() < deadline:
            status, _, _ = request(
                stack.url,
                "GET",
                f"/api/projects/{tenant.environment.id}/session_recordings/?limit=20",
                headers=auth,
            )
            reads.append(status)
            read_back(
                stack.url,
                key=tenant.key,
                environment_id=tenant.environment.id,
                session_id=sessions[len(reads) % SESSIONS],
            )

    def flush() -> None:
        while time.monotonic() < deadline:
            catch_up(stack)
            time.sleep(1)

    with ThreadPoolExecutor(max_workers=WRITERS + 3) as pool:
        futures = [pool.submit(write, n) for n in range(WRITERS)]
        futures += [pool.submit(read), pool.submit(read), pool.submit(flush)]
        for future in futures:
            future.result()

    assert set(ledger.statuses) == {200}, ledger.statuses
    assert len(ledger.acked) == SESSIONS
    assert set(reads) == {200}
    catch_up(stack)
    assert exactly_once(stack.url, key=tenant.key, environment_id=tenant.environment.id, ledger=ledger) == {}
