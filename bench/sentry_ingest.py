"""Sentry envelopes under load: ``@sentry/browser``-shaped replay segments POSTed concurrently.

Setup as ``bench.ingest`` (production shape on loopback, in this run): PostgreSQL database
``bench_sentry`` (fresh, dropped at the end), Redis (``BENCH_REDIS_URL``, flushed before and
after), moto's S3 server, gunicorn with ``BENCH_INGEST_WORKERS`` (default 4) sync workers.

Traffic (``bench._envelopes``): ``BENCH_SENTRY_REPLAYS`` (default 200) replays of
``BENCH_SENTRY_SEGMENTS`` (default 10) segments, each the real SDK's segment 0 of the fixtures
(~2.5 KB zlib, 74 rrweb events with clicks and breadcrumbs), sent by ``BENCH_INGEST_CONCURRENCY``
(default 8) threads, at most ``BENCH_INGEST_SECONDS`` (default 60) seconds.

Printed: envelopes/s, MB/s, p50/p95/p99 latency, worker CPU per envelope, in the same row format
as ``bench.ingest``; the baseline is the same lines written straight to Redis by redis-py
pipelines (``ZADD`` + ``EXPIRE``), same order and concurrency: ``ratio (API / redis-py ZADD
baseline): throughput xN``. Then the aggregators' fold of all segments (segments/s), and the CPU
the posthog-js click index adds at capture time (``cv`` decoding and the DOM walk) next to the
decoding a capture request needs anyway.

Correctness (fails the run): every envelope answered 200; each replay's buffer holds exactly its
segments' lines; after the aggregators ran, every replay has all its segments folded in.
"""

from __future__ import annotations

import gzip
import http.client
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from bench._envelopes import EnvelopeRequest, replay_traffic
from bench._load import Phase, Sent, cpu_seconds, run_concurrently
from bench._seed import (
    django_setup,
    production_services_run,
    tenant_create,
)
from bench._support import child_pids, child_process, free_port, proc_status_kib, wait_for_http
from bench.ingest import (
    CONCURRENCY,
    MAX_SECONDS,
    WORKERS,
    ServerFigures,
    phase_row,
    server_args,
    service_environment,
    worker_peaks_kib,
)

REPLAYS = int(os.environ.get("BENCH_SENTRY_REPLAYS", "200"))
SEGMENTS = int(os.environ.get("BENCH_SENTRY_SEGMENTS", "10"))
DB_NAME = "bench_sentry"
PUBLIC_KEY = "0123456789abcdef0123456789abcdef"


def envelope_sender(port: int, environment_id: int) -> Callable[[Any], Sent]:
    path = f"/api/{environment_id}/envelope/?sentry_version=7&sentry_key={PUBLIC_KEY}"
    path += "&sentry_client=sentry.javascript.browser%2F11.12.0"

    def send(request: EnvelopeRequest) -> Sent:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", path, body=request.body, headers={"Origin": "https://shop.example"})
            response = connection.getresponse()
            body = response.read()
        except OSError as error:
            return Sent(request, 0, time.perf_counter() - started, f"connection: {error}")  # type: ignore[arg-type]
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        if response.status != 200:
            return Sent(request, response.status, seconds, body[:300].decode("utf-8", "replace"))  # type: ignore[arg-type]
        return Sent(request, 200, seconds)  # type: ignore[arg-type]

    return send


def zadd_sender(client: Any, environment_id: int) -> Callable[[Any], Sent]:
    """The baseline: the very line the service stores, ZADD + EXPIRE in one pipeline."""
    from django.conf import settings

    from snapshots.live_buffer import live_buffer_key

    partitions, ttl = int(settings.LIVE_BUFFER_PARTITIONS), int(settings.LIVE_BUFFER_TTL_SECONDS)

    def send(request: EnvelopeRequest) -> Sent:
        key = "bench-baseline/" + live_buffer_key(
            environment_id=environment_id, session_id=request.session_id, partitions=partitions
        )
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        pipe.zadd(key, {request.line: request.score})
        pipe.expire(key, ttl)
        pipe.execute()
        return Sent(request, 200, time.perf_counter() - started)  # type: ignore[arg-type]

    return send


def load(label: str, requests: Sequence[Any], send: Callable[[Any], Sent]) -> Phase:
    return run_concurrently(label, requests, send, concurrency=CONCURRENCY, max_seconds=MAX_SECONDS)


def envelopes_under_load(
    env: dict[str, str], requests: list[EnvelopeRequest], environment_id: int
) -> tuple[Phase, Phase, ServerFigures]:
    port = free_port()
    warm_count = WORKERS * 4
    with child_process(server_args(port), env=env) as server:
        wait_for_http(f"http://127.0.0.1:{port}/_health")
        time.sleep(0.5)
        workers = child_pids(server.pid)
        send = envelope_sender(port, environment_id)
        warm = load("warm-up", requests[:warm_count], send)
        base_kib = [proc_status_kib(pid, "VmRSS") for pid in workers]
        cpu_before = cpu_seconds(workers)
        api = load("API POST /api/{id}/envelope/ (gunicorn)", requests[warm_count:], send)
        return (
            warm,
            api,
            ServerFigures(worker_peaks_kib(workers), base_kib, cpu_seconds(workers) - cpu_before),
        )


