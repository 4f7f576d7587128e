"""Terms of the Sentry face that are not plain registry kinds.

- id (the ``id`` term): a Sentry replay id in any UUID form (dashed, upper case) matches the
  recording stored under its 32-hex form, and a posthog-js session stored dashed; anything that
  is not a UUID is Sentry's "Could not parse value for `id`. Detail: Failed to parse uuid.";
- viewer (``viewed_by_id:42``, ``seen_by_id:[1,2]``): some user with that id viewed the
  recording; ``!`` means none of them did. Ids are integers, anything else is Sentry's
  "Could not parse value for `viewed_by_id`.";
- tags: ``tags[key]:value``, and — as Sentry's search does — any key that is no field of the
  face: some tag row of the recording has that key and a matching value (exact, ``*`` wildcard
  case-insensitive, lists are any of); ``!`` means none does. Free text is the ``message`` tag;
- keys Sentry answers through parameters (``project_id``, ``started_at``, ``finished_at``,
  ``user.display_name``…) are "Unsupported search field".
"""

from __future__ import annotations

import uuid

from django.db.models import Exists, F, OuterRef, Q

from recordings.conditions import wildcard_condition
from recordings.models import RecordingTag, SessionRecordingViewed
from recordings.query_language.errors import QueryFieldError
from recordings.query_language.tokens import TermToken

TAG_KEY_PREFIX, TAG_KEY_SUFFIX = "tags[", "]"
# Response attributes with their own parameters, never search terms (the seed's table).
PARAMETER_ONLY_KEYS = ("project_id", "project", "started_at", "finished_at", "user.display_name")


def id_condition(term: TermToken) -> Q:
    term.equality_required()
    candidates: set[str] = set()
    for raw in term.values:
        try:
            parsed = uuid.UUID(raw.strip())
        except ValueError:
            raise QueryFieldError(
                f"Could not parse value {raw!r} for '{term.key}': expected a UUID.",
                term.position,
                key=term.key,
                detail="Failed to parse uuid.",
            ) from None
        candidates.update((parsed.hex, str(parsed)))
    condition = Q(session_id__in=sorted(candidates))
    return ~condition if term.negated else condition


def viewer_condition(term: TermToken) -> Q:
    term.equality_required()
    user_ids: list[int] = []
    for raw in term.values:
        text = raw.strip()
        if not text.isdigit() or len(text) > 18:
            raise QueryFieldError(
                f"Could not parse value {raw!r} for '{term.key}': expected a user id.",
                term.position,
                key=term.key,
            )
        user_ids.append(int(text))
    views = SessionRecordingViewed.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"), user_id__in=user_ids
    )
    exists = Q(Exists(views))
    return ~exists if term.negated else exists


def tag_key(key: str) -> str:
    """The tag a key names: ``tags[plan]`` → ``plan``; any other key is itself."""
    if key.startswith(TAG_KEY_PREFIX) and key.endswith(TAG_KEY_SUFFIX):
        return key[len(TAG_KEY_PREFIX) : -len(TAG_KEY_SUFFIX)]
    return key


def tag_condition(term: TermToken) -> Q:
    if term.key in PARAMETER_ONLY_KEYS:
        raise QueryFieldError(
            f"'{term.key}' is not searchable: use its parameter.",
            term.position,
            key=term.key,
            problem="field",
        )
    term.equality_required()
    matched = Q(pk__in=[])
    for raw in term.values:
        matched |= wildcard_condition(F("value"), raw) if "*" in raw else Q(value=raw)
    rows = RecordingTag.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id"), key=tag_key(term.key)
    ).filter(matched)
    exists = Q(Exists(rows))
    return ~exists if term.negated else exists
