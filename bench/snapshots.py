"""Streaming a ≥ 100 MB recording through the snapshots API vs. boto3 straight from S3.

Setup (all on loopback, in this run): moto's S3 server in its own process; a recording of
``BENCH_SNAPSHOTS_MB`` (default 100) MB of JSONL written as ~10 MB gzip blobs by the project's
own flush code (``snapshots.flush.blob_write``); the API served by gunicorn with the production
settings (``config/gunicorn.py``: gthread, kept-alive connections; one worker, DEBUG off) in its
own process. Two shapes, each measured in full:
- production: PostgreSQL (a throwaway database ``bench_snapshots``) and Redis for the cache and
  the throttles (``BENCH_SNAPSHOTS_REDIS_URL``, default ``redis://127.0.0.1:6379/7``, flushed);
- embedded: a throwaway SQLite database and the database cache (no Redis).
``BENCH_SNAPSHOTS_SHAPES`` (``production,embedded``) picks them.

Measured, each the best of ``BENCH_SNAPSHOTS_REPEAT`` (default 2) passes over every blob:
- API, ``Accept-Encoding: gzip``: the stored bytes passed through; baseline: a separate
  process downloading the same objects with boto3 (``get_object`` + ``iter_chunks``).
- API, plain JSONL: gunzipped on the fly by the server; baseline: the boto3 process
  downloading and gunzipping the same objects.
Throughput is MB/s of bytes received by the client. Memory is the peak RSS of the API's
worker process and of the boto3 process, and its growth over the process's RSS right before
the downloads: a streaming server grows by a few chunks, not by the recording's size. The
warm-up passes hash what they receive: the API's bytes must be identical to the objects
(passthrough) and to their gunzipped content (JSONL).
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._support import (
    ROOT,
    child_pids,
    child_process,
    environment_with,
    free_port,
    mib,
    moto_server,
    proc_status_kib,
    reset_peak_rss,
    wait_for_http,
)

TARGET_MB = int(os.environ.get("BENCH_SNAPSHOTS_MB", "100"))
REPEAT = int(os.environ.get("BENCH_SNAPSHOTS_REPEAT", "2"))
BLOB_MB = 10
BUCKET = "bench-snapshots"
SESSION_ID = "bench-session"
BASE_MS = (int(time.time()) - 3600) * 1000  # recent: inside the retention window
READ_BYTES = 1024 * 1024


@dataclass
class Run:
    label: str
    seconds: float
    received_bytes: int
    peak_kib: int
    base_kib: int
    sha256: str = ""

    @property
    def mb_per_second(self) -> float:
        return self.received_bytes / 1e6 / self.seconds

    @property
    def growth_kib(self) -> int:
        return max(0, self.peak_kib - self.base_kib)


# --- setup ------------------------------------------------------------------------------------


def service_environment(
    workdir: Path, endpoint: str, *, database_url: str | None, redis_url: str | None
) -> dict[str, str]:
    """The server's settings: ``database_url`` (else a throwaway SQLite database) and moto; Redis
    (cache, throttles, live buffer) at ``redis_url``, as in production, else the embedded
    database cache."""
    return environment_with(
        DATABASE_URL=database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        REDIS_URL=redis_url,
        VAR_DIR=str(workdir),
        CELERY_BROKER_URL=None,
        CELERY_TASK_ALWAYS_EAGER="1",
        OBJECT_STORAGE_ENDPOINT=endpoint,
        OBJECT_STORAGE_BUCKET=BUCKET,
        OBJECT_STORAGE_ACCESS_KEY_ID="bench",
        OBJECT_STORAGE_SECRET_ACCESS_KEY="bench",
        OBJECT_STORAGE_REGION="us-east-1",
        SECRET_KEY="bench-secret-key-not-for-production",
        DEBUG="0",
        TESTING=None,
        ALLOWED_HOSTS="127.0.0.1",
        THROTTLE_SNAPSHOTS_BURST="100000/minute",
        THROTTLE_SNAPSHOTS_SUSTAINED="1000000/hour",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )


def rrweb_line(index: int, rng: random.Random) -> tuple[int, str]:
    """One message of 20 rrweb events, with random text so gzip cannot shrink it too much."""
    timestamp = BASE_MS + index * 100
    events = [
        {
            "type": 3,
            "timestamp": timestamp + n,
            "data": {
                "source": 0,
                "texts": [],
                "attributes": [{"id": index * 20 + n, "attributes": {"class": f"item item-{n}"}}],
                "adds": [{"parentId": 1, "nextId": None, "node": {"type": 3, "textContent": _text(rng)}}],
                "removes": [],
            },
        }
        for n in range(20)
    ]
    return timestamp, json.dumps({"window_id": "bench-window", "data": events}, separators=(",", ":"))


def _text(rng: random.Random) -> str:
    return "lorem ipsum dolor sit amet " * 8 + base64.b64encode(rng.randbytes(120)).decode()


def seed_recording() -> tuple[int, str, list[str]]:
    """Tenant, key, recording and its blobs; returns (environment id, API key, object keys)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from recordings.expiry import expiry_of
    from recordings.models import SessionRecording
    from recordings_api.models import Organization, User
    from recordings_api.services import membership_add, personal_api_key_create, project_create
    from recordings_api.timestamps import ms_to_datetime
    from snapshots.flush import blob_write
    from snapshots.live_buffer import BufferedLine

    organization = Organization.objects.create(name="Bench")
    project = project_create(organization=organization, name="Bench")
    user = User.objects.create_user(email="bench@example.com", password=None)
    membership_add(organization=organization, user=user)
    key = personal_api_key_create(user=user, label="bench", scopes=["session_recording:read"]).plaintext
    rng = random.Random(20240430)
    blobs, written, index = [], 0, 0
    while written < TARGET_MB * 1_000_000:
        lines, size = [], 0
        while size < BLOB_MB * 1_000_000:
            score, line = rrweb_line(index, rng)
            lines.append(BufferedLine(score=score, line=line))
            size += len(line) + 1
            index += 1
        blobs.append(blob_write(environment_id=project.id, session_id=SESSION_ID, lines=lines))
        written += size
    start = ms_to_datetime(BASE_MS)
    SessionRecording.objects.create(
        environment_id=project.id,
        session_id=SESSION_ID,
        start_time=start,
        end_time=ms_to_datetime(BASE_MS + index * 100),
        expires_at=expiry_of(start_time=start, retention_days=30, persisted=False),
    )
    return project.id, key, [blob.object_key for blob in blobs]


