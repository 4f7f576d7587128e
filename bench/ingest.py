"""The capture path under load: posthog-js ``/s/`` batches POSTed concurrently to the real service.

Setup (production shape, all on loopback, in this run): PostgreSQL database ``bench_ingest``
(``BENCH_INGEST_DB``; created fresh, dropped at the end), Redis db 9 (``BENCH_REDIS_URL``;
flushed before and after: live buffer, cache, Celery broker, so no flush runs in-process),
moto's S3 server for blobs, and gunicorn with
``BENCH_INGEST_WORKERS`` (default: one per core) ``gthread`` workers of
``BENCH_INGEST_THREADS`` (8) threads, as ``config/gunicorn.py`` deploys it, DEBUG off
(``BENCH_INGEST_WORKER_CLASS=sync`` compares with sync workers, ``asgi`` with uvicorn workers
serving ``config.asgi``, ``granian`` with granian's WSGI workers of as many blocking threads).

Traffic: ``BENCH_INGEST_REQUESTS`` (default 3000) requests of a few hundred sessions shaped like
posthog-js 1.449.2 (``bench._capture_batches``), gzip bodies, sent by ``BENCH_INGEST_CONCURRENCY``
(default 8) client threads, at most ``BENCH_INGEST_SECONDS`` (default 60) seconds.

Aggregation runs as deployed: ``BENCH_INGEST_AGGREGATORS`` (default 2) ``run_aggregator``
processes read the ingest log while the load runs.

Printed: requests/s, MB/s on the wire and decompressed, p50/p95/p99 latency, the workers' peak
RSS; the listing lag (a session's first 200 → its recording listed) and how long the log took to
empty after the load; then ``flush_live_buffers`` (sessions/s, MB/s). Baselines measured in the
same run: the very same lines written straight to Redis by redis-py pipelines (``ZADD`` +
``EXPIRE`` per request, same concurrency), and flushed by a plain loop (``ZRANGE``, gzip, boto3
``put_object``, ``ZREM``). Also printed: the statements an aggregator issues per 1,000 capture
requests, and the database queries one capture request costs (first and later batch of a session).

Correctness (fails the run): every request answered 200 without rejected items; before the
flush, each session's sorted set holds exactly the lines of its 200'd requests with their scores;
every recording's metadata equals a synchronous replay of its 200'd batches through the metadata
functions; after the flush, every line is in exactly one blob or still buffered — none lost,
none twice.
"""

from __future__ import annotations

import gzip
import http.client
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bench._aggregation import aggregators, listing_lags, statements_per_thousand, wait_until_applied
from bench._capture_batches import CaptureRequest, interleaved, session_requests, traffic
from bench._ingest_checks import expected_lines, verify_after_flush, verify_buffer, verify_metadata
from bench._load import Phase, Sent, cpu_seconds, run_concurrently
from bench._seed import (
    REDIS_URL,
    django_setup,
    percentile,
    production_services_environment,
    production_services_run,
    tenant_create,
)
from bench._support import (
    child_pids,
    child_process,
    free_port,
    mib,
    proc_status_kib,
    reset_peak_rss,
    wait_for_http,
)

REQUEST_COUNT = int(os.environ.get("BENCH_INGEST_REQUESTS", "3000"))
AGGREGATORS = int(os.environ.get("BENCH_INGEST_AGGREGATORS", "2"))
# gunicorn's worker class: "gthread" as deployed (config/gunicorn.py); "sync" or "asgi" (uvicorn
# workers serving config.asgi) to compare.
WORKER_CLASS = os.environ.get("BENCH_INGEST_WORKER_CLASS", "gthread")
SERVER = "granian WSGI" if WORKER_CLASS == "granian" else f"gunicorn {WORKER_CLASS}"
THREADS = int(os.environ.get("BENCH_INGEST_THREADS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_INGEST_CONCURRENCY", "8"))
WORKERS = int(os.environ.get("BENCH_INGEST_WORKERS", str(os.cpu_count() or 2)))
MAX_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "60"))
DB_NAME = os.environ.get("BENCH_INGEST_DB", "bench_ingest")
BUCKET = "bench-ingest"
BASELINE_PREFIX = "bench-baseline/"
TTL_SECONDS = 3 * 24 * 3600


def load(label: str, requests: Sequence[CaptureRequest], send: Callable[[CaptureRequest], Sent]) -> Phase:
    return run_concurrently(label, requests, send, concurrency=CONCURRENCY, max_seconds=MAX_SECONDS)


# --- the service ------------------------------------------------------------------------------


