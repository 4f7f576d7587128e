"""The downstream half of the ingest benchmark: aggregator processes, listing lag, statements.

- ``aggregators``: ``BENCH_INGEST_AGGREGATORS`` ``manage.py run_aggregator`` processes, as
  deployed (they share the ingest log as a consumer group).
- ``listing_lags``: per session, from the 200 of its first batch (client clock) to the moment its
  recording row was committed by an aggregator (``created_at``, same machine clock).
- ``statements_per_thousand``: the database statements an in-process aggregator issues to apply
  1,000 capture requests' records (batches as an aggregator reads them).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from bench._capture_batches import CaptureRequest
from bench._load import Sent
from bench._support import child_process


@contextmanager
def aggregators(env: dict[str, str], count: int) -> Iterator[None]:
    with ExitStack() as stack:
        for index in range(count):
            args = [sys.executable, "manage.py", "run_aggregator", f"--consumer=bench-{index}"]
            stack.enter_context(child_process(args, env=env))
        yield


def wait_until_applied(*, timeout: float = 120.0) -> float:
    """Seconds until the ingest log is empty (every entry applied and acknowledged)."""
    from snapshots.live_buffer import get_ingest_log

    started = time.monotonic()
    while get_ingest_log().log_backlog().entries:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the ingest log still holds entries after {timeout:.0f}s")
        time.sleep(0.05)
    return time.monotonic() - started


def listing_lags(ok: Sequence[Sent], environment_id: int) -> list[float]:
    """Seconds from each session's first 200 to its recording row (sessions never listed fail)."""
    from recordings.models import SessionRecording

    first_ok: dict[str, float] = {}
    for sent in ok:
        first_ok[sent.request.session_id] = min(
            first_ok.get(sent.request.session_id, sent.finished_at), sent.finished_at
        )
    created = dict(
        SessionRecording.objects.filter(environment_id=environment_id).values_list("session_id", "created_at")
    )
    missing = set(first_ok) - set(created)
    if missing:
        raise AssertionError(f"{len(missing)} session(s) answered 200 were never listed")
    return [max(0.0, created[session_id].timestamp() - at) for session_id, at in first_ok.items()]


def statements_per_thousand(requests: Sequence[CaptureRequest]) -> tuple[float, int]:
    """(statements per 1,000 requests, requests) for an in-process aggregator applying them."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from snapshots.aggregation import ingest_log_drain

    client = Client()
    for request in requests:
        response = client.post("/s/", data=request.body, content_type="text/plain")
        if response.status_code != 200:
            raise AssertionError(
                f"in-process capture: HTTP {response.status_code} {response.content[:200]!r}"
            )
    with CaptureQueriesContext(connection) as queries:
        ingest_log_drain(max_seconds=300)
    return len(queries.captured_queries) / len(requests) * 1000, len(requests)
