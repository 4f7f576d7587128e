"""The hostile capture corpus against gunicorn: bombs of every encoding, deep nesting, bad
encodings and many sessions in one batch are answered with a 4xx (or a 200 for what is valid),
never a 5xx, and none raises the worker's peak RSS by more than 64 MB."""

from __future__ import annotations

import gzip
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from tests.hostile_bodies import FORM, HOSTILE_BODIES, form
from tests.private_redis import PrivateRedis
from tests.reliability.conftest import Stack, Tenant, app_server, stack_env
from tests.reliability.traffic import request, snapshot_batch

PEAK_GROWTH_LIMIT_KIB = 64 * 1024


def _many_sessions(token: str, sessions: int = 500) -> bytes:
    items = []
    for _ in range(sessions):
        body, _ = snapshot_batch(token=token, session_id=str(uuid.uuid4()), events=1)
        items.extend(orjson.loads(gzip.decompress(body)))
    return gzip.compress(orjson.dumps(items))


def _lone_surrogates_and_nul(token: str) -> bytes:
    body, _ = snapshot_batch(token=token, session_id=str(uuid.uuid4()), events=1)
    raw = gzip.decompress(body).replace(b'"distinct_id":"fault-suite"', b'"distinct_id":"f\\u0000\\ud800"')
    assert b"\\ud800" in raw
    return gzip.compress(raw)


def _without_token(build: Callable[[], bytes]) -> Callable[[str], bytes]:
    return lambda _token: build()


# name → (body builder taking the project token, content type, expected status)
CORPUS: dict[str, tuple[Callable[[str], bytes], str, int]] = {
    **{name: (_without_token(build), ctype, 413) for name, (build, ctype) in HOSTILE_BODIES.items()},
    "nesting_past_orjsons_limit": (lambda _t: gzip.compress(b"[" * 5000 + b"]" * 5000), "text/plain", 400),
    "invalid_gzip": (lambda _t: b"\x1f\x8b\x08\x00not-deflate-at-all", "text/plain", 400),
    "truncated_deflate": (
        lambda _t: zlib.compress(b"[" + b"1," * 10_000 + b"1]")[:-50],
        "text/plain",
        400,
    ),
    "invalid_utf8": (lambda _t: b'[{"event": "\xff\xfe\xfd"}]', "application/json", 400),
    "invalid_lz64": (lambda _t: form("@@@@", compression="lz64"), FORM, 400),
    "invalid_base64": (lambda _t: form("%%%%"), FORM, 400),
    "lone_surrogates_and_nul": (_lone_surrogates_and_nul, "text/plain", 200),
    # Past CAPTURE_MAX_SESSIONS (100): refused before any line is built (413 too_many_sessions).
    "many_sessions": (_many_sessions, "text/plain", 413),
    "sessions_at_the_cap": (lambda token: _many_sessions(token, sessions=100), "text/plain", 200),
}


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


@pytest.fixture
def stack(tenant: Tenant, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Stack]:
    env = stack_env(
        redis_url=private_redis.url, s3_endpoint=None, OBJECT_STORAGE_LOCAL_DIR=str(tmp_path / "o")
    )
    with app_server(env, tmp_path, workers=1, threads=2) as server:
        yield server


def test_the_hostile_corpus_is_refused_within_64_mb_and_without_a_5xx(stack: Stack, tenant: Tenant) -> None:
    (worker,) = stack.worker_pids()
    request(stack.url, "POST", "/s/", body=b"[]", headers={"Content-Type": "application/json"})  # warm up
    outcomes: dict[str, tuple[int, int]] = {}
    for name, (build, content_type, _) in CORPUS.items():
        body = build(tenant.token)
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # peak RSS := current RSS
        before = _kib(worker, "VmRSS")
        status, _, _ = request(
            stack.url, "POST", "/s/", body=body, headers={"Content-Type": content_type}, timeout=60
        )
        outcomes[name] = (status, _kib(worker, "VmHWM") - before)

    assert {name: status for name, (status, _) in outcomes.items()} == {
        name: expected for name, (_, _, expected) in CORPUS.items()
    }
    assert {name: growth for name, (_, growth) in outcomes.items() if growth > PEAK_GROWTH_LIMIT_KIB} == {}
