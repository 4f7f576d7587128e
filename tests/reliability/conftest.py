"""The fault suite's plumbing: real servers in child processes on loopback, driven over HTTP.

Every test here is black-box: data goes in through capture (``POST /s/``) and comes back through
the snapshots API, against the serving shape of ``docker-compose.yml`` (gunicorn gthread, and
nginx in front where a test is about the proxy), with servers the tests own so they can kill,
pause or cut them:

- ``private_redis`` (from the root conftest): a ``redis-server`` of the test's own, killable
  and restartable, with or without AOF;
- ``moto_process``: moto's S3 server in its own process, so ``SIGSTOP`` freezes it mid-request;
- ``Stack``: gunicorn serving the app with a given environment (the test database, a Redis, an
  S3 endpoint), ``nginx_proxy`` in front of it, and ``catch_up``, the ONE place that makes the
  pipeline process what was acknowledged (apply the ingest log, flush live buffers to object
  storage). When the pipeline changes, change ``catch_up`` and nothing else.

Every test is marked ``reliability`` and bounded by ``pytest-timeout``; every child process is
stopped when its fixture ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from recordings_api.models import Environment, User
from recordings_api.services import personal_api_key_create
from tests.private_redis import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_TIMEOUT_SECONDS = 120
NGINX_TEMPLATE = ROOT / "config" / "nginx.conf.template"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_SECONDS))


# --- processes ------------------------------------------------------------------------------


def wait_for_http(url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up within {timeout:.0f}s") from None
            time.sleep(0.1)


@contextmanager
def child_process(
    args: Sequence[str], *, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own session, terminated (then killed) on exit, never left behind."""
    output = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        list(args), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGCONT)  # a paused process cannot handle SIGTERM
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if log:
            output.close()  # type: ignore[union-attr]


# --- Redis ----------------------------------------------------------------------------------


# --- S3 -------------------------------------------------------------------------------------


@dataclass
class MotoProcess:
    endpoint: str
    process: subprocess.Popen[bytes]

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def moto_process(tmp_path: Path) -> Iterator[MotoProcess]:
    """moto's S3 server in a process of its own, with one bucket, ``recordings``."""
    import boto3

    port = free_port()
    with child_process([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]) as process:
        endpoint = f"http://127.0.0.1:{port}"
        wait_for_http(f"{endpoint}/moto-api/")
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket="recordings")
        moto = MotoProcess(endpoint=endpoint, process=process)
        yield moto
        moto.resume()


# --- the app --------------------------------------------------------------------------------


def _database_url() -> str:
    """The URL of the test database this process uses (the child servers share it)."""
    settings = connection.settings_dict
    if "postgresql" not in settings["ENGINE"]:
        pytest.skip("the fault suite serves the app from child processes: it needs PostgreSQL")
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{user}{password}@{host}/{settings['NAME']}"


@dataclass
class Stack:
    """The app under gunicorn with ``env``; ``url`` is where clients go (nginx when proxied)."""

    env: dict[str, str]
    url: str
    app_url: str
    log: Path
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def stack_env(*, redis_url: str | None, s3_endpoint: str | None, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COV_"))}
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        env["PYTEST_XDIST_WORKER"] = worker  # the same cache key prefix as this test process
    env.update(TESTING="1", DEBUG="0", DATABASE_URL=_database_url(), CELERY_TASK_ALWAYS_EAGER="1")
    # Reading everything back takes many requests: budgets are the throttle tests' business.
    for name in ("BURST", "SUSTAINED", "SNAPSHOTS_BURST", "SNAPSHOTS_SUSTAINED"):
        env[f"THROTTLE_{name}"] = "1000000/minute"
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    for name in ("OBJECT_STORAGE_ENDPOINT", "OBJECT_STORAGE_BUCKET"):
        env.pop(name, None)
    if s3_endpoint:
        env.update(
            OBJECT_STORAGE_ENDPOINT=s3_endpoint,
            OBJECT_STORAGE_BUCKET="recordings",
            OBJECT_STORAGE_ACCESS_KEY_ID="testing",
            OBJECT_STORAGE_SECRET_ACCESS_KEY="testing",
            OBJECT_STORAGE_READ_TIMEOUT_SECONDS="1",
            OBJECT_STORAGE_MAX_ATTEMPTS="1",
        )
    env.update(extra)
    return env


@contextmanager
def app_server(env: dict[str, str], log_dir: Path, *, workers: int = 1, threads: int = 8) -> Iterator[Stack]:
    """gunicorn as docker-compose runs it (gthread), on a free loopback port."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--timeout=60",
        "--access-logfile=-",
    ]
    with child_process(args, env=env, log=log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/_health")
        yield Stack(env=env, url=url, app_url=url, log=log, process=process)


@contextmanager
def nginx_proxy(app_url: str, directory: Path, *, max_body_size: str = "20m") -> Iterator[str]:
    """nginx with the shipped ``config/nginx.conf.template`` in front of ``app_url``."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.fail("nginx is needed by the fault suite (.ci/run installs Debian's nginx-light)")
    port = free_port()
    snippet = (
        NGINX_TEMPLATE.read_text()
        .replace("${APP_UPSTREAM}", app_url.removeprefix("http://"))
        .replace("${PROXY_LISTEN}", f"127.0.0.1:{port}")
        .replace("${PROXY_MAX_BODY_SIZE}", max_body_size)
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "site.conf").write_text(snippet)
    temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = f"""
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {directory}/site.conf;
}}
"""
    (directory / "nginx.conf").write_text(main)
    with child_process(
        [nginx, "-p", str(directory), "-c", str(directory / "nginx.conf")], log=directory / "out.log"
    ):
        wait_for_http(f"http://127.0.0.1:{port}/_health")
        yield f"http://127.0.0.1:{port}"


_CATCH_UP = (
    "from django.core.management import call_command; "
    "from snapshots.aggregation import ingest_log_drain; "
    "ingest_log_drain(max_seconds=30); "
    "call_command('flush_live_buffers')"
)


def catch_up(stack: Stack, *, expect_failure: bool = False) -> None:
    """Make the pipeline process everything acknowledged so far: apply the ingest log (recording
    metadata), then flush every live buffer to object storage. The one place to change when the
    pipeline gains or loses downstream steps.

    ``expect_failure``: a dependency is down, so the pass may fail (it must still end)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _CATCH_UP],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        timeout=90,
    )
    if not expect_failure:
        assert result.returncode == 0, result.stderr.decode()[-2000:]


# --- tenants --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    environment: Environment
    token: str
    key: str


@pytest.fixture
def tenant(transactional_db: None, environment: Environment, owner: User) -> Tenant:
    """A committed environment (visible to the child servers) and an owner's ``*`` key."""
    key = personal_api_key_create(user=owner, label="fault suite", scopes=["*"]).plaintext
    return Tenant(environment=environment, token=environment.api_token, key=key)


def new_session_id() -> str:
    return str(uuid.uuid4())
