"""Error events and their link to recordings; the ``error_ids`` / ``warning_ids`` / ``info_ids`` rule.

``errors_store`` inserts error events once per event id (``RecordingError``), each in the issue
its fingerprint names (``ErrorIssue``, ``recordings.grouping``). A recording's lists
(``error_lists``) are, in time order:

- every stored event linked to it (its own ``session_id``) by level: ``fatal``/``error`` →
  errors, ``warning`` → warnings, ``info``/``debug`` → infos;
- every id its Sentry segments reported (``replay_event.error_ids``): the stored event of that id
  decides the level (and is linked to the recording when it named none); an id no stored event
  has counts as an error (the SDK only reports errors it sent successfully).

So ``count_errors`` is Sentry's server-side count of linked error events, plus the SDK's reports
of errors this service never saw. Each list keeps at most ``MAX_IDS`` ids (counts saturate
there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from recordings.conditions import session_keys_condition
from recordings.grouping import error_fingerprint, issue_title
from recordings.models import ErrorIssue, RecordingError
from recordings.services.records import ErrorRecord
from recordings_api.models import Environment
from recordings_api.timestamps import ms_to_datetime

MAX_IDS = 1000
_LIST_OF_LEVEL = {
    "fatal": "errors",
    "error": "errors",
    "warning": "warnings",
    "info": "infos",
    "debug": "infos",
}
SessionKey = tuple[int, str]


@dataclass
class ErrorLists:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)

    def add(self, event_id: str, level: str | None) -> None:
        target: list[str] = getattr(self, _LIST_OF_LEVEL.get(level or "error", "errors"))
        known = event_id in self.errors or event_id in self.warnings or event_id in self.infos
        if not known and len(target) < MAX_IDS:
            target.append(event_id)


def _fingerprint(error: ErrorRecord) -> str:
    return error.fingerprint or error_fingerprint(
        exception_type=error.exception_type, exception_value=error.exception_value, message=error.message
    )


def issues_upsert(errors: Sequence[ErrorRecord]) -> dict[tuple[int, str], int]:
    """The issue id of every ``(environment_id, fingerprint)`` of ``errors``, creating the issues
    that do not exist yet from their earliest event here. Two statements, whatever the count; two
    writers racing on one fingerprint end with one issue (the unique constraint, then a read)."""
    first: dict[tuple[int, str], ErrorRecord] = {}
    for error in sorted(errors, key=lambda error: error.timestamp_ms):
        first.setdefault((error.environment_id, _fingerprint(error)), error)
    if not first:
        return {}
    ErrorIssue.objects.bulk_create(
        [
            ErrorIssue(
                environment_id=environment_id,
                fingerprint=fingerprint,
                title=issue_title(
                    exception_type=error.exception_type,
                    exception_value=error.exception_value,
                    message=error.message,
                ),
                culprit=error.culprit,
                level=error.level,
                exception_type=error.exception_type,
                exception_value=error.exception_value,
                platform=error.platform,
                first_seen=ms_to_datetime(error.timestamp_ms),
            )
            for (environment_id, fingerprint), error in first.items()
        ],
        ignore_conflicts=True,
    )
    condition = Q(pk__in=[])
    for environment_id, fingerprint in first:
        condition |= Q(environment_id=environment_id, fingerprint=fingerprint)
    rows = ErrorIssue.objects.filter(condition).values_list("environment_id", "fingerprint", "id")
    return {(environment_id, fingerprint): issue_id for environment_id, fingerprint, issue_id in rows}


def errors_store(*, errors: Sequence[ErrorRecord], environments: Mapping[int, Environment]) -> None:
    """Stores each event once (by event id) in its issue (``issues_upsert``)."""
    errors = [error for error in errors if error.environment_id in environments]
    issues = issues_upsert(errors)
    rows = [
        RecordingError(
            environment_id=error.environment_id,
            event_id=error.event_id,
            session_id=error.session_id,
            timestamp=ms_to_datetime(error.timestamp_ms),
            level=error.level,
            message=error.message,
            exception_type=error.exception_type,
            exception_value=error.exception_value,
            release=error.release,
            sdk_environment=error.environment,
            trace_id=error.trace_id,
            platform=error.platform,
            issue_id=issues[(error.environment_id, _fingerprint(error))],
        )
        for error in errors
    ]
    RecordingError.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _condition(sessions: Iterable[SessionKey], reported: Mapping[SessionKey, Sequence[str]]) -> Q:
    condition = session_keys_condition(sessions)
    reported_by_environment: dict[int, set[str]] = {}
    for (environment_id, _), ids in reported.items():
        reported_by_environment.setdefault(environment_id, set()).update(ids)
    for environment_id, id_set in reported_by_environment.items():
        condition |= Q(environment_id=environment_id, event_id__in=sorted(id_set))
    return condition


def error_lists(
    *, sessions: Iterable[SessionKey], reported: Mapping[SessionKey, Sequence[str]]
) -> dict[SessionKey, ErrorLists]:
    """The lists of every session in ``sessions`` (see the module docstring); ``reported`` holds
    the ids each Sentry replay's segments reported, in segment order. Links reported events that
    named no recording to the one that reported them."""
    keys = set(sessions)
    rows = list(
        RecordingError.objects.filter(_condition(keys, reported))
        .order_by("timestamp", "event_id")
        .values_list("id", "environment_id", "event_id", "session_id", "level")
    )
    by_id = {
        (environment_id, event_id): (row_id, session_id, level)
        for row_id, environment_id, event_id, session_id, level in rows
    }
    lists = {key: ErrorLists() for key in keys}
    for _, environment_id, event_id, session_id, level in rows:
        if (environment_id, session_id) in lists:
            lists[(environment_id, session_id)].add(event_id, level)
    to_link: dict[SessionKey, list[int]] = {}
    for key, ids in reported.items():
        for event_id in ids:
            found = by_id.get((key[0], event_id))
            lists.setdefault(key, ErrorLists()).add(event_id, found[2] if found else None)
            if found is not None and not found[1]:
                to_link.setdefault(key, []).append(found[0])
    for (_, session_id), row_ids in to_link.items():
        RecordingError.objects.filter(id__in=row_ids, session_id="").update(session_id=session_id)
    return lists
