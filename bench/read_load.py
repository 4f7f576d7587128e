"""Reads under concurrency: 16 readers listing and streaming while ingestion runs.

Setup (production shape, in this run): PostgreSQL database ``bench_read_load`` (created fresh,
dropped at the end), Redis db 6 (``BENCH_LOAD_REDIS_URL``: live buffer, cache, throttles,
ingest log), moto's S3 server, gunicorn as deployed (gthread), one ``run_aggregator`` process.
``BENCH_LOAD_RECORDINGS`` (default 50000) recordings are seeded with COPY
(``bench._recordings_seed``) and ``BENCH_LOAD_BLOB_RECORDINGS`` (4) recordings get ~2 MB of
blobs each.

Measured for ``BENCH_LOAD_SECONDS`` (default 20): ``BENCH_LOAD_READERS`` (16) threads, each in
a closed loop of a list page (default order, duration or activity score), the snapshot sources
of a blob recording and one of its blobs (gzip passthrough), while 2 threads POST posthog-js
capture batches (``/s/``) and the aggregator applies them. Printed per request kind: count,
p50/p95/p99 latency and errors (any status but 200, or a failed connection); the run fails when
there is any error (0 expected).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench._aggregation import aggregators
from bench._capture_batches import interleaved, traffic
from bench._seed import (
    ServiceMissing,
    django_setup,
    flushed_redis,
    percentile,
    postgres_database,
    production_services_environment,
    tenant_create,
)
from bench._support import child_process, free_port, moto_server, wait_for_http

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
READERS = int(os.environ.get("BENCH_LOAD_READERS", "16"))
WRITERS = 2
RECORDINGS = int(os.environ.get("BENCH_LOAD_RECORDINGS", "50000"))
BLOB_RECORDINGS = int(os.environ.get("BENCH_LOAD_BLOB_RECORDINGS", "4"))
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/6")
DB_NAME = os.environ.get("BENCH_LOAD_DB", "bench_read_load")
BUCKET = "bench-read-load"
ORDERS = ("", "&order=duration", "&order=activity_score")


def service_environment(workdir: str, database_url: str, endpoint: str) -> dict[str, str]:
    """The production shape, with budgets no reader of this load reaches."""
    return production_services_environment(
        workdir,
        database_url,
        endpoint,
        redis_url=REDIS_URL,
        bucket=BUCKET,
        THROTTLE_BURST="1000000/minute",
        THROTTLE_SUSTAINED="100000000/hour",
        THROTTLE_SNAPSHOTS_BURST="1000000/minute",
        THROTTLE_SNAPSHOTS_SUSTAINED="100000000/hour",
    )


def blob_recordings_seed(environment_id: int) -> list[str]:
    """Recordings whose snapshots are ~2 MB of blobs each; returns their session ids."""
    from bench.snapshots import rrweb_line
    from recordings.expiry import expiry_of
    from recordings.models import SessionRecording
    from recordings_api.timestamps import ms_to_datetime
    from snapshots.flush import blob_write
    from snapshots.live_buffer import BufferedLine

    rng, session_ids = random.Random(7), []
    for number in range(BLOB_RECORDINGS):
        session_id = f"load-{number}"
        lines = [BufferedLine(*rrweb_line(index, rng)) for index in range(1_200)]
        for start in range(0, len(lines), 400):
            blob_write(environment_id=environment_id, session_id=session_id, lines=lines[start : start + 400])
        start_time = ms_to_datetime(lines[0].score)
        SessionRecording.objects.create(
            environment_id=environment_id,
            session_id=session_id,
            start_time=start_time,
            end_time=ms_to_datetime(lines[-1].score),
            expires_at=expiry_of(start_time=start_time, retention_days=30, persisted=False),
        )
        session_ids.append(session_id)
    return session_ids


class Recorder:
    """Latencies and errors per request kind, from many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def timed(self, kind: str, call: Callable[..., tuple[int, bytes]], *args: Any) -> bytes | None:
        """``call(*args)`` timed as one ``kind`` request; its body, or None after an error."""
        started = time.perf_counter()
        try:
            status, body = call(*args)
            error = None if status == 200 else f"HTTP {status}: {body[:200]!r}"
        except OSError as failure:
            body, error = b"", f"connection: {failure}"
        with self.lock:
            self.seconds[kind].append(time.perf_counter() - started)
            if error:
                self.errors[kind].append(error)
        return body if error is None else None