def create_bucket(endpoint: str) -> None:
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    ).create_bucket(Bucket=BUCKET)


# --- the API path -----------------------------------------------------------------------------


def http_get(port: int, path: str, headers: dict[str, str], digest: Any = None) -> tuple[int, bytes | int]:
    """GET streamed in 1 MiB reads (fed to ``digest`` when given); returns (status, byte count),
    or (status, body) for JSON."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.getheader("Content-Type", "").startswith("application/json") and "blob_key" not in path:
            return response.status, response.read()
        received = 0
        while chunk := response.read(READ_BYTES):
            received += len(chunk)
            if digest is not None:
                digest.update(chunk)
        return response.status, received
    finally:
        connection.close()


def api_pass(port: int, environment_id: int, key: str, *, gzip: bool, digest: Any = None) -> int:
    base = f"/api/environments/{environment_id}/session_recordings/{SESSION_ID}/snapshots"
    headers = {"Authorization": f"Bearer {key}", "Accept-Encoding": "gzip" if gzip else "identity"}
    status, listing = http_get(port, base, headers)
    assert status == 200 and isinstance(listing, bytes), f"sources: HTTP {status}"
    received = 0
    for source in json.loads(listing)["sources"]:
        status, count = http_get(port, f"{base}?source=blob&blob_key={source['blob_key']}", headers, digest)
        assert status == 200 and isinstance(count, int), f"blob {source['blob_key']}: HTTP {status}"
        received += count
    return received


def measure_api(port: int, worker_pid: int, environment_id: int, key: str, *, gzip: bool) -> Run:
    digest = hashlib.sha256()
    api_pass(port, environment_id, key, gzip=gzip, digest=digest)  # warm-up: imports, connections
    best: Run | None = None
    for _ in range(REPEAT):
        base_kib = proc_status_kib(worker_pid, "VmRSS")
        reset_peak_rss(worker_pid)
        started = time.perf_counter()
        received = api_pass(port, environment_id, key, gzip=gzip)
        seconds = time.perf_counter() - started
        run = Run("", seconds, received, proc_status_kib(worker_pid, "VmHWM"), base_kib)
        best = run if best is None or run.seconds < best.seconds else best
    assert best is not None
    best.sha256 = digest.hexdigest()
    best.label = (
        "API, Accept-Encoding: gzip (passthrough)" if gzip else "API, JSONL (gunzipped while streaming)"
    )
    return best


OVERHEAD_SAMPLES = 101


def request_overhead_ms(port: int, environment_id: int, key: str) -> float:
    """Median latency of a blob request answered 304: auth, throttles, lookups, no storage.

    Over one kept-alive connection, as a player fetching a recording's blobs one after the other
    does (a new TCP connection per request would add the loopback handshake, which is not the
    API's cost), after a warm-up, the median of ``OVERHEAD_SAMPLES``."""
    base = f"/api/environments/{environment_id}/session_recordings/{SESSION_ID}/snapshots"
    headers = {"Authorization": f"Bearer {key}"}
    _, listing = http_get(port, base, headers)
    assert isinstance(listing, bytes)
    blob_key = json.loads(listing)["sources"][0]["blob_key"]
    path = f"{base}?source=blob&blob_key={blob_key}"
    conditional = {**headers, "If-None-Match": "*"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    timings = []
    try:
        for sample in range(10 + OVERHEAD_SAMPLES):
            started = time.perf_counter()
            connection.request("GET", path, headers=conditional)
            response = connection.getresponse()
            response.read()
            if sample >= 10:
                timings.append(time.perf_counter() - started)
            assert response.status == 304, f"conditional request: HTTP {response.status}"
            if response.will_close:  # the server does not keep connections: the next one reconnects
                connection.close()
    finally:
        connection.close()
    return sorted(timings)[len(timings) // 2] * 1000


# --- the boto3 baseline (its own process: ``python -m bench.snapshots --boto3 ...``) ------------


def boto3_download_all(client: Any, keys: list[str], *, gunzip: bool, digest: Any = None) -> int:
    """One pass over the objects (gunzipped when asked); returns the bytes obtained."""
    received = 0
    for key in keys:
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"]
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS) if gunzip else None
        for chunk in body.iter_chunks(READ_BYTES):
            data = decompressor.decompress(chunk) if decompressor else chunk
            received += len(data)
            if digest is not None:
                digest.update(data)
        tail = decompressor.flush() if decompressor else b""
        received += len(tail)
        if digest is not None:
            digest.update(tail)
    return received


def boto3_process_main(endpoint: str, keys: list[str], gunzip: bool) -> None:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(s3={"addressing_style": "path"}),
    )
    digest = hashlib.sha256()
    boto3_download_all(client, keys, gunzip=gunzip, digest=digest)  # warm-up
    results = []
    for _ in range(REPEAT):
        base_kib = proc_status_kib(os.getpid(), "VmRSS")
        reset_peak_rss(os.getpid())
        started = time.perf_counter()
        received = boto3_download_all(client, keys, gunzip=gunzip)
        seconds = time.perf_counter() - started
        results.append([seconds, received, proc_status_kib(os.getpid(), "VmHWM"), base_kib])
    print(json.dumps([*min(results), digest.hexdigest()]))


def measure_boto3(endpoint: str, keys: list[str], *, gunzip: bool) -> Run:
    args = [sys.executable, "-m", "bench.snapshots", "--boto3", endpoint, "1" if gunzip else "0", *keys]
    output = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    seconds, received, peak_kib, base_kib, sha256 = json.loads(output.strip().splitlines()[-1])
    label = "boto3 direct + gunzip (same objects)" if gunzip else "boto3 direct (same objects)"
    return Run(label, seconds, received, peak_kib, base_kib, sha256)


# --- report -----------------------------------------------------------------------------------


def report(pairs: list[tuple[Run, Run]], stored: int, served: int, blobs: int, overhead_ms: float) -> None:
    cache = "Redis" if os.environ.get("REDIS_URL") else "embedded database cache (SQLite commits)"
    print(f"recording: {blobs} blobs, {stored / 1e6:.1f} MB stored (gzip), {served / 1e6:.1f} MB JSONL")
    print(
        f"API per-request overhead (304: auth, throttles in {cache}, lookups): {overhead_ms:.1f} ms; "
        f"{blobs + 1} requests per pass"
    )
    print(f"{'path':<44}{'seconds':>9}{'MB/s':>9}{'peak RSS MiB':>14}{'growth MiB':>12}")
    for pair in pairs:
        for run in pair:
            print(
                f"{run.label:<44}{run.seconds:>9.2f}{run.mb_per_second:>9.1f}"
                f"{mib(run.peak_kib):>14.1f}{mib(run.growth_kib):>12.1f}"
            )
    print("ratios (API / boto3 baseline):")
    for api, baseline in pairs:
        growth = mib(api.growth_kib) / max(mib(baseline.growth_kib), 1.0)
        print(
            f"  {api.label}: throughput x{api.mb_per_second / baseline.mb_per_second:.2f}, "
            f"peak RSS x{api.peak_kib / baseline.peak_kib:.2f}, RSS growth x{growth:.2f} "
            f"(growth {mib(api.growth_kib):.1f} MiB for {api.received_bytes / 1e6:.0f} MB streamed)"
        )


SHAPES = os.environ.get("BENCH_SNAPSHOTS_SHAPES", "production,embedded").split(",")
REDIS_URL = os.environ.get("BENCH_SNAPSHOTS_REDIS_URL", "redis://127.0.0.1:6379/7")
DB_NAME = os.environ.get("BENCH_SNAPSHOTS_DB", "bench_snapshots")


def shape_run(endpoint: str, workdir: Path, *, database_url: str | None, redis_url: str | None) -> None:
    """Seed, serve and measure one shape; prints its report (raises when a check fails)."""
    env = service_environment(workdir, endpoint, database_url=database_url, redis_url=redis_url)
    os.environ.clear()
    os.environ.update(env)
    started = time.perf_counter()
    environment_id, key, object_keys = seed_recording()
    print(f"seeded {len(object_keys)} blobs in {time.perf_counter() - started:.1f}s", flush=True)
    port = free_port()
    # The production server settings (config/gunicorn.py: gthread, keep-alive), one worker.
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
    served = [*gunicorn, "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "300"]
    with child_process(served, env=env) as server:
        wait_for_http(f"http://127.0.0.1:{port}/_health")
        (worker_pid,) = child_pids(server.pid)
        gzip_api = measure_api(port, worker_pid, environment_id, key, gzip=True)
        plain_api = measure_api(port, worker_pid, environment_id, key, gzip=False)
        overhead_ms = request_overhead_ms(port, environment_id, key)
    gzip_base = measure_boto3(endpoint, object_keys, gunzip=False)
    plain_base = measure_boto3(endpoint, object_keys, gunzip=True)
    pairs = [(gzip_api, gzip_base), (plain_api, plain_base)]
    report(pairs, gzip_base.received_bytes, plain_base.received_bytes, len(object_keys), overhead_ms)
    assert gzip_api.sha256 == gzip_base.sha256, "passthrough must serve the stored bytes"
    assert plain_api.sha256 == plain_base.sha256, "JSONL must be the decompressed blobs"
    print("bytes served: identical to the stored objects (gzip) and to their content (JSONL), by SHA-256")


def shape_main(shape: str) -> None:
    """One shape, in this process (Django is configured once per process)."""
    from bench._seed import flushed_redis, postgres_database

    with tempfile.TemporaryDirectory(prefix="bench-snapshots-") as workdir, moto_server() as endpoint:
        create_bucket(endpoint)
        if shape == "production":
            with postgres_database(DB_NAME) as database_url, flushed_redis(REDIS_URL):
                shape_run(endpoint, Path(workdir), database_url=database_url, redis_url=REDIS_URL)
        else:
            shape_run(endpoint, Path(workdir), database_url=None, redis_url=None)


def main() -> int:
    labels = {"production": "PostgreSQL; Redis cache and throttles", "embedded": "SQLite; database cache"}
    for shape in SHAPES:
        print(f"--- shape: {shape} ({labels[shape]})", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "bench.snapshots", "--shape", shape], cwd=ROOT, check=False
        )
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--boto3":
        boto3_process_main(sys.argv[2], sys.argv[4:], sys.argv[3] == "1")
    elif len(sys.argv) > 2 and sys.argv[1] == "--shape":
        shape_main(sys.argv[2])
    else:
        sys.exit(main())
