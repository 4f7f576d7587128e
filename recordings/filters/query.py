"""``RecordingsQuery`` → one ``Q`` over ``SessionRecording``.

Always ANDed: the date window (on ``start_time``), ``session_ids``, ``distinct_ids``,
``person_uuid``, ``having_predicates``, the environment's test-account filters, the search
``query``, ``comment_text`` and ``hide_viewed_recordings``. Combined with ``operand`` (AND /
OR): each event filter, each action filter, each property filter and the console-log filters.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from recordings.conditions import invalid
from recordings.filters.actions import action_condition
from recordings.filters.comments import comment_text_condition
from recordings.filters.events import event_condition
from recordings.filters.params import RecordingsQuery
from recordings.filters.properties import property_condition, property_filters_parse
from recordings.models import PersonDistinctId, SessionRecordingViewed
from recordings.query_language import CompileContext, QueryError, query_compile
from recordings_api.models import Environment


def recordings_query_condition(*, query: RecordingsQuery, environment: Environment, user: Any = None) -> Q:
    condition = _fixed_conditions(query, environment=environment, user=user)
    if query.comment_text is not None:
        condition &= comment_text_condition(query.comment_text)
    combinable = [event_condition(event_filter) for event_filter in query.events]
    combinable += [action_condition(item, environment=environment) for item in query.actions]
    combinable += [
        property_condition(prop, param=param, environment=environment)
        for param, props in (
            ("properties", query.properties),
            ("console_log_filters", query.console_log_filters),
        )
        for prop in props
    ]
    if combinable:
        combined = combinable[0]
        for item in combinable[1:]:
            combined = combined | item if query.operand == "OR" else combined & item
        condition &= combined
    return condition


def _fixed_conditions(query: RecordingsQuery, *, environment: Environment, user: Any) -> Q:
    condition = Q()
    if query.date_from is not None:
        condition &= Q(start_time__gte=query.date_from)
    if query.date_to is not None:
        condition &= Q(start_time__lte=query.date_to)
    if query.session_ids is not None:
        condition &= Q(session_id__in=query.session_ids)
    if query.distinct_ids is not None:
        condition &= Q(distinct_id__in=query.distinct_ids)
    if query.person_uuid is not None:
        distinct_ids = PersonDistinctId.objects.filter(
            environment=environment, person__uuid=query.person_uuid
        )
        condition &= Q(distinct_id__in=distinct_ids.values("distinct_id"))
    for prop in query.having_predicates:
        condition &= property_condition(prop, param="having_predicates", environment=environment)
    if query.filter_test_accounts:
        condition &= _test_account_condition(environment)
    if query.query:
        condition &= _search_condition(query.query, environment=environment, user=user)
    if query.hide_viewed_recordings and query.session_ids is None:
        condition &= ~_viewed_condition(query.hide_viewed_recordings, user=user)
    return condition


def _test_account_condition(environment: Environment) -> Q:
    filters = property_filters_parse(environment.test_account_filters or [], param="filter_test_accounts")
    condition = Q()
    for prop in filters:
        condition &= property_condition(prop, param="filter_test_accounts", environment=environment)
    return condition


def _search_condition(text: str, *, environment: Environment, user: Any) -> Q:
    try:
        condition = query_compile(text, CompileContext(environment=environment, user=user))
    except QueryError as error:
        raise invalid("query", str(error)) from None
    return condition if condition is not None else Q()


def _viewed_condition(mode: str, *, user: Any) -> Q:
    views = SessionRecordingViewed.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    )
    if mode == "current-user":
        if not (user is not None and getattr(user, "is_authenticated", False)):
            return Q(pk__in=[])
        views = views.filter(user_id=user.pk)
    return Q(Exists(views))
