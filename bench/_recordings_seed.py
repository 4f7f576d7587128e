"""Seed a realistic recordings table with PostgreSQL ``COPY`` (for ``bench.recordings_list``).

A million recordings take well under a minute: rows are generated in Python and streamed with
psycopg's ``cursor.copy()`` (no ORM objects, no INSERT statements); the columns PostgreSQL
generates (``duration``, ``activity_score``) are computed by the database as rows arrive, and
``expires_at`` is stamped by the rule every writer uses (``recordings.expiry``). Every other
column of ``SessionRecording`` gets its model default, so the seed keeps up with the model.

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

import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson

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
RETENTION_DAYS = 30


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


# Each distribution is sampled up to 2**16 times (fewer for a small seed); rows pick from the
# samples. Profiles (start URL, visited URLs, first-pageview properties) are a quarter as many.
SAMPLE_BITS = 16


# The columns each row sets, in this order (``RowWriter.line``); every other column takes its
# model default.
VARYING = (
    "environment_id",
    "session_id",
    "distinct_id",
    "start_time",
    "end_time",
    "start_url_timestamp",
    "expires_at",
    # ``Samples.fragments``:
    "active_milliseconds",
    "mouse_activity_count",
    "message_count",
    "event_count",
    "click_count",
    "keypress_count",
    "console_log_count",
    "console_warn_count",
    "console_error_count",
    "size_bytes",
    "start_url",
    "urls",
    "first_event_properties",
    "snapshot_source",
    "snapshot_library",
    "retention_period_days",
    "persisted",
)


def _text(value: Any) -> str:
    """``value`` in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = orjson.dumps(value).decode()
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _session_id(bits: int) -> str:
    """A version-4 (RFC 4122 variant) UUID from 128 random bits."""
    bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _fragment(
    rng: random.Random, profiles: list[tuple[str, str, str]]
) -> tuple[float, int | None, bool, str]:
    """One draw of every column that does not depend on the start time: (duration in seconds,
    retention, persisted, those columns as COPY text)."""
    duration_ms = min(4 * 3600_000, int(rng.lognormvariate(11.4, 1.3)))
    mouse = _skewed(rng, 40 + duration_ms / 2000)
    retention, persisted = (90 if rng.random() < 0.1 else None), rng.random() < 0.02
    start_url, urls, properties = rng.choice(profiles)
    values = (
        int(duration_ms * rng.betavariate(2, 3)),
        mouse,
        max(1, duration_ms // 2000),
        mouse + 50,
        _skewed(rng, 8, zero_share=0.1),
        _skewed(rng, 20, zero_share=0.6),
        _skewed(rng, 5, zero_share=0.3),
        _skewed(rng, 2, zero_share=0.7),
        _skewed(rng, 3, zero_share=0.8),
        _skewed(rng, 400_000) + 2_000,
    )
    source = "mobile" if rng.random() < 0.05 else "web"
    texts = [*(str(value) for value in values), start_url, urls, properties, source, "web"]
    texts += [_text(retention), _text(persisted)]
    return duration_ms, retention, persisted, "\t".join(texts)


def _profile(rng: random.Random) -> tuple[str, str, str]:
    urls = _urls(rng, f"shop-{rng.randint(1, 12)}.example.com")
    return _text(urls[0]), _text(urls), _text(_properties(rng, urls[0]))


class Samples:
    """Draws of the module docstring's distributions, made once from ``rng``: a row picks its
    start and its other columns (``fragments``) with a few ``getrandbits`` (a million rows in
    seconds, with the same shapes; start times get a millisecond jitter of their own)."""

    def __init__(self, rng: random.Random, *, bits: int) -> None:
        self.bits = bits
        profiles = [_profile(rng) for _ in range(1 << (bits - 2))]
        self.fragments = [_fragment(rng, profiles) for _ in range(1 << bits)]
        self.start_offsets_ms = [
            int(45 * 86_400_000 * rng.random() ** 1.6) + rng.randint(0, 86_400_000) for _ in range(1 << bits)
        ]


class RowWriter:
    """COPY text lines of recordings: ``VARYING`` from the samples, then the constant defaults."""

    def __init__(self, rng: random.Random, *, environment_id: int, now: datetime, count: int) -> None:
        self.rng = rng
        self.samples = Samples(rng, bits=min(SAMPLE_BITS, max(10, count.bit_length())))
        self.environment = str(environment_id)
        self.now_ms = int(now.timestamp() * 1000)
        columns, defaults = recording_columns()
        self.constant_columns = [column for column in columns if column not in VARYING]
        self.suffix = "".join("\t" + _text(defaults[column]) for column in self.constant_columns) + "\n"
        self.expiries: dict[tuple[int, int], str] = {}

    @property
    def columns(self) -> list[str]:
        return [*VARYING, *self.constant_columns]

    def _expiry(self, start_ms: int, retention: int) -> str:
        key = (start_ms // 86_400_000, retention)
        if key not in self.expiries:
            self.expiries[key] = _moment((key[0] + retention) * 86_400)
        return self.expiries[key]

    def line(self, distinct_id: str) -> tuple[str, str]:
        """(session id, the row's COPY line)."""
        pick, bits = self.rng.getrandbits, self.samples.bits
        duration, retention, persisted, fragment = self.samples.fragments[pick(bits)]
        # Millisecond timestamps, as ingestion stores them.
        start_ms = self.now_ms - self.samples.start_offsets_ms[pick(bits)] - pick(10)
        started = _moment(start_ms / 1000)
        expiry = "\\N" if persisted else self._expiry(start_ms, retention or RETENTION_DAYS)
        session_id = _session_id(pick(128))
        ended = _moment((start_ms + duration) / 1000)
        head = f"{self.environment}\t{session_id}\t{distinct_id}\t{started}\t{ended}"
        return session_id, f"{head}\t{started}\t{expiry}\t{fragment}{self.suffix}"


def recording_columns() -> tuple[list[str], dict[str, Any]]:
    """The columns COPY writes (every stored, non-generated one but ``id``) and their defaults."""
    from django.utils import timezone

    from recordings.models import SessionRecording

    columns: list[str] = []
    defaults: dict[str, Any] = {}
    for field in SessionRecording._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False) or field.column is None:
            continue
        columns.append(field.column)
        default = field.get_default()
        if field.name in ("created_at", "last_ingested_at"):
            default = timezone.now()
        defaults[field.column] = default
    return columns, defaults


def _copy_lines(table: str, columns: Sequence[str], lines: Iterable[str]) -> None:
    """COPY text ``lines`` into ``table``, written in chunks of about a megabyte."""
    from django.db import connection

    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        chunk: list[str] = []
        size = 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            if size > 1 << 20:
                copy.write("".join(chunk).encode())
                chunk, size = [], 0
        copy.write("".join(chunk).encode())


def persons_seed(rng: random.Random, *, environment_id: int, count: int) -> list[str]:
    """``count`` persons, each with one distinct id (``person-<n>``); returns the distinct ids."""
    from django.db import connection
    from django.utils import timezone

    created = _text(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM recordings_person")
        first_id = cursor.fetchone()[0] + 1
    domains = list(itertools.accumulate((33, 30, 15, 12, 10)))

    def persons() -> Iterator[str]:
        for n in range(count):
            domain = rng.choices(DOMAINS, cum_weights=domains)[0]
            plan = rng.choice(("free", "pro", "enterprise"))
            properties = f'{{"email": "user{n}@{domain}", "name": "User {n}", "plan": "{plan}"}}'
            person_uuid = _session_id(rng.getrandbits(128))
            yield f"{first_id + n}\t{environment_id}\t{person_uuid}\t{properties}\t{created}\n"

    _copy_lines("recordings_person", ("id", "environment_id", "uuid", "properties", "created_at"), persons())
    links = (f"{environment_id}\t{first_id + n}\tperson-{n}\n" for n in range(count))
    _copy_lines("recordings_persondistinctid", ("environment_id", "person_id", "distinct_id"), links)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('recordings_person', 'id'), %s)", [first_id + count]
        )
    return [f"person-{n}" for n in range(count)]


