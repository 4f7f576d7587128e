"""Production-shape plumbing for benchmarks: a throwaway PostgreSQL database, a flushed Redis
database, Django configured against them in this process, a tenant with a personal API key, and
latency percentiles.

Services are the local ones CI uses (``BENCH_POSTGRES_URL``, default
``postgres://postgres@127.0.0.1:5432``; ``BENCH_REDIS_URL``, default
``redis://127.0.0.1:6379/9``). A benchmark that needs them fails loudly when they are not
reachable: a figure measured against another backend would not be the figure it prints.
The database is dropped on exit unless ``BENCH_KEEP_DB=1`` (to inspect it afterwards).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
KEEP_DB = os.environ.get("BENCH_KEEP_DB") == "1"


class ServiceMissing(RuntimeError):
    """PostgreSQL or Redis is not reachable: the benchmark cannot run in production shape."""


def _admin_connection() -> Any:
    import psycopg

    try:
        return psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise ServiceMissing(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}") from None


def _drop(cursor: Any, name: str) -> None:
    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A fresh, empty database ``name`` (dropped first if a previous run left it); yields its URL."""
    with _admin_connection() as connection, connection.cursor() as cursor:
        _drop(cursor, name)
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        if not KEEP_DB:
            _close_django_connections()
            with _admin_connection() as connection, connection.cursor() as cursor:
                _drop(cursor, name)


def _close_django_connections() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django never configured in this process: nothing to close
        pass


@contextmanager
def flushed_redis(url: str = REDIS_URL) -> Iterator[Any]:
    """A redis-py client on ``url``, its database flushed before and after."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=30)
    try:
        client.ping()
    except redis.RedisError as error:
        raise ServiceMissing(f"Redis at {url} is not reachable: {error}") from None
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def django_setup(env: dict[str, str], *, migrate: bool = True) -> None:
    """Configure Django in this process with exactly ``env`` (and migrate the database)."""
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    if migrate:
        call_command("migrate", verbosity=0)


@dataclass(frozen=True)
class Tenant:
    environment_id: int
    api_token: str  # the public project token posthog-js sends
    api_key: str  # a personal API key of ``user_id`` (plaintext)
    user_id: int


def tenant_create(*, scopes: Sequence[str] = ("*",), retention_days: int = 30) -> Tenant:
    """An organization, a project (its default environment) and a member with a personal key."""
    from recordings_api.models import Environment, Organization, User
    from recordings_api.services import membership_add, personal_api_key_create, project_create

    organization = Organization.objects.create(name="Bench")
    project = project_create(organization=organization, name="Bench")
    environment = Environment.objects.get(id=project.id)
    if environment.session_recording_retention_days != retention_days:
        environment.session_recording_retention_days = retention_days
        environment.save(update_fields=["session_recording_retention_days"])
    user = User.objects.create_user(email="bench@example.com", password=None, first_name="Bench")
    membership_add(organization=organization, user=user)
    key = personal_api_key_create(user=user, label="bench", scopes=list(scopes)).plaintext
    return Tenant(
        environment_id=environment.id, api_token=environment.api_token, api_key=key, user_id=user.pk
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def production_environment(**values: str | None) -> dict[str, str]:
    """The server's settings for a production-shape run (DEBUG off), plus ``values``."""
    from bench._support import environment_with

    base: dict[str, str | None] = {
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "DEBUG": "0",
        "TESTING": None,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return environment_with(**{**base, **values})


def benchmark_run(label: str, body: Callable[[], None]) -> int:
    """``body()`` as a benchmark's exit status: 1 when a service is missing or a correctness
    check failed (each said in one line naming the benchmark ``label``), else 0."""
    try:
        body()
    except ServiceMissing as error:
        print(f"the {label} benchmark needs PostgreSQL and Redis: {error}")
        return 1
    except AssertionError as error:
        print(f"{label.upper()} BENCHMARK FAILED: {error}")
        return 1
    return 0


def production_services_run(name: str, database: str, run: Callable[[str, str, Any, str], None]) -> int:
    """``run(workdir, database_url, redis_client, s3_endpoint)`` against a fresh PostgreSQL
    database, a flushed Redis database and a moto S3 server, all gone afterwards."""
    import tempfile

    from bench._support import moto_server

    def body() -> None:
        with (
            tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as workdir,
            postgres_database(database) as database_url,
            flushed_redis(REDIS_URL) as redis_client,
            moto_server() as endpoint,
        ):
            run(workdir, database_url, redis_client, endpoint)

    return benchmark_run(name.replace("_", " "), body)


def production_services_environment(
    workdir: str, database_url: str, endpoint: str, *, redis_url: str, bucket: str, **values: str | None
) -> dict[str, str]:
    """The server's settings for the production shape: PostgreSQL, Redis (live buffer, cache and
    broker, so nothing runs in process) and S3 at ``endpoint``, plus ``values``."""
    from pathlib import Path

    Path(workdir, "static").mkdir()
    return production_environment(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER=None,
        VAR_DIR=workdir,
        OBJECT_STORAGE_ENDPOINT=endpoint,
        OBJECT_STORAGE_BUCKET=bucket,
        OBJECT_STORAGE_ACCESS_KEY_ID="bench",
        OBJECT_STORAGE_SECRET_ACCESS_KEY="bench",
        OBJECT_STORAGE_REGION="us-east-1",
        **values,
    )
