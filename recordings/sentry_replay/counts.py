"""Replay counts per identifier (``organizations/{org}/replay-count/``, reference §6.9).

``query`` names exactly one identifier as a list: ``replay_id:[…]`` (≤ 100), ``transaction:[…]``
(≤ 25: replays tagged ``transaction`` with that value, the tag Sentry makes a replay's title) or
``issue.id:[…]`` (≤ 25: replays linked to an error event of that issue, ``ErrorIssue``; an id that
is not an integer names no issue and counts 0). Counts are of visible replays and capped at
``MAX_REPLAY_COUNT`` as Sentry caps them; ``return_ids`` lists the replay ids (32 hex) instead.
Errors are ``ReplayCountError`` with Sentry's messages. A query is exactly one such list and
nothing else: ``QUERY_PATTERN`` (the OpenAPI document declares it) matches every query served,
values bare (``[A-Za-z0-9_.-]+``) or double-quoted (no quote, backslash or control character
inside), spaces around them allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from recordings.models import RecordingError, RecordingTag, SessionRecording
from recordings.query_language import QueryError, query_parse
from recordings.query_language.parser import BoolNode, Node
from recordings.query_language.tokens import TermToken
from recordings.selectors import replay_id_form, session_recordings_visible_in
from recordings.sentry_replay.replays import replay_id_parse
from recordings_api.models import Environment

MAX_REPLAY_COUNT = 51
MAX_VALUES = {"issue.id": 25, "transaction": 25, "replay_id": 100}
_VALUE = r'([A-Za-z0-9_.-]+|"[^"\\\x00-\x1f]+")'


def _list_pattern(key: str) -> str:
    return rf"{re.escape(key)}:\[ *{_VALUE}( *, *{_VALUE}){{0,{MAX_VALUES[key] - 1}}} *\]"


QUERY_PATTERN = "^(" + "|".join(_list_pattern(key) for key in MAX_VALUES) + ")$"
_QUERY = re.compile(QUERY_PATTERN)


class ReplayCountError(ValueError):
    """A replay-count query that cannot run; ``str()`` is Sentry's message."""


@dataclass(frozen=True)
class CountRequest:
    identifier: str  # one of MAX_VALUES
    values: tuple[str, ...]


def _terms(node: Node | None) -> list[TermToken]:
    if node is None:
        return []
    if isinstance(node, BoolNode):
        return [term for child in node.children for term in _terms(child)]
    return [node]


def replay_count_request_parse(query: str) -> CountRequest:
    """The identifier and values ``query`` names; raises ``ReplayCountError``."""
    try:
        terms = [term for term in _terms(query_parse(query)) if term.key in MAX_VALUES]
    except QueryError as error:
        raise ReplayCountError(str(error)) from error
    if not terms:
        raise ReplayCountError("Must provide at least one issue.id, transaction, or replay_id")
    if len({term.key for term in terms}) > 1 or len(terms) > 1:
        raise ReplayCountError("Must provide only one of: issue.id, transaction, replay_id")
    term = terms[0]
    if not isinstance(term.value, tuple) or term.operator != ":" or term.negated:
        raise ReplayCountError("Condition value must be a list of strings")
    if len(term.value) > MAX_VALUES[term.key]:
        raise ReplayCountError("Too many values provided")
    if _QUERY.fullmatch(query) is None:
        raise ReplayCountError("The query must be exactly one list, e.g. replay_id:[a,b]")
    return CountRequest(term.key, term.value)


def _visible(
    environments: Sequence[Environment], start: datetime | None, end: datetime | None
) -> QuerySet[SessionRecording]:
    recordings = session_recordings_visible_in(environments=environments)
    if start is not None:
        recordings = recordings.filter(end_time__gte=start)
    if end is not None:
        recordings = recordings.filter(start_time__lt=end)
    return recordings


def _replay_id_pairs(
    values: Sequence[str], recordings: QuerySet[SessionRecording]
) -> Iterator[tuple[str, str]]:
    wanted: dict[str, str] = {}
    for value in values:
        parsed = replay_id_parse(value)
        if parsed is not None:
            wanted[parsed.hex], wanted[str(parsed)] = value, value
    for session_id in recordings.filter(session_id__in=wanted).values_list("session_id", flat=True):
        yield wanted[session_id], session_id


def _issue_pairs(values: Sequence[str], recordings: QuerySet[SessionRecording]) -> Iterator[tuple[str, str]]:
    wanted = {int(value): value for value in values if value.isdigit() and len(value) <= 18}
    linked = recordings.filter(environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"))
    pairs = (
        RecordingError.objects.filter(Exists(linked), issue_id__in=wanted)
        .values_list("issue_id", "session_id")
        .distinct()
        .order_by("issue_id", "session_id")
    )
    for issue_id, session_id in pairs:
        yield wanted[issue_id], session_id


def _transaction_pairs(
    values: Sequence[str], recordings: QuerySet[SessionRecording]
) -> Iterator[tuple[str, str]]:
    tagged = recordings.filter(environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"))
    tags = RecordingTag.objects.filter(Exists(tagged), key="transaction", value__in=values)
    yield from tags.values_list("value", "session_id").order_by("value", "session_id")


_PAIRS = {"replay_id": _replay_id_pairs, "issue.id": _issue_pairs, "transaction": _transaction_pairs}


def _ids_by_value(request: CountRequest, recordings: QuerySet[SessionRecording]) -> dict[str, list[str]]:
    """The replay ids (32 hex) of each requested value, at most ``MAX_REPLAY_COUNT`` each."""
    found: dict[str, list[str]] = {value: [] for value in request.values}
    for value, session_id in _PAIRS[request.identifier](request.values, recordings):
        if len(found[value]) < MAX_REPLAY_COUNT:
            found[value].append(replay_id_form(session_id) or session_id)
    return found


def replay_counts(
    *,
    environments: Sequence[Environment],
    request: CountRequest,
    return_ids: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, int] | dict[str, list[str]]:
    """``{value: count}`` (or ``{value: [replay ids]}``); ``{}`` when no environment has any
    recording, as Sentry answers for projects that never sent a replay."""
    recordings = _visible(environments, start, end)
    if not SessionRecording.objects.filter(environment__in=environments).exists():
        return {}
    found = _ids_by_value(request, recordings)
    if return_ids:
        return {value: ids[:MAX_REPLAY_COUNT] for value, ids in found.items()}
    return {value: min(len(ids), MAX_REPLAY_COUNT) for value, ids in found.items()}
