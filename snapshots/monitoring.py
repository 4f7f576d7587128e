"""What ingestion reports to logs and metrics, through one-line hooks at its response points.

Capture (``snapshots.capture.views``):

- ``@capture_observed`` counts every answered capture request in ``capture_requests_total``
  by status and error code (``ok`` when it succeeded; the code ``json_error`` recorded otherwise).
- ``capture_batch_annotate`` adds the environment id and the rejected items' codes to the
  request's log line and counts the rejected items in ``capture_rejected_items_total``.

Flush (``snapshots.flush.scheduling``): ``flush_outcome_observe`` counts each outcome in
``snapshot_flushes_total`` and, for a written blob, observes the flush lag (how long the
session's oldest buffered data waited). The live buffer's backlog is computed at scrape time by
the ``LiveBufferBacklogCollector`` registered in ``SnapshotsConfig.ready``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Protocol

from django.http import HttpRequest, HttpResponse

from recordings_api.monitoring.metrics import (
    CAPTURE_REQUESTS,
    SNAPSHOT_FLUSH_LAG,
    SNAPSHOT_FLUSHES,
    capture_rejections_count,
)
from recordings_api.monitoring.requests import request_log_annotate, request_log_fields

if TYPE_CHECKING:
    from snapshots.flush.session import FlushOutcome
    from snapshots.live_buffer import BufferStats


class _Rejection(Protocol):
    @property
    def code(self) -> str: ...


def capture_observed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def observed(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.method != "OPTIONS":
            code = request_log_fields(request).get("error_code") if response.status_code >= 400 else "ok"
            CAPTURE_REQUESTS.labels(status=str(response.status_code), code=str(code or "error")).inc()
        return response

    return observed


def capture_batch_annotate(
    request: HttpRequest, *, environment_id: int, rejected: Sequence[_Rejection]
) -> None:
    fields: dict[str, object] = {"environment_id": environment_id}
    if rejected:
        codes = [item.code for item in rejected]
        fields.update(rejected_count=len(codes), rejected_codes=sorted(set(codes)))
        capture_rejections_count(codes)
    request_log_annotate(request, **fields)


def flush_outcome_observe(outcome: FlushOutcome, *, stats: BufferStats | None = None) -> FlushOutcome:
    """Count ``outcome`` (and its lag, when it wrote a blob); returns it unchanged."""
    SNAPSHOT_FLUSHES.labels(status=outcome.status).inc()
    if outcome.status == "flushed" and stats is not None and stats.first_appended_ms is not None:
        SNAPSHOT_FLUSH_LAG.observe(max(0.0, time.time() - stats.first_appended_ms / 1000))
    return outcome
