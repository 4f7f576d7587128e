"""Seed a realistic recordings table with ``bulk_create`` (for ``bench.recordings_list``).

Distributions (one environment, retention 30 days):
- start times over the last 45 days, denser toward now; 10% keep a 90-day retention, 2% are
  persisted, so some older recordings are expired and others are not;
- durations log-normal (median ~1.5 min, long tail capped at 4 h), active time a fraction of it;
- clicks, keypresses, mouse activity and console counts skewed (most sessions log no error);
- 1-8 visited URLs from a small site map (``/checkout/…`` in about a fifth of the sessions);
- first-pageview properties (browser, OS, device) with a realistic browser share;
- distinct ids drawn from a pool of persons (some users have many sessions), 20% anonymous ids
  without a person; persons carry an email (a third ``@example.com``) and a plan;
- 0.3% tombstoned (``DeletedRecording``) and 5% viewed by the benchmark user.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

BATCH = 5000
BROWSERS = (("Chrome", 64), ("Safari", 19), ("Firefox", 7), ("Microsoft Edge", 6), ("Samsung Internet", 4))
OSES = (("Windows", 40), ("Mac OS X", 25), ("iOS", 17), ("Android", 14), ("Linux", 4))
PAGES = (
    "/",
    "/pricing",
    "/docs",
    "/blog",
    "/search",
    "/product/",
    "/checkout/cart",
    "/checkout/pay",
    "/account",
)
DOMAINS = ("example.com", "gmail.com", "acme.io", "corp.example.org", "mail.test")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _skewed(rng: random.Random, mean: float, zero_share: float = 0.0) -> int:
    return 0 if rng.random() < zero_share else int(rng.expovariate(1 / mean))


def _urls(rng: random.Random, host: str) -> list[str]:
    checkout = rng.random() < 0.2
    pages = rng.sample(PAGES[:6], k=rng.randint(1, 5)) + (
        ["/checkout/cart", "/checkout/pay"] if checkout else []
    )
    return [f"https://{host}{page}{rng.randint(1, 500) if page.endswith('/') else ''}" for page in pages]


def _properties(rng: random.Random, url: str) -> dict[str, Any]:
    browser, os_name = _weighted(rng, BROWSERS), _weighted(rng, OSES)
    return {
        "$browser": browser,
        "$browser_version": rng.randint(100, 131),
        "$os": os_name,
        "$device_type": "Mobile" if os_name in ("iOS", "Android") else "Desktop",
        "$current_url": url,
        "$host": url.split("/")[2],
        "$pathname": "/" + url.split("/", 3)[-1],
    }


def recording_row(rng: random.Random, *, environment_id: int, now: datetime, distinct_id: str) -> Any:
    from recordings.models import SessionRecording

    start = now - timedelta(days=45 * rng.random() ** 1.6, milliseconds=rng.randint(0, 86_400_000))
    duration_ms = min(4 * 3600_000, int(rng.lognormvariate(11.4, 1.3)))
    host = f"shop-{rng.randint(1, 12)}.example.com"
    urls = _urls(rng, host)
    mouse = _skewed(rng, 40 + duration_ms / 2000)
    return SessionRecording(
        environment_id=environment_id,
        session_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        distinct_id=distinct_id,
        start_time=start,
        end_time=start + timedelta(milliseconds=duration_ms),
        click_count=_skewed(rng, 8, zero_share=0.1),
        keypress_count=_skewed(rng, 20, zero_share=0.6),
        mouse_activity_count=mouse,
        active_milliseconds=int(duration_ms * rng.betavariate(2, 3)),
        console_log_count=_skewed(rng, 5, zero_share=0.3),
        console_warn_count=_skewed(rng, 2, zero_share=0.7),
        console_error_count=_skewed(rng, 3, zero_share=0.8),
        start_url=urls[0],
        start_url_timestamp=start,
        urls=urls,
        snapshot_source="mobile" if rng.random() < 0.05 else "web",
        snapshot_library="web",
        first_event_properties=_properties(rng, urls[0]),
        size_bytes=_skewed(rng, 400_000) + 2_000,
        event_count=mouse + 50,
        message_count=max(1, duration_ms // 2000),
        retention_period_days=90 if rng.random() < 0.1 else None,
        persisted=rng.random() < 0.02,
    )


def persons_seed(rng: random.Random, *, environment_id: int, count: int) -> list[str]:
    """``count`` persons, each with one distinct id; returns the distinct ids."""
    from recordings.models import Person, PersonDistinctId

    persons = [
        Person(
            environment_id=environment_id,
            properties={
                "email": f"user{n}@{rng.choices(DOMAINS, weights=(33, 30, 15, 12, 10))[0]}",
                "name": f"User {n}",
                "plan": rng.choice(("free", "pro", "enterprise")),
            },
        )
        for n in range(count)
    ]
    Person.objects.bulk_create(persons, batch_size=BATCH)
    distinct_ids = [f"person-{n}" for n in range(count)]
    links = [
        PersonDistinctId(environment_id=environment_id, person=person, distinct_id=distinct_id)
        for person, distinct_id in zip(persons, distinct_ids, strict=True)
    ]
    PersonDistinctId.objects.bulk_create(links, batch_size=BATCH)
    return distinct_ids


def recordings_seed(*, environment_id: int, user_id: int, count: int, seed: int = 20240612) -> None:
    """``count`` recordings (plus persons, tombstones, viewed marks), then ``ANALYZE``."""
    from django.db import connection
    from django.utils import timezone

    from recordings.models import DeletedRecording, SessionRecording, SessionRecordingViewed

    rng = random.Random(seed)
    now = timezone.now()
    people = persons_seed(rng, environment_id=environment_id, count=max(1, count // 3))
    session_ids: list[str] = []
    for offset in range(0, count, BATCH):
        rows = []
        for _ in range(min(BATCH, count - offset)):
            anonymous = rng.random() < 0.2
            # Pareto-ish: a few persons own many sessions.
            distinct_id = (
                f"anon-{rng.getrandbits(48)}" if anonymous else people[int(len(people) * rng.random() ** 2)]
            )
            rows.append(recording_row(rng, environment_id=environment_id, now=now, distinct_id=distinct_id))
        SessionRecording.objects.bulk_create(rows, batch_size=BATCH)
        session_ids.extend(row.session_id for row in rows)
    tombstoned = rng.sample(session_ids, k=count * 3 // 1000)
    DeletedRecording.objects.bulk_create(
        [DeletedRecording(environment_id=environment_id, session_id=sid) for sid in tombstoned],
        batch_size=BATCH,
    )
    viewed = rng.sample(session_ids, k=count // 20)
    SessionRecordingViewed.objects.bulk_create(
        [
            SessionRecordingViewed(environment_id=environment_id, user_id=user_id, session_id=sid)
            for sid in viewed
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
