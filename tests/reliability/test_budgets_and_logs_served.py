"""Served for real (two gunicorn workers, nginx in front): a key's budget holds against 32
parallel callers across processes, invalid keys start getting 429, and neither the app's nor
the proxy's access log ever contains a credential."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.private_redis import PrivateRedis
from tests.reliability.conftest import Stack, Tenant, app_server, nginx_proxy, stack_env
from tests.reliability.traffic import request

BUDGET = 10
PARALLEL = 32


@pytest.fixture
def stack(tenant: Tenant, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Stack]:
    env = stack_env(
        redis_url=private_redis.url,
        s3_endpoint=None,
        THROTTLE_BURST=f"{BUDGET}/minute",
        THROTTLE_AUTH_FAILURES="100/minute",
        TRUSTED_PROXY_COUNT="1",
    )
    with app_server(env, tmp_path, workers=2, threads=16) as server:
        yield server


def test_a_key_budget_holds_across_processes_for_32_parallel_callers(stack: Stack, tenant: Tenant) -> None:
    barrier = threading.Barrier(PARALLEL)
    path = f"/api/projects/{tenant.environment.id}/session_recordings/"

    def call(_caller: int) -> int:
        barrier.wait()
        status, _, _ = request(stack.url, "GET", path, headers={"Authorization": f"Bearer {tenant.key}"})
        return status

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(call, range(PARALLEL)))

    assert set(statuses) == {200, 429}
    assert BUDGET <= statuses.count(200) <= BUDGET + 1


def test_invalid_keys_and_credentials_in_logs(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    path = f"/api/projects/{tenant.environment.id}/session_recordings/"
    with nginx_proxy(stack.app_url, tmp_path / "nginx") as proxy:
        guesses = [request(proxy, "GET", f"{path}?personal_api_key=phx_guess{n:04d}")[0] for n in range(150)]
        status, _, body = request(proxy, "GET", f"{path}?personal_api_key={tenant.key}&limit=1")
        request(proxy, "GET", "/shared/k3J9-xY_2bq7LmN0pQ4rS8tU")
        request(proxy, "GET", f"{path}abc/?sharing_access_token=k3J9-xY_2bq7LmN0pQ4rS8tU")

    assert guesses[:100] == [401] * 100 and set(guesses[100:]) == {429}
    assert status == 429  # the address spent its failed-authentication budget: valid keys wait too
    assert b"phx_" not in body
    logs = stack.log.read_text() + (tmp_path / "nginx" / "out.log").read_text()
    assert "gunicorn.access" in logs and "GET /shared/" in logs
    for secret in (tenant.key, "phx_guess0001", "k3J9-xY_2bq7LmN0pQ4rS8tU"):
        assert secret not in logs
