"""What each API face's search dialect adds to the common grammar.

The PostHog face: ``AND``/``OR`` in upper case, ``AND`` binding tighter than ``OR``, every term a
``field:value``. The Sentry face, as Sentry's event search grammar: keywords in any case,
explicit ``AND``/``OR`` combining left to right with what precedes them (``a OR b AND c`` is
``(a OR b) AND c``; a space still separates ANDed groups: ``a b OR c`` is ``a AND (b OR c)``),
and free text — a word or a quoted phrase without ``key:`` — searched as ``message:*text*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from recordings.metrics import Face

FREE_TEXT_KEY = "message"


@dataclass(frozen=True)
class Dialect:
    keywords_any_case: bool = False
    left_to_right: bool = False
    free_text: bool = False


DIALECTS: dict[Face, Dialect] = {
    "posthog": Dialect(),
    "sentry": Dialect(keywords_any_case=True, left_to_right=True, free_text=True),
}