def capture_sender(port: int) -> Callable[[CaptureRequest], Sent]:
    def send(request: CaptureRequest) -> Sent:
        # A new connection per request: gunicorn's sync workers close every connection anyway.
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            headers = {"Content-Type": "text/plain", "Origin": "https://shop.example.com"}
            connection.request("POST", "/s/", body=request.body, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except OSError as error:
            return Sent(request, 0, time.perf_counter() - started, f"connection: {error}")
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        if response.status != 200 or b"rejected" in body:
            return Sent(request, response.status, seconds, body[:300].decode("utf-8", "replace"))
        return Sent(request, 200, seconds, finished_at=time.time())

    return send


def server_args(port: int) -> list[str]:
    if WORKER_CLASS == "granian":
        return [
            *(sys.executable, "-m", "granian", "--interface=wsgi", "--http=1", "--host=127.0.0.1"),
            *(f"--port={port}", f"--workers={WORKERS}", f"--blocking-threads={THREADS}"),
            "config.wsgi:application",
        ]
    asgi = WORKER_CLASS == "asgi"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.asgi:application" if asgi else "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        f"--worker-class={'uvicorn_worker.UvicornWorker' if asgi else WORKER_CLASS}",
        *([f"--threads={THREADS}"] if WORKER_CLASS == "gthread" else []),
        "--timeout=120",
        f"--backlog={max(64, CONCURRENCY * 4)}",
    ]


def worker_peaks_kib(worker_pids: Sequence[int]) -> list[int]:
    return [proc_status_kib(pid, "VmHWM") for pid in worker_pids]


# --- the baseline: the same lines straight into Redis --------------------------------------------


def baseline_key(environment_id: int, session_id: str) -> str:
    from django.conf import settings

    from snapshots.live_buffer import live_buffer_key

    return BASELINE_PREFIX + live_buffer_key(
        environment_id=environment_id, session_id=session_id, partitions=settings.LIVE_BUFFER_PARTITIONS
    )


def zadd_sender(client: Any, environment_id: int) -> Callable[[CaptureRequest], Sent]:
    def send(request: CaptureRequest) -> Sent:
        key = baseline_key(environment_id, request.session_id)
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        pipe.zadd(key, {request.line: request.score})
        pipe.expire(key, TTL_SECONDS)
        pipe.execute()
        return Sent(request, 200, time.perf_counter() - started)

    return send


def baseline_flush(client: Any, s3: Any, environment_id: int, session_ids: Sequence[str]) -> float:
    """ZRANGE, gzip JSONL, put_object, ZREM per session; returns seconds."""
    started = time.perf_counter()
    for session_id in session_ids:
        key = baseline_key(environment_id, session_id)
        members = client.zrange(key, 0, -1, withscores=True)
        data = gzip.compress(b"".join(member + b"\n" for member, _ in members), compresslevel=6, mtime=0)
        first, last = int(members[0][1]), int(members[-1][1])
        s3.put_object(Bucket=BUCKET, Key=f"baseline/{session_id}/{first}-{last}", Body=data)
        client.zrem(key, *(member for member, _ in members))
    return time.perf_counter() - started


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


# --- in-process figures --------------------------------------------------------------------------


def queries_per_capture(api_token: str) -> tuple[int, int]:
    """Database queries of a session's first capture request and of a later one (test client)."""
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    requests = session_requests(random.Random(99), token=api_token, start_ms=int(time.time() * 1000) - 60_000)
    counts = []
    for request in requests[:2]:
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/s/", data=request.body, content_type="text/plain")
        if response.status_code != 200:
            raise AssertionError(
                f"in-process capture: HTTP {response.status_code} {response.content[:200]!r}"
            )
        counts.append(len(queries.captured_queries))
    return counts[0], counts[1]


def decode_cost_ms(requests: Sequence[CaptureRequest]) -> float:
    """CPU a request needs at the very least: gunzip, parse, re-encode the line (one thread)."""
    sample = list(requests[:500])
    started = time.perf_counter()
    for request in sample:
        items = orjson.loads(gzip.decompress(request.body))
        events = [event for item in items for event in item["properties"]["$snapshot_data"]]
        orjson.dumps({"window_id": items[0]["properties"]["$window_id"], "data": events})
    return (time.perf_counter() - started) / len(sample) * 1000


def flush_all() -> tuple[float, int]:
    """``manage.py flush_live_buffers`` in this process; returns (seconds, sessions flushed)."""
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("flush_live_buffers", stdout=out)
    seconds = time.perf_counter() - started
    summary = [line for line in out.getvalue().splitlines() if line.startswith("flushed ")]
    flushed = int(summary[-1].split()[1]) if summary else 0  # "flushed N session(s), M failed"
    return seconds, flushed


