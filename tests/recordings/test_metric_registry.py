"""The metric registry's invariants, and that every consumer reads it (no second list)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from recordings.filters import ORDERS
from recordings.metrics import FACES, RECORDING_FIELDS, FieldContext, RecordingField, registry, shown_fields
from recordings.models import SessionRecording
from recordings.serializers import SessionRecordingSerializer
from recordings_api.models import Environment
from tests.recordings.conftest import Dataset

pytestmark = pytest.mark.django_db


def test_a_name_means_one_field_on_every_face() -> None:
    for face in FACES:
        for searching in (False, True):
            registry._by_name(face, searching=searching)  # raises on a clash


def test_a_clashing_declaration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    clash = registry.count("console_error_count_copy", posthog=registry.names("click_count"))
    monkeypatch.setattr(registry, "RECORDING_FIELDS", (*RECORDING_FIELDS, clash))
    with pytest.raises(ValueError, match="'click_count' names both click_count and console_error_count_copy"):
        registry._by_name("posthog", searching=False)


def _sql_values(field: RecordingField, environment: Environment) -> dict[str, Any]:
    annotated = SessionRecording.objects.filter(environment=environment).annotate(
        _metric=field.sql(FieldContext(environment=environment))
    )
    return dict(annotated.values_list("session_id", "_metric"))


def _shown(value: Any, kind: str) -> Any:
    """What a response shows of an SQL value: counts and durations are whole numbers."""
    if value is None or kind == "score":
        return value
    return math.trunc(value)


@pytest.mark.parametrize(
    "shown", [name for name, field in shown_fields("posthog") if field.name != "recording_ttl"]
)
def test_every_shown_value_agrees_with_its_sql(dataset: Dataset, shown: str) -> None:
    field = dict(shown_fields("posthog"))[shown]
    environment = dataset.alpha.environment
    context = FieldContext(environment=environment)
    sql = _sql_values(field, environment)
    assert field.value is not None
    for recording in SessionRecording.objects.filter(environment=environment):
        assert _shown(sql[recording.session_id], field.kind) == field.value(recording, context), (
            recording.session_id
        )


def test_recording_ttl_orders_as_its_value(dataset: Dataset) -> None:
    field = dict(shown_fields("posthog"))["recording_ttl"]
    environment = dataset.alpha.environment
    context = FieldContext(environment=environment)
    sql = _sql_values(field, environment)
    assert field.value is not None
    rows = list(SessionRecording.objects.filter(environment=environment))
    by_sql = sorted(rows, key=lambda row: sql[row.session_id])
    assert [field.value(row, context) for row in by_sql] == sorted(field.value(row, context) for row in rows)


def test_orders_and_the_serializer_come_from_the_registry(environment: Environment) -> None:
    ordered = [name for field in RECORDING_FIELDS if field.orders for name in field.names_on("posthog")]
    assert list(ORDERS) == ordered
    serializer_fields = SessionRecordingSerializer(context={"environment": environment}).fields
    for shown, _field in shown_fields("posthog"):
        assert shown in serializer_fields


SENTRY_SEARCH_TERMS = {
    "activity", "browser", "browser.name", "browser.version", "click.alt", "click.class",
    "click.component_name", "click.id", "click.label", "click.role", "click.selector", "click.tag",
    "click.testid", "click.textContent", "click.title", "count_dead_clicks", "count_errors", "count_infos",
    "count_rage_clicks", "count_segments", "count_urls", "count_warnings", "dead.selector", "device",
    "device.brand", "device.family", "device.model", "device.model_id", "device.name", "dist",
    "environment", "error_id", "error_ids", "info_id", "info_ids", "os", "os.name", "os_name", "os.version",
    "platform", "rage.selector",
    "release", "releases", "replay_type", "sdk", "sdk.name", "sdk.version", "trace", "trace_id", "trace_ids",
    "url", "urls", "user", "user.email", "user.id", "user.ip", "user.ip_address", "user.username",
    "warning_id", "warning_ids",
    # issue 13: the browse's terms (the sort alias countErrors is a name of the field too)
    "duration", "id", "viewed_by_me", "seen_by_me", "countErrors",
    # the reference's viewed-by ids (§7.2) and archived flag (§7.1)
    "viewed_by_id", "seen_by_id", "is_archived",
}  # fmt: skip


def test_the_sentry_face_declares_the_replay_attributes() -> None:
    from recordings.metrics import search_fields

    assert set(search_fields("sentry")) == SENTRY_SEARCH_TERMS
    assert [name for name, _ in shown_fields("sentry")] == [
        "duration",
        "count_dead_clicks",
        "count_rage_clicks",
        "count_urls",
        "count_segments",
        "count_errors",
        "count_warnings",
        "count_infos",
        "activity",
    ]


@pytest.mark.parametrize(
    ("errors", "urls", "activity"), [(0, 0, 1), (0, 3, 1), (1, 3, 4), (2, 1, 5), (9, 9, 10)]
)
def test_sentry_activity_agrees_with_its_sql(
    environment: Environment, errors: int, urls: int, activity: int
) -> None:
    from tests.factories import SessionRecordingFactory

    SessionRecordingFactory(environment=environment, session_id="s", error_count=errors, url_count=urls)
    field = dict(shown_fields("sentry"))["activity"]
    assert _sql_values(field, environment) == {"s": activity}
    assert field.value is not None
    recording = SessionRecording.objects.get(session_id="s")
    assert field.value(recording, FieldContext(environment=environment)) == activity
