"""The two API faces as the schema-wide tests see them: which paths each owns, and the real data a
positive case must reach (one place; ``tests/recordings_api/test_schemathesis.py`` reads it).

``seed_faces()`` builds, with fixed ids, one organization whose project (= default environment =
Sentry project) holds the real ``@sentry/browser`` replay (ingested through the envelope endpoint,
so every face serves it: PostHog's session recording, Sentry's replay with segments, clicks and
tags), a playlist that pins it, an action, a comment on it, a share password, and an owner's
Bearer personal API key with every scope. ``Face.pinned`` maps each path parameter of the face to
the seeded object it names, so generated requests address real objects instead of random ids (a
tag key names no object: any key of its format is answered, so it is generated, not pinned);
``Face.pinned_fields`` does the same for body fields naming an object (a comment's ``item_id``).
``click_searches()``, ``selector_searches()``, ``capture_data()`` and ``capture_texts()`` generate
values of the string formats ``sentry-click-search``, ``sentry-selector-search``,
``posthog-capture-data`` and ``posthog-capture-text``, ``sentry_envelopes()`` bodies of the media
type ``application/x-sentry-envelope``: grammars JSON Schema cannot state, written as clients write
them, and ``recordings_searches()`` the PostHog face's search language (``posthog-recordings-search``).
``time_range_ordered()``, ``snapshot_keys_given()``, ``cursor_given()``, ``matching_filter_given()``
and ``playlist_filters_fit()`` state the rules between parameters JSON Schema cannot: a Sentry time
range's ``start`` is not after its ``end``; a snapshots ``source`` comes with the keys it fetches; a
recordings list ``after`` is a cursor of the case's order, without ``offset`` or ``session_ids``;
``matching_events`` has an event filter in ``events`` or ``properties``; a playlist's type sets
what the ``filters`` of its updates may be.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime
from hypothesis import strategies as st

from recordings.models import Action, RecordingComment, SessionRecording
from recordings.sentry.browse_params import EPOCH_PATTERN
from recordings.sentry.openapi import TIME_RANGE_PARAMETER
from recordings_api.models import Environment, Membership, Organization, User
from recordings_api.services import membership_add, personal_api_key_create, project_create

ORGANIZATION_SLUG = "schema-org"
ENVIRONMENT_ID = 4242
ENVIRONMENT_SLUG = "schema-web"
PLAYLIST_SHORT_ID = "SchemaPlay01"
ACTION_ID = 424201
COMMENT_ID = uuid.UUID("5c4e3a00-0000-4000-8000-000000424201")
SHARE_PASSWORD_ID = 424201
ORGANIZATION_ID = uuid.UUID("5c4e3a00-0000-4000-8000-00000000a001")
OWNER_UUID = uuid.UUID("5c4e3a00-0000-4000-8000-00000000b001")
REPLAY_ID = "577486ad75574166a76561e6c2e0a827"  # the real @sentry/browser replay's id


@dataclass(frozen=True)
class Face:
    """An API face: its path prefixes, and its path parameters pinned per path pattern (the first
    matching regular expression wins, so specific patterns come first)."""

    name: str
    path_prefixes: tuple[str, ...]
    pinned: tuple[tuple[str, dict[str, str]], ...] = field(default=())
    # Body fields that must name a seeded object, per request body component: {field: value}.
    pinned_fields: tuple[tuple[str, dict[str, str]], ...] = field(default=())


def _posthog_pins(replay_id: str) -> tuple[tuple[str, dict[str, str]], ...]:
    scope = {"project_id": str(ENVIRONMENT_ID), "environment_id": str(ENVIRONMENT_ID)}
    return (
        ("/actions/", {**scope, "id": str(ACTION_ID)}),
        ("/comments/", {**scope, "id": str(COMMENT_ID)}),
        (
            "/session_recording_playlists/",
            {**scope, "short_id": PLAYLIST_SHORT_ID, "session_recording_id": replay_id},
        ),
        (
            "/session_recordings/",
            {**scope, "id": replay_id, "recording_id": replay_id, "password_id": str(SHARE_PASSWORD_ID)},
        ),
        ("^/api/projects/\\{id\\}/$", {"id": str(ENVIRONMENT_ID)}),
        ("^/api/(s|e|i|batch|capture|track|\\{project_id\\})", {"project_id": str(ENVIRONMENT_ID)}),
    )


def faces() -> tuple[Face, ...]:
    sentry = {
        "organization_id_or_slug": ORGANIZATION_SLUG,
        "project_id_or_slug": ENVIRONMENT_SLUG,
        "replay_id": REPLAY_ID,
        "segment_id": "0",
    }
    return (
        Face(
            name="posthog",
            path_prefixes=("/api/projects/", "/api/environments/", "/api/organizations/", "/api/users/"),
            pinned=(
                *_posthog_pins(REPLAY_ID),
                ("^/api/organizations/", {"id": str(ORGANIZATION_ID)}),
                ("^/api/users/", {"id": str(OWNER_UUID)}),
            ),
            # A comment's ``item_id`` names a recording of the environment, an action filter's ``id``
            # an action of it (else a 400 naming it).
            pinned_fields=(
                ("RecordingCommentCreateRequest", {"item_id": REPLAY_ID}),
                ("RecordingsActionFilter", {"id": str(ACTION_ID)}),
            ),
        ),
        Face(
            name="capture",
            path_prefixes=("/s/", "/e/", "/i/v0/e/", "/batch/", "/capture/", "/track/", "/api/{project_id}/"),
            pinned=(("", {"project_id": str(ENVIRONMENT_ID)}),),
        ),
        Face(name="sentry", path_prefixes=("/api/0/",), pinned=(("", sentry),)),
    )


SENTRY_ENVELOPE = "application/x-sentry-envelope"
_JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_JSON_OBJECTS = st.dictionaries(st.text(max_size=10), _JSON_SCALARS, max_size=4)
_ITEM_TYPES = ("event", "transaction", "replay_event", "replay_recording", "attachment", "client_report")


@st.composite
def _envelope_item(draw: st.DrawFn) -> str:
    """One item: its header line (a ``type``, and a ``length`` or none) then its payload."""
    payload = json.dumps(draw(_JSON_OBJECTS))
    header: dict[str, object] = {"type": draw(st.sampled_from(_ITEM_TYPES))}
    if draw(st.booleans()):
        header["length"] = len(payload.encode())
    return f"{json.dumps(header)}\n{payload}"


@st.composite
def _envelope(draw: st.DrawFn) -> bytes:
    header = {"event_id": draw(st.uuids()).hex} if draw(st.booleans()) else {}
    items = draw(st.lists(_envelope_item(), max_size=3))
    return "\n".join([json.dumps(header), *items]).encode()


def sentry_envelopes() -> st.SearchStrategy[bytes]:
    """Well-formed envelopes: a JSON object header line, then items, each a JSON header line naming
    its ``type`` (with or without ``length``) and a payload line."""
    return _envelope()


_SEARCH_VALUE = st.from_regex(r"[A-Za-z0-9_-]{1,10}", fullmatch=True) | st.text(
    st.characters(codec="utf-8", exclude_characters='"\\', exclude_categories=("Cc", "Cs")),
    min_size=1,
    max_size=10,
).map(lambda text: f'"{text}"')


@st.composite
def _click_term(draw: st.DrawFn) -> str:
    from recordings.metrics import search_fields

    names = sorted(name for name, field in search_fields("sentry").items() if field.kind == "click")
    negation = "!" if draw(st.booleans()) else ""
    return f"{negation}{draw(st.sampled_from(names))}:{draw(_SEARCH_VALUE)}"


@st.composite
def _selector_term(draw: st.DrawFn) -> str:
    from recordings.sentry_replay.dead_selectors import COUNT_FIELDS

    negation = "!" if draw(st.booleans()) else ""
    operator = draw(st.sampled_from(("", ">", "<", ">=", "<=")))
    return f"{negation}{draw(st.sampled_from(COUNT_FIELDS))}:{operator}{draw(st.integers(0, 10**6))}"


@st.composite
def _search(draw: st.DrawFn, terms: st.SearchStrategy[str]) -> str:
    drawn = draw(st.lists(terms, max_size=3))
    joined = drawn[:1]
    for term in drawn[1:]:
        joined += [draw(st.sampled_from(("AND", "OR"))), term]
    return " ".join(joined)


def click_searches() -> st.SearchStrategy[str]:
    """Click searches: ``[!]click.<field>:<value>`` terms, bare or quoted, joined by AND / OR."""
    return _search(_click_term())


def selector_searches() -> st.SearchStrategy[str]:
    """Selector searches: ``[!]count_(dead|rage)_clicks:[op]<n>`` terms joined by AND / OR."""
    return _search(_selector_term())


def _instant(raw: object) -> timedelta | None:
    """A declared moment (epoch seconds, or ISO 8601: no offset is UTC) as its distance from
    ``datetime.min`` in UTC, which orders any two (an aware datetime near year 1 or 9999 cannot
    always be converted to UTC); ``None`` for anything else."""
    if not isinstance(raw, str):
        return None
    try:
        if re.fullmatch(EPOCH_PATTERN, raw):
            return datetime.fromtimestamp(float(raw), tz=UTC).replace(tzinfo=None) - datetime.min
        moment = parse_datetime(raw)
    except (ValueError, OverflowError, OSError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=None) - datetime.min - (moment.utcoffset() or timedelta())


def time_range_ordered(case: Any) -> Any:
    """``case`` with its time range ordered, when it is a positive case of an operation declaring one
    (``recordings.sentry.openapi.TIME_RANGE``): of its two generated moments, the earlier is ``start``
    (a ``start`` after ``end`` is the documented 400, which JSON Schema cannot state). Both values stay
    the generated ones, so the case stays as valid; a negative case is left as generated."""
    declared = any(parameter.name == TIME_RANGE_PARAMETER for parameter in case.operation.query)
    query = case.query or {}
    if not declared or not case.meta or not case.meta.generation.mode.is_positive:
        return case
    start, end = _instant(query.get("start")), _instant(query.get("end"))
    if start is not None and end is not None and start > end:
        case.query = {**query, "start": query["end"], "end": query["start"]}
    return case


SNAPSHOTS_PATH = "/session_recordings/{recording_id}/snapshots/"
# A well-formed ``source=blob`` key (``{first_ms}-{last_ms}``) naming no blob: the documented 404.
_ABSENT_BLOB_KEY = "0-0"


def snapshot_keys_given(case: Any) -> Any:
    """``case`` obeying the snapshots rules, when it is a positive case of that operation
    (``snapshots.api.schema``): ``source=blob`` comes with a ``{first_ms}-{last_ms}`` ``blob_key``,
    ``source=blob_v2_lts`` with a ``blob_key``, ``source=blob_v2`` with a ``start_blob_key`` not
    after its ``end_blob_key``, at most ``MAX_BLOCKS_PERSONAL_API_KEY`` blocks apart (the documented
    400s, which JSON Schema cannot state). Generated values are kept where they obey; a missing or
    malformed key is replaced by a well-formed one; a negative case is left as generated."""
    from snapshots.api.serializers import MAX_BLOCKS_PERSONAL_API_KEY
    from snapshots.storage.keys import blob_key_parse

    query = dict(case.query or {})
    if not case.operation.path.endswith(SNAPSHOTS_PATH) or not case.meta:
        return case
    if not case.meta.generation.mode.is_positive:
        return case
    source = query.get("source")
    if source == "blob" and blob_key_parse(str(query.get("blob_key") or "")) is None:
        query["blob_key"] = _ABSENT_BLOB_KEY
    if source == "blob_v2_lts" and not query.get("blob_key"):
        query["blob_key"] = _ABSENT_BLOB_KEY
    if source == "blob_v2" and not query.get("blob_key"):
        start = int(query.get("start_blob_key") or 0)
        end = int(query.get("end_blob_key") or start)
        start, end = min(start, end), max(start, end)
        end = min(end, start + MAX_BLOCKS_PERSONAL_API_KEY - 1)
        query["start_blob_key"], query["end_blob_key"] = str(start), str(end)
    case.query = query
    return case


PLAYLIST_PATH = "/session_recording_playlists/{short_id}/"


def playlist_filters_fit(case: Any) -> Any:
    """``case`` obeying the playlist's type, when it is a positive update of the seeded playlist
    (``playlists.openapi``): the playlist's ``type``, fixed at creation, decides its ``filters``
    (a collection's are empty, a saved filter's non-empty), which an update body cannot state. The
    seeded playlist is a collection, so non-empty ``filters`` become ``{}``; a negative case is left
    as generated."""
    body = case.body
    operation = case.operation
    if not operation.path.endswith(PLAYLIST_PATH) or operation.method.upper() not in ("PUT", "PATCH"):
        return case
    if not case.meta or not case.meta.generation.mode.is_positive or not isinstance(body, dict):
        return case
    if body.get("filters"):
        case.body = {**body, "filters": {}}
    return case


_UTF8 = st.text(st.characters(codec="utf-8"), max_size=10)  # JSON text: no lone surrogates
_CAPTURE_EVENT = st.fixed_dictionaries(
    {"event": st.sampled_from(("$pageview", "$snapshot", "$autocapture", "signed_up"))},
    optional={
        "properties": st.dictionaries(_UTF8, st.none() | st.booleans() | st.integers() | _UTF8, max_size=4),
        "timestamp": st.just("2026-05-01T12:00:00.000Z"),
    },
)
_CAPTURE_EVENTS = st.lists(_CAPTURE_EVENT, min_size=1, max_size=3)
_CAPTURE_PAYLOAD = st.one_of(
    _CAPTURE_EVENTS, st.fixed_dictionaries({"batch": _CAPTURE_EVENTS}), _CAPTURE_EVENT
)


def _capture_data_encode(payload: object, encoding: str) -> str:
    text = json.dumps(payload)
    if encoding == "json":
        return text
    raw = gzip.compress(text.encode()) if encoding == "gzip" else text.encode()
    return base64.b64encode(raw).decode()


def capture_data() -> st.SearchStrategy[str]:
    """``data=`` values of a capture form body (format ``posthog-capture-data``): a payload of one
    event, a list of events or ``{batch: [...]}``, as JSON text, base64 of it or base64 of its gzip
    (lz-string needs ``compression=lz64`` alongside, which a format cannot carry)."""
    encodings = st.sampled_from(("json", "base64", "gzip"))
    return st.tuples(_CAPTURE_PAYLOAD, encodings).map(lambda drawn: _capture_data_encode(*drawn))


def capture_texts() -> st.SearchStrategy[str]:
    """``text/plain`` capture bodies (format ``posthog-capture-text``): a payload's JSON text."""
    return _CAPTURE_PAYLOAD.map(json.dumps)


