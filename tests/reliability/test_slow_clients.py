"""Slow clients cost no app thread: behind the shipped nginx, /_health answers within 1 s while 50
connections trickle their headers or bodies; straight at gunicorn, the same clients starve it."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.reliability.conftest import app_server, nginx_proxy, stack_env

SLOW_CLIENTS = 50
PROBES = 5


@contextmanager
def trickling_clients(url: str, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections, half sending a body and half their headers one byte per second."""
    parts = urlsplit(url)
    slow_body = b"POST /s/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n["
    slow_headers = b"GET /_health HTTP/1.1\r\nHost: x\r\nX-Slow: "
    sockets: list[socket.socket] = []
    for index in range(count):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
        sock.sendall(slow_body if index % 2 else slow_headers)
        sockets.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(1.0):
            for sock in sockets:
                with suppress(OSError):
                    sock.send(b"x")  # one more body byte, or one more character of a header value

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(1.5)  # every connection has reached the server and sent a few bytes
        yield sockets
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


def probe(url: str) -> float | None:
    """Seconds /_health took to answer 200, or None when it did not within 1 s."""
    parts = urlsplit(url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=1.0)
    try:
        connection.request("GET", "/_health")
        response = connection.getresponse()
        ok = response.status == 200 and response.read() == b'{"status": "ok"}'
    except OSError:
        return None
    finally:
        connection.close()
    return time.monotonic() - started if ok else None


def probes(url: str) -> list[float | None]:
    results = []
    for _ in range(PROBES):
        results.append(probe(url))
        time.sleep(0.2)
    return results


@pytest.fixture
def gunicorn(db: None, tmp_path: Path) -> Iterator[str]:
    """gunicorn as compose runs it, with fewer threads than there are slow clients."""
    with app_server(stack_env(redis_url=None, s3_endpoint=None), tmp_path, workers=2, threads=8) as stack:
        yield stack.url


def test_health_answers_within_a_second_behind_the_proxy_while_50_clients_trickle(
    gunicorn: str, tmp_path: Path
) -> None:
    with nginx_proxy(gunicorn, tmp_path / "nginx") as proxy, trickling_clients(proxy, SLOW_CLIENTS):
        results = probes(proxy)
    assert None not in results, results
    assert max(r for r in results if r is not None) < 1.0


def test_without_the_proxy_the_same_clients_starve_the_app(gunicorn: str) -> None:
    # What the proxy is for (and proof that the clients above are slow enough to matter).
    with trickling_clients(gunicorn, SLOW_CLIENTS):
        results = probes(gunicorn)
    assert None in results, results
