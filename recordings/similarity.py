"""Similar recordings: ranked by overlap of visited pages and event names.

Each recording is reduced to a set of features: its visited URLs normalised to
``scheme://host/path`` (query string, fragment and trailing slash dropped, host lower-cased) as
``url:…`` and the names of its session events as ``event:…``. Similarity is the Jaccard index of
two feature sets (size of A and B / size of A or B, 0..1). Candidates are the ``CANDIDATE_LIMIT`` most recent
visible recordings of the same environment (bounded work on large environments); recordings
sharing no feature are left out. Ties: newer first, then session id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from recordings.models import SessionEvent, SessionRecording
from recordings.selectors import session_recordings_visible
from recordings_api.models import Environment

CANDIDATE_LIMIT = 2_000
IGNORED_EVENTS = frozenset({"$snapshot", "$snapshot_items"})


@dataclass(frozen=True)
class SimilarRecording:
    session_id: str
    similarity: float
    start_time: datetime
    shared_urls: list[str]
    shared_events: list[str]


def url_feature(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path.rstrip("/") or "/"
    if not parts.netloc:
        return f"url:{path}"
    return f"url:{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def _url_features(urls: Any, start_url: str | None) -> set[str]:
    values = list(urls) if isinstance(urls, list) else []
    features = {url_feature(url) for url in [start_url, *values]}
    return {feature for feature in features if feature}


def session_recording_similar(
    *, environment: Environment, recording: SessionRecording, limit: int
) -> list[SimilarRecording]:
    """Up to ``limit`` recordings most similar to ``recording`` (see the module docstring)."""
    candidates = list(
        session_recordings_visible(environment=environment)
        .exclude(session_id=recording.session_id)
        .order_by("-start_time", "-id")
        .values("session_id", "urls", "start_url", "start_time")[:CANDIDATE_LIMIT]
    )
    event_names = _event_names(
        environment, [recording.session_id, *(row["session_id"] for row in candidates)]
    )
    own = _url_features(recording.urls, recording.start_url) | event_names.get(recording.session_id, set())
    if not own:
        return []
    ranked = []
    for row in candidates:
        theirs = _url_features(row["urls"], row["start_url"]) | event_names.get(row["session_id"], set())
        shared = own & theirs
        if not shared:
            continue
        ranked.append(
            SimilarRecording(
                session_id=row["session_id"],
                similarity=round(len(shared) / len(own | theirs), 4),
                start_time=row["start_time"],
                shared_urls=sorted(f.removeprefix("url:") for f in shared if f.startswith("url:")),
                shared_events=sorted(f.removeprefix("event:") for f in shared if f.startswith("event:")),
            )
        )
    ranked.sort(key=lambda item: (-item.similarity, -item.start_time.timestamp(), item.session_id))
    return ranked[:limit]


def _event_names(environment: Environment, session_ids: list[str]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    rows = (
        SessionEvent.objects.filter(environment=environment, session_id__in=session_ids)
        .exclude(event__in=IGNORED_EVENTS)
        .values_list("session_id", "event")
        .distinct()
    )
    for session_id, event in rows:
        names[session_id].add(f"event:{event}")
    return names