def http_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def reader(
    port: int, environment_id: int, key: str, blobbed: list[str], until: float, recorder: Recorder
) -> None:
    rng = random.Random()
    headers = {"Authorization": f"Bearer {key}", "Accept-Encoding": "gzip"}
    base = f"/api/environments/{environment_id}/session_recordings/"
    while time.monotonic() < until:
        order = rng.choice(ORDERS)
        recorder.timed("list", http_get, port, f"{base}?limit=50{order}", headers)
        snapshots = f"{base}{rng.choice(blobbed)}/snapshots"
        listing = recorder.timed("snapshot sources", http_get, port, snapshots, headers)
        if listing is None:
            continue
        blobs = [s["blob_key"] for s in json.loads(listing)["sources"] if s["source"] == "blob"]
        blob = rng.choice(blobs)
        recorder.timed("blob (gzip)", http_get, port, f"{snapshots}?source=blob&blob_key={blob}", headers)


def writer(port: int, token: str, until: float, recorder: Recorder) -> None:
    requests = interleaved(traffic(token=token, request_count=400, now_ms=int(time.time() * 1000)))
    headers = {"Content-Type": "text/plain", "Origin": "https://shop.example.com"}

    def post(body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", "/s/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    for request in requests:
        if time.monotonic() >= until:
            return
        recorder.timed("capture POST /s/", post, request.body)


def gunicorn_args(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--workers=2",
        "--worker-class=gthread",
        "--threads=8",
        "--timeout=120",
        "--backlog=128",
    ]


def report(recorder: Recorder, seconds: float) -> int:
    print(f"{'requests':<22}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, timings in sorted(recorder.seconds.items()):
        p50, p95, p99 = (percentile(timings, f) * 1000 for f in (0.5, 0.95, 0.99))
        errors = len(recorder.errors[kind])
        rate = len(timings) / seconds
        print(f"{kind:<22}{len(timings):>8}{rate:>8.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{errors:>8}")
    total = sum(len(errors) for errors in recorder.errors.values())
    print(
        f"  {READERS} readers (list, sources, blob), {WRITERS} capture writers, {seconds:.0f}s;"
        f" errors: {total}"
    )
    for kind, errors in recorder.errors.items():
        for error in errors[:3]:
            print(f"  {kind}: {error}")
    return total


def run(workdir: str, database_url: str, endpoint: str) -> int:
    from bench._recordings_seed import RETENTION_DAYS, recordings_seed
    from bench.ingest import s3_client

    env = service_environment(workdir, database_url, endpoint)
    django_setup(env)
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    tenant = tenant_create(scopes=["session_recording:read"], retention_days=RETENTION_DAYS)
    recordings_seed(environment_id=tenant.environment_id, user_id=tenant.user_id, count=RECORDINGS)
    blobbed = blob_recordings_seed(tenant.environment_id)
    print(f"seeded {RECORDINGS} recordings, {len(blobbed)} with blobs", flush=True)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run", flush=True
    )
    port, recorder = free_port(), Recorder()
    with child_process(gunicorn_args(port), env=env), aggregators(env, 1):
        wait_for_http(f"http://127.0.0.1:{port}/_health")
        warm = Recorder()
        reader(port, tenant.environment_id, tenant.api_key, blobbed, time.monotonic() + 2, warm)
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(
                target=reader, args=(port, tenant.environment_id, tenant.api_key, blobbed, until, recorder)
            )
            for _ in range(READERS)
        ]
        threads += [
            threading.Thread(target=writer, args=(port, tenant.api_token, until, recorder))
            for _ in range(WRITERS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    return report(recorder, elapsed)


def main() -> int:
    try:
        with (
            tempfile.TemporaryDirectory(prefix="bench-read-load-") as workdir,
            postgres_database(DB_NAME) as database_url,
            flushed_redis(REDIS_URL),
            moto_server() as endpoint,
        ):
            errors = run(workdir, database_url, endpoint)
    except ServiceMissing as error:
        print(f"the read load benchmark needs PostgreSQL and Redis: {error}")
        return 1
    if errors:
        print(f"READ LOAD BENCHMARK FAILED: {errors} errors")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