def seed_faces() -> str:
    """Seeds the objects (call inside a test's database transaction); returns the owner's key."""
    from tests.recordings.sentry_replay_support import ingest_fixture_replay

    organization = Organization.objects.create(id=ORGANIZATION_ID, name="Schema org", slug=ORGANIZATION_SLUG)
    project_create(organization=organization, name="Schema web", project_id=ENVIRONMENT_ID)
    environment = Environment.objects.get(id=ENVIRONMENT_ID)
    Environment.objects.filter(id=ENVIRONMENT_ID).update(slug=ENVIRONMENT_SLUG)
    owner = User.objects.create_user(
        email="schema-owner@example.com", password="pw", first_name="Owner", uuid=OWNER_UUID
    )
    membership_add(organization=organization, user=owner, level=Membership.Level.OWNER)
    recording = ingest_fixture_replay(environment)
    assert recording.session_id == REPLAY_ID
    _seed_posthog_objects(environment=environment, recording=recording, owner=owner)
    return personal_api_key_create(user=owner, label="schemathesis", scopes=["*"]).plaintext


def _seed_posthog_objects(*, environment: Environment, recording: SessionRecording, owner: User) -> None:
    from playlists.models import SessionRecordingPlaylist
    from playlists.services import playlist_add_recording
    from sharing.passwords import share_password_create

    playlist = SessionRecordingPlaylist.objects.create(
        environment=environment, short_id=PLAYLIST_SHORT_ID, name="Pinned", type="collection"
    )
    playlist_add_recording(playlist=playlist, session_id=recording.session_id)
    Action.objects.create(
        id=ACTION_ID, environment=environment, name="Checkout", steps=[{"event": "$pageview"}]
    )
    RecordingComment.objects.create(
        id=COMMENT_ID, environment=environment, session_id=recording.session_id, content="Look here"
    )
    password, _ = share_password_create(
        recording=recording, raw_password="correct horse", note="", user=owner
    )
    type(password).objects.filter(pk=password.pk).update(id=SHARE_PASSWORD_ID)


