"""A deterministic summary of one recording, built from its own metadata and events only.

No external service and no randomness: the same data always gives the same summary.

* **Pages**: one entry per ``$pageview`` (``$current_url``), time on page = until the next
  pageview or the end of the recording. Without pageviews, the recording's URL list in order
  (time on page unknown: null).
* **Clicks**: the recording's ``click_count`` (from rrweb) and the ``$autocapture`` clicks.
* **Rage clicks**: posthog-js ``$rageclick`` events, plus 3 or more autocapture clicks on the
  same spot (same ``$elements_chain``, else same rounded ``$clientX``/``$clientY``) within 1 s.
* **Errors**: console error/warning counts and ``$exception`` events (type and message).
* **Inactivity**: ``inactive_seconds`` and idle periods — gaps of ``IDLE_GAP`` or more between
  consecutive events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from recordings.models import SessionEvent, SessionRecording
from recordings_api.models import Environment

MAX_EVENTS = 10_000
RAGE_CLICK_COUNT = 3
RAGE_CLICK_WINDOW = timedelta(seconds=1)
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
    rage_clicks = _rage_clicks(events, autocapture_clicks)
    exceptions = [_exception(event) for event in events if event["event"] == "$exception"]
    idle_periods = _idle_periods(recording, events)
    summary = {
        "session_id": recording.session_id,
        "duration_seconds": recording.duration_seconds,
        "active_seconds": recording.active_seconds,
        "pages": pages,
        "clicks": {"count": recording.click_count, "autocapture_clicks": len(autocapture_clicks)},
        "rage_clicks": rage_clicks,
        "errors": {
            "console_error_count": recording.console_error_count,
            "console_warn_count": recording.console_warn_count,
            "exceptions": exceptions,
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


def _spot(event: dict[str, Any]) -> str:
    properties = _properties(event)
    chain = properties.get("$elements_chain")
    if isinstance(chain, str) and chain:
        return chain
    x, y = _coordinate(properties.get("$clientX")), _coordinate(properties.get("$clientY"))
    return f"{x}:{y}"


def _rage_clicks(events: list[dict[str, Any]], clicks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [
        {
            "timestamp": _iso(event["timestamp"]),
            "element": _properties(event).get("$elements_chain"),
            "clicks": None,
        }
        for event in events
        if event["event"] == "$rageclick"
    ]
    by_spot: dict[str, list[dict[str, Any]]] = {}
    for click in clicks:
        by_spot.setdefault(_spot(click), []).append(click)
    for spot, spot_clicks in by_spot.items():
        start = 0
        while start + RAGE_CLICK_COUNT <= len(spot_clicks):
            end = start
            while end + 1 < len(spot_clicks) and (
                spot_clicks[end + 1]["timestamp"] - spot_clicks[start]["timestamp"] <= RAGE_CLICK_WINDOW
            ):
                end += 1
            if end - start + 1 >= RAGE_CLICK_COUNT:
                found.append(
                    {
                        "timestamp": _iso(spot_clicks[start]["timestamp"]),
                        "element": spot,
                        "clicks": end - start + 1,
                    }
                )
                start = end + 1
            else:
                start += 1
    return sorted(found, key=lambda item: (item["timestamp"], str(item["element"])))


def _exception(event: dict[str, Any]) -> dict[str, Any]:
    properties = _properties(event)
    return {
        "timestamp": _iso(event["timestamp"]),
        "type": properties.get("$exception_type"),
        "message": properties.get("$exception_message"),
    }


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
    rage = len(summary["rage_clicks"])
    clicks = f"They clicked {_plural(recording.click_count, 'time')}"
    sentences.append(f"{clicks}, with {_plural(rage, 'rage click')}." if rage else f"{clicks}.")
    errors = recording.console_error_count + len(summary["errors"]["exceptions"])
    sentences.append(f"{_plural(errors, 'error')} occurred." if errors else "No errors occurred.")
    idle = summary["inactivity"]["idle_periods"]
    if idle:
        longest = max(period["seconds"] for period in idle)
        sentences.append(f"The longest idle period lasted {_duration_text(longest)}.")
    return " ".join(sentences)


def _coordinate(value: Any) -> int:
    """A click coordinate bucketed to 30 px (posthog-js' rage-click radius)."""
    try:
        return round(float(value or 0) / 30)
    except (TypeError, ValueError):
        return 0