# --- report -----------------------------------------------------------------------------------

HEADER = ("path", "reqs", "secs", "req/s", "MB/s", "raw MB/s", "p50 ms", "p95 ms", "p99 ms")


def phase_row(phase: Phase) -> str:
    return (
        f"{phase.label:<38}{len(phase.results):>6}{phase.wall_seconds:>7.1f}{phase.requests_per_second:>8.0f}"
        f"{phase.mb_per_second(decompressed=False):>7.2f}{phase.mb_per_second(decompressed=True):>9.2f}"
        f"{phase.latency_ms(0.5):>8.1f}{phase.latency_ms(0.95):>8.1f}{phase.latency_ms(0.99):>8.1f}"
    )


def report_capture(api: Phase, baseline: Phase, server: ServerFigures) -> None:
    widths = (38, 6, 7, 8, 7, 9, 8, 8, 8)
    print(
        "".join(
            f"{name:<{w}}" if i == 0 else f"{name:>{w}}"
            for i, (name, w) in enumerate(zip(HEADER, widths, strict=True))
        )
    )
    print(phase_row(api))
    print(phase_row(baseline))
    print("  (MB/s: gzip bodies as sent; raw MB/s: the JSON they decompress to)")
    peak, before, total = mib(max(server.peaks_kib)), mib(max(server.base_kib)), mib(sum(server.peaks_kib))
    print(
        f"server: {WORKERS} {SERVER} workers, peak RSS per worker {peak:.1f} MiB "
        f"(before the run {before:.1f} MiB), all workers {total:.1f} MiB; "
        f"worker CPU {server.cpu_seconds / len(api.results) * 1000:.1f} ms/request "
        f"({server.cpu_seconds / api.wall_seconds * 100:.0f}% of one core)"
    )
    throughput = api.requests_per_second / baseline.requests_per_second
    print(
        f"ratio (API / redis-py ZADD baseline): throughput x{throughput:.3f}, "
        f"p50 latency x{api.latency_ms(0.5) / baseline.latency_ms(0.5):.0f}, "
        f"p95 latency x{api.latency_ms(0.95) / baseline.latency_ms(0.95):.0f}"
    )


def report_flush(
    seconds: float, flushed: int, line_bytes: int, baseline_seconds: float, blob_bytes: int
) -> None:
    print(
        f"flush_live_buffers: {flushed} sessions in {seconds:.2f}s = {flushed / seconds:.0f} sessions/s, "
        f"{line_bytes / 1e6 / seconds:.1f} MB/s of JSONL ({blob_bytes / 1e6:.1f} MB gzip stored)"
    )
    print(
        f"baseline flush (ZRANGE + gzip + boto3 put_object + ZREM): {baseline_seconds:.2f}s = "
        f"{flushed / baseline_seconds:.0f} sessions/s; ratio (flush / baseline): "
        f"throughput x{baseline_seconds / seconds:.2f}"
    )


# --- the run ----------------------------------------------------------------------------------


def service_environment(workdir: str, database_url: str, endpoint: str) -> dict[str, str]:
    """Production shape: PostgreSQL, Redis (live buffer, cache, broker: no in-process flush), S3."""
    return production_services_environment(
        workdir, database_url, endpoint, redis_url=REDIS_URL, bucket=BUCKET
    )


def generate(api_token: str) -> list[CaptureRequest]:
    started = time.perf_counter()
    sessions = traffic(token=api_token, request_count=REQUEST_COUNT, now_ms=int(time.time() * 1000))
    requests = interleaved(sessions)[:REQUEST_COUNT]
    gzip_mb = sum(len(request.body) for request in requests) / 1e6
    json_mb = sum(request.json_size for request in requests) / 1e6
    print(
        f"generated {len(requests)} requests of {len(sessions)} sessions in "
        f"{time.perf_counter() - started:.1f}s: {gzip_mb:.1f} MB gzip, {json_mb:.1f} MB JSON",
        flush=True,
    )
    return requests


@dataclass
class ServerFigures:
    peaks_kib: list[int]  # per worker, during the measured phase
    base_kib: list[int]  # per worker, right before it
    cpu_seconds: float  # all workers, during the measured phase
    drain_seconds: float = 0.0  # after the last 200, until the aggregators emptied the log


