"""JSON log lines: one object per record, with every ``extra`` field and the request id.

A record logged as ``logger.warning("snapshot_flush_failed", extra={"session_id": …})`` becomes
``{"time": …, "level": "WARNING", "logger": "snapshots.flush", "message": "snapshot_flush_failed",
"session_id": …, "request_id": …}``. Values JSON cannot represent (UUIDs, model instances) are
written as their ``str``; exceptions add ``exc_info`` with the formatted traceback.
"""

from __future__ import annotations

import contextvars
import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from recordings_api.redaction import redact

# The id of the request being handled by this thread or task; None outside requests.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )

    def format(self, record: logging.LogRecord) -> str:
        # Credentials never reach a log line, whichever field carries them (the whole line).
        return redact(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # ISO 8601 in UTC with milliseconds, sortable and unambiguous across hosts.
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` to every record emitted while a request is being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True