def report(api: Phase, baseline: Phase, server: ServerFigures) -> None:
    header = ("reqs", 6), ("secs", 7), ("req/s", 8), ("MB/s", 7), ("raw MB/s", 9)
    header += ("p50 ms", 8), ("p95 ms", 8), ("p99 ms", 8)
    print(f"{'path':<38}" + "".join(f"{name:>{width}}" for name, width in header))
    print(phase_row(api))
    print(phase_row(baseline))
    print("  (MB/s: envelopes as sent; raw MB/s: the rrweb JSON their recordings decompress to)")
    per_envelope = server.cpu_seconds / len(api.results) * 1000
    share = server.cpu_seconds / api.wall_seconds * 100
    print(
        f"server: {WORKERS} gunicorn sync workers; worker CPU {per_envelope:.1f} ms/envelope "
        f"({share:.0f}% of one core)"
    )
    throughput = api.requests_per_second / baseline.requests_per_second
    print(
        f"ratio (API / redis-py ZADD baseline): throughput x{throughput:.3f}, "
        f"p50 latency x{api.latency_ms(0.5) / baseline.latency_ms(0.5):.0f}, "
        f"p95 latency x{api.latency_ms(0.95) / baseline.latency_ms(0.95):.0f}"
    )


def check_buffer(sent: Sequence[Sent], environment_id: int) -> None:
    from snapshots.live_buffer import get_live_buffer

    failures = [s for s in sent if s.status != 200 or s.error]
    for failure in failures[:5]:
        print(f"  FAILED HTTP {failure.status}: {failure.error}")
    if failures:
        raise AssertionError(f"{len(failures)} of {len(sent)} envelopes failed")
    expected: dict[str, set[str]] = {}
    for item in sent:
        expected.setdefault(item.request.session_id, set()).add(item.request.line)  # type: ignore[attr-defined]
    buffer = get_live_buffer()
    for replay_id, lines in expected.items():
        stored = {line.line for line in buffer.read(environment_id=environment_id, session_id=replay_id)}
        if stored != lines:
            raise AssertionError(f"replay {replay_id}: {len(stored)} lines buffered, {len(lines)} sent")
    print(f"verified: {len(sent)} segment lines of {len(expected)} replays buffered exactly")


def aggregate_and_check(sent: Sequence[Sent], environment_id: int) -> None:
    from recordings.models import SessionRecording
    from snapshots.aggregation import ingest_log_drain

    started = time.perf_counter()
    entries = ingest_log_drain(max_seconds=600)
    seconds = time.perf_counter() - started
    rate = len(sent) / seconds
    print(
        f"aggregators: {entries} log entries ({len(sent)} segments) folded in {seconds:.2f}s = "
        f"{rate:.0f} segments/s"
    )
    segments: dict[str, int] = {}
    for item in sent:
        segments[item.request.session_id] = segments.get(item.request.session_id, 0) + 1  # type: ignore[attr-defined]
    folded = dict(
        SessionRecording.objects.filter(environment_id=environment_id).values_list(
            "session_id", "segment_count"
        )
    )
    wrong = {replay: count for replay, count in segments.items() if folded.get(replay) != count}
    if wrong:
        raise AssertionError(f"{len(wrong)} replays not folded completely, e.g. {next(iter(wrong.items()))}")
    print(f"verified: {len(folded)} replays, each with all its segments")


def click_index_cost() -> None:
    """posthog-js capture: the click index's CPU (cv decoding, DOM walk) next to the decode cost."""
    from django.utils import timezone

    from bench._capture_batches import interleaved, traffic
    from snapshots.capture.payload import capture_payload_parse
    from snapshots.ingestion.clicks import session_click_records

    now = int(time.time() * 1000)
    requests = interleaved(traffic(token="phc_bench", request_count=600, now_ms=now))[:600]
    parsed = []
    started = time.perf_counter()
    for request in requests:
        parsed.append(capture_payload_parse(orjson.loads(gzip.decompress(request.body)), now=timezone.now()))
    decode_ms = (time.perf_counter() - started) / len(requests) * 1000
    started = time.perf_counter()
    rows = 0
    for payload in parsed:
        item = payload.items[0]
        elements, clicks = session_click_records(
            environment_id=1, session_id=item.session_id or "", windows={item.window_id or "": payload.items}
        )
        rows += len(elements) + len(clicks)
    index_ms = (time.perf_counter() - started) / len(requests) * 1000
    print(
        f"posthog-js capture, one thread: gunzip + parse + validate {decode_ms:.2f} ms/request; the click "
        f"index (cv decoding + DOM walk + rage rule) adds {index_ms:.2f} ms/request "
        f"({rows / len(requests):.1f} rows); "
        f"ratio (click index / decode): x{index_ms / decode_ms:.2f}"
    )


def run(workdir: str, database_url: str, redis_client: Any, endpoint: str) -> None:
    env = service_environment(workdir, database_url, endpoint)
    django_setup(env)
    from recordings_api.models import SentryClientKey

    tenant = tenant_create()
    SentryClientKey.objects.create(environment_id=tenant.environment_id, public_key=PUBLIC_KEY)
    requests = replay_traffic(replays=REPLAYS, segments=SEGMENTS, now_ms=int(time.time() * 1000))
    mb = sum(len(r.body) for r in requests) / 1e6
    print(
        f"generated {len(requests)} envelopes ({REPLAYS} replays x {SEGMENTS} segments): {mb:.1f} MB",
        flush=True,
    )
    warm, api, server = envelopes_under_load(env, requests, tenant.environment_id)
    baseline = load(
        "redis-py pipeline ZADD, same lines",
        [s.request for s in api.results],
        zadd_sender(redis_client, tenant.environment_id),
    )
    report(api, baseline, server)
    sent = warm.results + api.results
    check_buffer(sent, tenant.environment_id)
    aggregate_and_check(sent, tenant.environment_id)
    click_index_cost()


def main() -> int:
    return production_services_run("sentry_ingest", DB_NAME, run)


if __name__ == "__main__":
    sys.exit(main())