def capture_under_load(
    env: dict[str, str], requests: list[CaptureRequest]
) -> tuple[Phase, Phase, ServerFigures]:
    """Returns the warm-up, the measured phase and the workers' memory and CPU figures."""
    port = free_port()
    warm_count = WORKERS * 4  # every worker has served a request (lazy imports) before measuring
    with child_process(server_args(port), env=env) as server, aggregators(env, AGGREGATORS):
        wait_for_http(f"http://127.0.0.1:{port}/_health")
        time.sleep(0.5)  # let every worker finish booting
        workers = child_pids(server.pid)
        warm = load("warm-up", requests[:warm_count], capture_sender(port))
        base_kib = [proc_status_kib(pid, "VmRSS") for pid in workers]
        for pid in workers:
            reset_peak_rss(pid)
        cpu_before = cpu_seconds(workers)
        api = load(f"API POST /s/ ({SERVER.split()[0]})", requests[warm_count:], capture_sender(port))
        figures = ServerFigures(worker_peaks_kib(workers), base_kib, cpu_seconds(workers) - cpu_before)
        figures.drain_seconds = wait_until_applied()
        return warm, api, figures


def check_capture(
    warm: Phase, api: Phase, redis_client: Any, environment_id: int
) -> dict[str, Counter[tuple[str, int]]]:
    failures = [sent for sent in warm.results + api.results if sent.status != 200 or sent.error]
    for sent in failures[:5]:
        print(f"  FAILED HTTP {sent.status}: {sent.error}")
    if failures:
        raise AssertionError(
            f"{len(failures)} of {len(warm.results) + len(api.results)} capture requests failed"
        )
    ok = warm.ok + api.ok
    expected = expected_lines(ok)
    verify_buffer(redis_client, environment_id, expected)
    verify_metadata(environment_id, ok)
    print(
        f"verified: {len(ok)} lines of {len(expected)} sessions buffered exactly; metadata equals a "
        "synchronous replay of the same batches"
    )
    return expected


def report_aggregation(api: Phase, warm: Phase, server: ServerFigures, environment_id: int) -> None:
    lags = listing_lags(warm.ok + api.ok, environment_id)
    print(
        f"aggregation: {AGGREGATORS} run_aggregator processes; listing lag (first 200 -> recording "
        f"listed) p50 {percentile(lags, 0.5):.2f}s, p95 {percentile(lags, 0.95):.2f}s, "
        f"max {max(lags):.2f}s; log empty {server.drain_seconds:.2f}s after the last 200"
    )


def flush_and_check(
    redis_client: Any, s3: Any, environment_id: int, expected: dict[str, Counter[tuple[str, int]]]
) -> None:
    from snapshots.models import RecordingBlob

    seconds, flushed = flush_all()
    blobs = RecordingBlob.objects.filter(environment_id=environment_id)
    blob_bytes = sum(blobs.values_list("size_bytes", flat=True))
    line_bytes = sum(
        (len(line.encode()) + 1) * n for lines in expected.values() for (line, _), n in lines.items()
    )
    baseline_seconds = baseline_flush(redis_client, s3, environment_id, sorted(expected))
    report_flush(seconds, flushed, line_bytes, baseline_seconds, blob_bytes)
    verify_after_flush(redis_client, environment_id, expected)
    print("verified after flush: every line is in exactly one blob or still buffered")


def run(workdir: str, database_url: str, redis_client: Any, endpoint: str) -> None:
    env = service_environment(workdir, database_url, endpoint)
    django_setup(env)
    s3 = s3_client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    tenant = tenant_create()
    requests = generate(tenant.api_token)
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run", flush=True
    )
    warm, api, server = capture_under_load(env, requests)
    # The baseline replays exactly the measured requests (same order, same concurrency).
    sender = zadd_sender(redis_client, tenant.environment_id)
    baseline = load("redis-py pipeline ZADD, same lines", [s.request for s in api.results], sender)
    report_capture(api, baseline, server)
    report_aggregation(api, warm, server, tenant.environment_id)
    print(f"gunzip + orjson parse + line dump alone, one thread: {decode_cost_ms(requests):.2f} ms/request")
    expected = check_capture(warm, api, redis_client, tenant.environment_id)
    flush_and_check(redis_client, s3, tenant.environment_id, expected)
    fresh = interleaved(traffic(token=tenant.api_token, request_count=1000, now_ms=int(time.time() * 1000)))
    per_thousand, applied = statements_per_thousand(fresh[:1000])
    print(f"aggregator statements per 1,000 batches: {per_thousand:.0f} ({applied} capture requests applied)")
    first, later = queries_per_capture(tenant.api_token)
    print(f"database queries per capture request: {first} (first batch of a session), {later} (later batch)")


def main() -> int:
    return production_services_run("ingest", DB_NAME, run)


if __name__ == "__main__":
    sys.exit(main())
