"""Black-box traffic for the fault suite (no tests here): posthog-js-shaped capture over HTTP, and
reading a session back through the snapshots API, counting every line by its marker.

Each rrweb event sent carries a unique ``data.marker``; ``read_back`` returns how often each
marker came back, so "every acknowledged line exactly once" is ``{m: 1 for m in acked}``.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

_markers = itertools.count()


@dataclass
class Sent:
    status: int
    headers: dict[str, str]
    markers: list[str]
    body: bytes = b""


@dataclass
class Ledger:
    """What was acknowledged (200) and what was refused, per session."""

    acked: dict[str, list[str]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def record(self, session_id: str, sent: Sent) -> None:
        self.statuses[sent.status] += 1
        if sent.status == 200:
            self.acked.setdefault(session_id, []).extend(sent.markers)


def request(
    url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def snapshot_batch(*, token: str, session_id: str, events: int, padding: str = "") -> tuple[bytes, list[str]]:
    """A gzip ``/s/`` body of one ``$snapshot`` item holding ``events`` marked rrweb events."""
    now = int(time.time() * 1000)
    markers = [f"m{next(_markers)}-{uuid.uuid4().hex[:6]}" for _ in range(events)]
    data = [
        {"type": 3, "timestamp": now + index, "data": {"source": 1, "marker": marker, "padding": padding}}
        for index, marker in enumerate(markers)
    ]
    item = {
        "uuid": str(uuid.uuid4()),
        "event": "$snapshot",
        "timestamp": datetime.now(UTC).isoformat(),
        "properties": {
            "$snapshot_data": data,
            "$session_id": session_id,
            "$window_id": f"{session_id}-w",
            "$lib": "web",
            "token": token,
            "distinct_id": "fault-suite",
        },
    }
    return gzip.compress(orjson.dumps([item]), compresslevel=1), markers


def capture(url: str, *, token: str, session_id: str, events: int = 5, padding: str = "") -> Sent:
    body, markers = snapshot_batch(token=token, session_id=session_id, events=events, padding=padding)
    try:
        status, headers, content = request(
            url, "POST", "/s/", body=body, headers={"Content-Type": "text/plain"}
        )
    except OSError:
        return Sent(status=0, headers={}, markers=markers)
    return Sent(status=status, headers=headers, markers=markers, body=content)


def _markers_of_jsonl(content: bytes) -> list[str]:
    found = []
    for line in content.splitlines():
        if line.strip():
            for event in orjson.loads(line)["data"]:
                marker = event.get("data", {}).get("marker")
                if marker:
                    found.append(marker)
    return found


def read_back(url: str, *, key: str, environment_id: int, session_id: str) -> Counter[str]:
    """How often each marker of ``session_id`` is served, over every source the API lists."""
    auth = {"Authorization": f"Bearer {key}"}
    base = f"/api/projects/{environment_id}/session_recordings/{session_id}/snapshots"
    status, _, content = request(url, "GET", base, headers=auth)
    if status == 404:
        return Counter()
    assert status == 200, (status, content[:300])
    counts: Counter[str] = Counter()
    for source in orjson.loads(content)["sources"]:
        if source["source"] == "blob":
            query = f"?source=blob&blob_key={source['blob_key']}"
        else:
            query = "?source=realtime&version=2024-04-30"
        status, _, data = request(url, "GET", base + query, headers=auth)
        assert status == 200, (status, data[:300])
        counts.update(_markers_of_jsonl(data))
    return counts


def exactly_once(url: str, *, key: str, environment_id: int, ledger: Ledger) -> dict[str, Any]:
    """Sessions whose acknowledged markers are not each read back exactly once (empty: all good)."""
    problems: dict[str, Any] = {}
    for session_id, markers in ledger.acked.items():
        counts = read_back(url, key=key, environment_id=environment_id, session_id=session_id)
        wrong = {marker: counts[marker] for marker in markers if counts[marker] != 1}
        if wrong:
            problems[session_id] = wrong
    return problems
