"""Personas, key clients and real services shared by the whole suite.

Personas (healthchecks' alice/bob/charlie): ``owner`` and ``teammate`` belong to the
organization of ``environment`` (project 1's default environment); ``outsider`` belongs to
another organization with its own ``other_environment``. ``key_client(scopes)`` is an
APIClient authenticated with a fresh personal API key of ``owner``; ``staff_client`` is the
owner logged in as a superuser (admin, browsable API).

Services: ``s3_endpoint`` is moto's server mode on loopback (a real HTTP endpoint);
``redis_url`` is the local Redis (from ``REDIS_URL``, else 127.0.0.1:6379), skipped when it is
not reachable unless ``REQUIRE_SERVICES=1`` (CI), where it fails instead. ``private_redis`` is
a ``redis-server`` of the test's own, for tests that kill it or count its commands.

Backends: ``live_buffer_backend`` (database | redis), ``blob_store_backend`` (local | s3) and
``snapshot_backends`` (the embedded pair database+local and the production pair redis+s3)
switch the settings that ``get_live_buffer()`` / ``get_blob_store()`` read, so the same tests
run against every driver.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.http import StreamingHttpResponse
from django.test import Client, override_settings
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings_api.models import Environment, Membership, Organization, User
from recordings_api.services import membership_add, personal_api_key_create, project_create
from tests.private_redis import PrivateRedis
from tests.redis_cluster import RedisCluster

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    """Personas have passwords; PBKDF2's million rounds would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_authentication_failure_budget(settings: Settings) -> Iterator[None]:
    """Every test client calls from 127.0.0.1, and many tests send invalid keys on purpose: in
    the shared Redis their failures would add up across tests into 429s. (The database windows
    of the embedded mode roll back with each test.)"""
    yield
    if settings.REDIS_URL:
        from django.core.cache import caches

        caches["default"].delete("throttle_auth_failures_127.0.0.1")


@pytest.fixture(autouse=True)
def fresh_access_cache() -> Iterator[None]:
    """A test's rows roll back without a commit, so no access generation is replaced: what one
    test cached in this process must not be served to the next (a fresh process in production)."""
    from recordings_api.access_cache import access_cache_clear

    access_cache_clear()
    yield
    access_cache_clear()


@pytest.fixture
def organization(db: None) -> Organization:
    return Organization.objects.create(name="Acme")


@pytest.fixture
def environment(organization: Organization) -> Environment:
    project = project_create(organization=organization, name="Acme web")
    return Environment.objects.select_related("project").get(id=project.id)


@pytest.fixture
def owner(organization: Organization, environment: Environment) -> User:
    user = User.objects.create_user(
        email="alice@example.com", password="pw", first_name="Alice", last_name="A"
    )
    membership_add(organization=organization, user=user, level=Membership.Level.OWNER)
    return user


@pytest.fixture
def teammate(organization: Organization, environment: Environment) -> User:
    user = User.objects.create_user(email="bob@example.com", password="pw", first_name="Bob")
    membership_add(organization=organization, user=user)
    return user


@pytest.fixture
def other_environment(db: None) -> Environment:
    other_org = Organization.objects.create(name="Other org")
    project = project_create(organization=other_org, name="Other web")
    return Environment.objects.select_related("project").get(id=project.id)


@pytest.fixture
def outsider(other_environment: Environment) -> User:
    user = User.objects.create_user(email="charlie@example.com", password="pw", first_name="Charlie")
    membership_add(organization=other_environment.project.organization, user=user)
    return user


@pytest.fixture
def staff_client(owner: User) -> Client:
    """The owner as a logged-in superuser: the admin and the browsable API (session auth)."""
    owner.is_staff = True
    owner.is_superuser = True
    owner.save()
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def make_key() -> Callable[..., str]:
    def _make(user: User, scopes: list[str] | None = None, **kwargs: Any) -> str:
        return personal_api_key_create(user=user, label="test", scopes=scopes or ["*"], **kwargs).plaintext

    return _make


@pytest.fixture
def key_client(owner: User, make_key: Callable[..., str]) -> Callable[..., APIClient]:
    """``key_client(["session_recording:read"], user=None)`` → an APIClient with a Bearer key."""

    def _client(scopes: list[str] | None = None, user: User | None = None, **kwargs: Any) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(user or owner, scopes, **kwargs)}")
        return client

    return _client


