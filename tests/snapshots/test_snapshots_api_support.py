"""Builders and fixtures shared by the snapshots API tests (no tests here).

Fixtures are registered under their ``name`` (``recording``, ``blob``, …) and imported by the
test modules as ``*_fixture`` so the imports are not shadowed by test arguments.
"""

from __future__ import annotations

import base64
import contextlib
import random
import socket
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from django.test import override_settings

from recordings.models import SessionRecording
from recordings_api.models import Environment
from snapshots.flush import session_buffer_flush
from snapshots.live_buffer import BufferedLine, get_live_buffer
from snapshots.models import RecordingBlob
from snapshots.storage import get_blob_store
from tests.factories import SessionRecordingFactory

BASE_MS = 1_700_000_000_000
PREFIXES = ["projects", "environments"]
CACHE_FOREVER = "private, max-age=31536000, immutable"

# For tests of rules decided before any driver is called (validation, access, header logic):
# run them on the embedded pair only, which keeps the suite fast.
embedded_only = pytest.mark.parametrize(
    "snapshot_backends", [("database", "local")], indirect=True, ids=["database-local"]
)


def rrweb_line(offset_ms: int, window: str = "win-1", text: str = "") -> BufferedLine:
    """One message of a Meta and a mouse-move event (``text`` pads it)."""
    events = [
        {
            "type": 4,
            "data": {"href": "https://example.com/", "width": 1280, "height": 720},
            "timestamp": BASE_MS + offset_ms,
        },
        {
            "type": 3,
            "data": {"source": 1, "positions": [{"x": 1, "y": 2}], "t": text},
            "timestamp": BASE_MS + offset_ms + 1,
        },
    ]
    return BufferedLine(
        score=BASE_MS + offset_ms, line=orjson.dumps({"window_id": window, "data": events}).decode()
    )


def noisy_lines(count: int, *, text_bytes: int = 1500, seed: int = 5) -> list[BufferedLine]:
    """Lines padded with random text: their gzip stays large (stored bytes about 0.8 of the JSONL)."""
    rng = random.Random(seed)
    return [rrweb_line(n, text=base64.b64encode(rng.randbytes(text_bytes)).decode()) for n in range(count)]


def url(environment: Environment, session_id: str, prefix: str = "projects", **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/api/{prefix}/{environment.id}/session_recordings/{session_id}/snapshots" + (
        f"?{query}" if query else ""
    )


def blob_url(environment: Environment, blob: RecordingBlob, prefix: str = "projects") -> str:
    return url(environment, blob.session_id, prefix, source="blob", blob_key=blob.blob_key)


def buffer(recording: SessionRecording, *lines: BufferedLine) -> None:
    get_live_buffer().append(
        environment_id=recording.environment_id, session_id=recording.session_id, lines=list(lines)
    )


def flush(recording: SessionRecording) -> RecordingBlob:
    outcome = session_buffer_flush(environment_id=recording.environment_id, session_id=recording.session_id)
    assert outcome.status == "flushed"
    return RecordingBlob.objects.get(session_id=recording.session_id, blob_key=outcome.blob_key)


def stored_bytes(blob: RecordingBlob) -> bytes:
    stream = get_blob_store().open(blob.object_key)
    assert stream is not None
    data = b"".join(stream.chunks)
    stream.close()
    return data


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def storage_outage(port: int) -> Any:
    """Settings pointing object storage at a closed port, with short timeouts and no retries."""
    return override_settings(
        OBJECT_STORAGE_ENDPOINT=f"http://127.0.0.1:{port}",
        OBJECT_STORAGE_BUCKET="down",
        OBJECT_STORAGE_ACCESS_KEY_ID="testing",
        OBJECT_STORAGE_SECRET_ACCESS_KEY="testing",
        OBJECT_STORAGE_CONNECT_TIMEOUT_SECONDS=0.2,
        OBJECT_STORAGE_READ_TIMEOUT_SECONDS=0.2,
        OBJECT_STORAGE_MAX_ATTEMPTS=1,
    )


class CuttingProxy:
    """A loopback TCP proxy that relays at most ``cut_after`` bytes of each upstream answer and
    then drops both connections: object storage dying in the middle of a response."""

    def __init__(self, upstream: tuple[str, int], cut_after: int) -> None:
        self.upstream = upstream
        self.cut_after = cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._relay, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._relay, args=(upstream, client, self.cut_after), daemon=True).start()

    @staticmethod
    def _relay(source: socket.socket, target: socket.socket, limit: int | None) -> None:
        relayed = 0
        try:
            while data := source.recv(65536):
                if limit is not None and relayed + len(data) >= limit:
                    target.sendall(data[: limit - relayed])
                    break
                target.sendall(data)
                relayed += len(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(name="recording")
def recording_fixture(environment: Environment) -> SessionRecording:
    return SessionRecordingFactory.create(environment=environment, session_id="sess-1", event_count=0)


@pytest.fixture(name="blob")
def blob_fixture(recording: SessionRecording) -> RecordingBlob:
    """A small blob of 40 lines (one storage chunk)."""
    buffer(recording, *[rrweb_line(n * 10, text="x" * 50) for n in range(40)])
    return flush(recording)


@pytest.fixture(name="big_blob")
def big_blob_fixture(recording: SessionRecording) -> RecordingBlob:
    """A blob of about 1.6 MB stored (2 MB JSONL): several 256 KiB storage chunks."""
    buffer(recording, *noisy_lines(1000))
    return flush(recording)


@pytest.fixture(name="two_blobs_and_realtime")
def two_blobs_and_realtime_fixture(recording: SessionRecording) -> list[RecordingBlob]:
    buffer(recording, rrweb_line(0), rrweb_line(500, window="win-2"))
    first = flush(recording)
    buffer(recording, rrweb_line(1000), rrweb_line(2000))
    second = flush(recording)
    buffer(recording, rrweb_line(3000), rrweb_line(3500))
    return [first, second]


@pytest.fixture(name="closed_port")
def closed_port_fixture() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(name="cutting_proxy")
def cutting_proxy_fixture(s3_endpoint: str) -> Iterator[CuttingProxy]:
    """A proxy to the moto server that cuts every answer after 600 000 bytes."""
    host, port = s3_endpoint.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), cut_after=600_000)
    yield proxy
    proxy.close()
