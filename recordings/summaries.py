"""A deterministic summary of one recording, built from its own metadata and events only.

No external service and no randomness: the same data always gives the same summary.

* **Pages**: one entry per ``$pageview`` (``$current_url``), time on page = until the next
  pageview or the end of the recording. Without pageviews, the recording's URL list in order
  (time on page unknown: null).
* **Clicks**: the recording's ``click_count`` (from rrweb), the ``$autocapture`` clicks, and its
  dead and rage clicks: the click index's rows (``RecordingClick``), the very rows
  ``count_dead_clicks`` / ``count_rage_clicks`` count (both SDKs).
* **Errors**: console error/warning counts and the recording's linked error events
  (``RecordingError``: posthog-js ``$exception`` events, Sentry errors), which ``count_errors``
  counts.
* **Inactivity**: ``inactive_seconds`` and idle periods — gaps of ``IDLE_GAP`` or more between
  consecutive events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from django.db.models import Q

from recordings.models import RecordingClick, RecordingError, SessionEvent, SessionRecording
from recordings_api.models import Environment

MAX_EVENTS = 10_000
MAX_CLICKS = 1_000
IDLE_GAP = timedelta(seconds=60)


def session_recording_summarize(*, environment: Environment, recording: SessionRecording) -> dict[str, Any]:
    rows = (
        SessionEvent.objects.filter(environment=environment, session_id=recording.session_id)
        .order_by("timestamp", "uuid")
        .values("uuid", "event", "timestamp", "properties")[:MAX_EVENTS]
    )
    events: list[dict[str, Any]] = [dict(row) for row in rows]
    pages = _pages(recording, events)
    autocapture_clicks = [event for event in events if _is_click(event)]
    clicks = _click_rows(environment, recording)
    idle_periods = _idle_periods(recording, events)
    summary = {
        "session_id": recording.session_id,
        "duration_seconds": recording.duration_seconds,
        "active_seconds": recording.active_seconds,
        "pages": pages,
        "clicks": {
            "count": recording.click_count,
            "autocapture_clicks": len(autocapture_clicks),
            "dead_clicks": recording.dead_click_count,
            "rage_clicks": recording.rage_click_count,
        },
        "rage_clicks": [_click(row) for row in clicks if row.is_rage],
        "dead_clicks": [_click(row) for row in clicks if row.is_dead],
        "errors": {
            "console_error_count": recording.console_error_count,
            "console_warn_count": recording.console_warn_count,
            "count_errors": recording.error_count,
            "exceptions": _exceptions(environment, recording),
        },
        "inactivity": {"inactive_seconds": recording.inactive_seconds, "idle_periods": idle_periods},
    }
    summary["summary"] = _text(recording, summary)
    return summary


def _properties(event: dict[str, Any]) -> dict[str, Any]:
    return event["properties"] if isinstance(event["properties"], dict) else {}


def _is_click(event: dict[str, Any]) -> bool:
    return event["event"] == "$autocapture" and _properties(event).get("$event_type") == "click"


def _pages(recording: SessionRecording, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    views = [event for event in events if event["event"] == "$pageview"]
    if not views:
        urls = recording.urls if isinstance(recording.urls, list) else []
        ordered = [url for url in dict.fromkeys([recording.start_url, *urls]) if isinstance(url, str) and url]
        return [{"url": url, "entered_at": None, "seconds": None} for url in ordered]
    pages = []
    for index, view in enumerate(views):
        left = (
            views[index + 1]["timestamp"]
            if index + 1 < len(views)
            else max(recording.end_time, view["timestamp"])
        )
        pages.append(
            {
                "url": _properties(view).get("$current_url"),
                "entered_at": _iso(view["timestamp"]),
                "seconds": max(0, int((left - view["timestamp"]).total_seconds())),
            }
        )
    return pages


def _click_rows(environment: Environment, recording: SessionRecording) -> list[RecordingClick]:
    rows = RecordingClick.objects.filter(environment=environment, session_id=recording.session_id)
    return list(rows.filter(Q(is_dead=True) | Q(is_rage=True)).order_by("timestamp", "id")[:MAX_CLICKS])


def _element(row: RecordingClick) -> str:
    if row.selector:
        return row.selector
    classes = "".join(f".{name}" for name in row.classes or [])
    return f"{row.tag}{'#' + row.element_id if row.element_id else ''}{classes}"


def _click(row: RecordingClick) -> dict[str, Any]:
    return {"timestamp": _iso(row.timestamp), "element": _element(row), "text": row.text, "url": row.url}


def _exceptions(environment: Environment, recording: SessionRecording) -> list[dict[str, Any]]:
    rows = RecordingError.objects.filter(environment=environment, session_id=recording.session_id)
    return [
        {
            "timestamp": _iso(row.timestamp),
            "level": row.level,
            "type": row.exception_type or None,
            "message": row.exception_value or row.message or None,
        }
        for row in rows.order_by("timestamp", "event_id")[:MAX_EVENTS]
    ]


def _idle_periods(recording: SessionRecording, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    moments = [recording.start_time, *(event["timestamp"] for event in events), recording.end_time]
    moments = sorted(moment for moment in moments if recording.start_time <= moment <= recording.end_time)
    periods = []
    for before, after in pairwise(moments):
        if after - before >= IDLE_GAP:
            periods.append(
                {"start": _iso(before), "end": _iso(after), "seconds": int((after - before).total_seconds())}
            )
    return periods


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _duration_text(seconds: int) -> str:
    minutes, rest = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {rest}s" if minutes else f"{rest}s"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _text(recording: SessionRecording, summary: dict[str, Any]) -> str:
    sentences = [
        f"The user visited {_plural(len(summary['pages']), 'page')} over "
        f"{_duration_text(recording.duration_seconds)} "
        f"(active for {_duration_text(recording.active_seconds)})."
    ]
    rage = recording.rage_click_count
    clicks = f"They clicked {_plural(recording.click_count, 'time')}"
    sentences.append(f"{clicks}, with {_plural(rage, 'rage click')}." if rage else f"{clicks}.")
    errors = recording.console_error_count + recording.error_count
    sentences.append(f"{_plural(errors, 'error')} occurred." if errors else "No errors occurred.")
    idle = summary["inactivity"]["idle_periods"]
    if idle:
        longest = max(period["seconds"] for period in idle)
        sentences.append(f"The longest idle period lasted {_duration_text(longest)}.")
    return " ".join(sentences)