@contextmanager
def _bulk_load(table: str) -> Iterator[None]:
    """Loads into ``table`` the way a bulk import does: its indexes and unique constraints are
    dropped first and built again (by sorting) on exit, and row triggers — the foreign keys'
    checks — are off meanwhile (``session_replication_role = replica``; the rows reference the
    environment just created). Takes PostgreSQL superuser rights, as the bench has."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            cursor.execute(definition)


def recordings_seed(*, environment_id: int, user_id: int, count: int, seed: int = 20240612) -> None:
    """``count`` recordings (plus persons, tombstones, viewed marks), then ``ANALYZE``.

    Expects the environment's retention to be ``RETENTION_DAYS`` (the stamped ``expires_at``
    of recordings without their own retention uses it). PostgreSQL only (``COPY``)."""
    from django.db import connection, transaction
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now()
    writer = RowWriter(rng, environment_id=environment_id, now=now, count=count)
    session_ids: list[str] = []

    def recordings(people: list[str]) -> Iterator[str]:
        persons = len(people)
        for _ in range(count):
            # 20% anonymous; Pareto-ish: a few persons own many sessions.
            anonymous = rng.random() < 0.2
            distinct_id = (
                f"anon-{rng.getrandbits(48)}" if anonymous else people[int(persons * rng.random() ** 2)]
            )
            session_id, line = writer.line(distinct_id)
            session_ids.append(session_id)
            yield line

    with _bulk_load("recordings_person"), transaction.atomic():
        people = persons_seed(rng, environment_id=environment_id, count=max(1, count // 3))
    with _bulk_load("recordings_sessionrecording"), transaction.atomic():
        _copy_lines("recordings_sessionrecording", writer.columns, recordings(people))
    moment = _text(now)
    tombstoned = rng.sample(session_ids, k=count * 3 // 1000)
    lines = (f"{environment_id}\t{sid}\t{moment}\n" for sid in tombstoned)
    _copy_lines("recordings_deletedrecording", ("environment_id", "session_id", "deleted_at"), lines)
    viewed = rng.sample(session_ids, k=count // 20)
    lines = (f"{environment_id}\t{user_id}\t{sid}\t{moment}\n" for sid in viewed)
    columns = ("environment_id", "user_id", "session_id", "created_at")
    _copy_lines("recordings_sessionrecordingviewed", columns, lines)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