@pytest.fixture
def api(key_client: Callable[..., APIClient]) -> APIClient:
    """An owner's client holding the ``*`` scope."""
    return key_client(["*"])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto in server mode on a free loopback port: S3 spoken over real HTTP."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A flushed Redis database of the real server, one database number per xdist worker."""
    import redis

    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    url = base.rsplit("/", 1)[0] + f"/{10 + _worker_index()}" if base.count("/") >= 3 else base
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if REQUIRE_SERVICES:
            raise RuntimeError(f"Redis at {url} is required (REQUIRE_SERVICES=1) but unreachable") from error
        pytest.skip(f"Redis not reachable at {url}")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


# --- backends ---------------------------------------------------------------------------------

S3_CREDENTIALS = {"OBJECT_STORAGE_ACCESS_KEY_ID": "testing", "OBJECT_STORAGE_SECRET_ACCESS_KEY": "testing"}


def make_bucket(endpoint: str) -> str:
    """A fresh bucket on the moto server at ``endpoint``."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(s3_endpoint: str) -> Iterator[dict[str, Any]]:
    """Object storage settings pointing at moto server with a fresh bucket."""
    values = {"OBJECT_STORAGE_ENDPOINT": s3_endpoint, "OBJECT_STORAGE_BUCKET": make_bucket(s3_endpoint)}
    values.update(S3_CREDENTIALS)
    with override_settings(**values):
        yield values


@pytest.fixture
def local_settings(tmp_path: Path) -> Iterator[dict[str, Any]]:
    values = {
        "OBJECT_STORAGE_ENDPOINT": None,
        "OBJECT_STORAGE_BUCKET": None,
        "OBJECT_STORAGE_LOCAL_DIR": tmp_path / "object_storage",
    }
    with override_settings(**values):
        yield values


@pytest.fixture
def private_redis(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PrivateRedis]:
    """A private Redis; ``@pytest.mark.parametrize("private_redis", [False], indirect=True)``
    turns AOF off (default on, ``appendfsync always``)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed by this test")
    server = PrivateRedis(directory=tmp_path / "redis", appendonly=getattr(request, "param", True))
    server.directory.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """A private 3-master Redis Cluster on loopback ports (one per test worker), stopped at the end."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        if REQUIRE_SERVICES:
            raise RuntimeError("redis-server and redis-cli are required (REQUIRE_SERVICES=1)")
        pytest.skip("redis-server is not installed")
    cluster = RedisCluster().start()
    yield cluster
    cluster.stop()


@contextmanager
def cluster_settings(cluster: RedisCluster) -> Iterator[None]:
    """The live buffer and ingest log on the (flushed) cluster; the cache stays where it is."""
    cluster.flush()
    with override_settings(REDIS_URL=None, LIVE_BUFFER_REDIS_URL=cluster.url, LIVE_BUFFER_REDIS_CLUSTER=True):
        yield


@pytest.fixture(params=["database", "redis", "cluster"])
def live_buffer_backend(request: pytest.FixtureRequest, db: None) -> Iterator[str]:
    """Settings for the chosen live buffer driver (database, Redis, Redis Cluster); yields its name."""
    if request.param == "cluster":
        with cluster_settings(request.getfixturevalue("redis_cluster")):
            yield request.param
        return
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    with override_settings(REDIS_URL=url):
        yield request.param


@pytest.fixture(params=["local", "s3"])
def blob_store_backend(request: pytest.FixtureRequest) -> str:
    request.getfixturevalue("s3_settings" if request.param == "s3" else "local_settings")
    return str(request.param)


@pytest.fixture(params=[("database", "local"), ("redis", "s3")], ids=["database-local", "redis-s3"])
def snapshot_backends(request: pytest.FixtureRequest, db: None) -> Iterator[tuple[str, str]]:
    """The embedded pair (database buffer, local storage) and the production pair (Redis, S3)."""
    buffer_name, storage_name = request.param
    with override_settings(
        REDIS_URL=request.getfixturevalue("redis_url") if buffer_name == "redis" else None
    ):
        request.getfixturevalue("s3_settings" if storage_name == "s3" else "local_settings")
        yield buffer_name, storage_name


def streamed_chunks(response: object) -> list[bytes]:
    """The chunks of a streaming response as the client receives them (the test clients' response
    types do not know that a view may stream)."""
    assert isinstance(response, StreamingHttpResponse), type(response)
    return list(response)


@contextmanager
def cache_outage() -> Iterator[None]:
    """The Django cache (throttle budgets, flush locks) pointed at a closed loopback port."""
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        yield