@st.composite
def _search_term(draw: st.DrawFn) -> str:
    from recordings.metrics import search_fields

    fields = search_fields("posthog")
    name = draw(st.sampled_from(sorted(n for n, f in fields.items() if f.kind in _SEARCH_VALUES)))
    negation = "!" if draw(st.booleans()) else ""
    return f"{negation}{name}:{draw(_SEARCH_VALUES[fields[name].kind])}"


_COMPARED = st.tuples(st.sampled_from(("", ">", "<", ">=", "<=")), st.integers(0, 10**6))
_SEARCH_VALUES: dict[str, st.SearchStrategy[str]] = {
    "duration": st.tuples(_COMPARED, st.sampled_from(("", "s", "m", "h"))).map(
        lambda drawn: f"{drawn[0][0]}{drawn[0][1]}{drawn[1]}"
    ),
    "count": _COMPARED.map(lambda drawn: f"{drawn[0]}{drawn[1]}"),
    "score": _COMPARED.map(lambda drawn: f"{drawn[0]}{drawn[1]}"),
    "text": _SEARCH_VALUE,
    "property": _SEARCH_VALUE,
    "urls": _SEARCH_VALUE,
    "flag": st.sampled_from(("true", "false")),
}


def recordings_searches() -> st.SearchStrategy[str]:
    """PostHog-face searches (format ``posthog-recordings-search``): ``[!]<field>:<value>`` terms of
    the face's search fields, with values of their kind, joined by AND / OR."""
    return _search(_search_term())


RECORDINGS_LIST_PATH = "/session_recordings/"
MATCHING_EVENTS_PATH = "/session_recordings/matching_events/"


def _json_param(raw: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return raw


def cursor_given(case: Any) -> Any:
    """``case`` with a real ``after`` cursor, when it is a positive case of the recordings list: a
    cursor is a previous page's ``next_cursor`` for the case's own ``order`` and
    ``order_direction``, and does not combine with ``offset`` or ``session_ids`` (the documented
    400s, which JSON Schema cannot state). A generated ``after`` is replaced by a cursor of that
    order (past a row of the seed's start), or left out when ``offset``/``session_ids`` are given;
    a negative case is left as generated."""
    from recordings.cursor import ListCursor, cursor_encode
    from recordings.filters.ordering import DEFAULT_ORDER

    query = dict(case.query or {})
    if not case.operation.path.endswith(RECORDINGS_LIST_PATH) or not case.meta:
        return case
    if not case.meta.generation.mode.is_positive or query.get("after") in (None, ""):
        return case
    session_ids = _json_param(query.get("session_ids"))
    if query.get("offset") not in (None, "", 0, "0") or session_ids not in (None, ""):
        del query["after"]
    else:
        order = query.get("order") or DEFAULT_ORDER
        direction = query.get("order_direction") or "DESC"
        moment = datetime(2026, 5, 1, 12, tzinfo=UTC)
        query["after"] = cursor_encode(ListCursor(order, direction, None, moment, 1))
    case.query = query
    return case


def matching_filter_given(case: Any) -> Any:
    """``case`` with an event filter, when it is a positive case of ``matching_events``: ``events``
    or an ``event`` property filter in ``properties`` is required (the documented 400, which JSON
    Schema cannot state across two parameters). A case having neither gets ``events`` naming
    ``$pageview``; a negative case is left as generated."""
    from rest_framework.exceptions import ValidationError

    from recordings.filters import query_params_decode, recordings_query_parse

    if not case.operation.path.endswith(MATCHING_EVENTS_PATH) or not case.meta:
        return case
    if not case.meta.generation.mode.is_positive:
        return case
    query = dict(case.query or {})
    try:
        parsed = recordings_query_parse(query_params_decode({k: str(v) for k, v in query.items()}))
    except ValidationError:
        return case
    if not parsed.events and not any(prop.type == "event" for prop in parsed.properties):
        query["events"] = json.dumps([{"id": "$pageview", "type": "events"}])
    case.query = query
    return case
