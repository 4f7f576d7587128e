"""``rows_update`` writes what the ORM's ``bulk_update`` would, on every database backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recordings.models import SessionRecording
from recordings_api.bulk_writes import rows_update
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "click_count",
    "active_milliseconds",
    "distinct_id",
    "start_time",
    "end_time",
    "start_url",
    "start_url_timestamp",
    "urls",
    "first_event_properties",
    "snapshot_library",
]


def test_rows_update_writes_every_field_type_and_leaves_other_rows_alone(environment: Environment) -> None:
    first, second, untouched = SessionRecordingFactory.create_batch(3, environment=environment)
    later = timezone.now().replace(microsecond=123456)
    first.click_count, first.active_milliseconds = 41, 9_000_000_000
    first.distinct_id = "ünïcode 'quoted' \"double\""
    first.start_time, first.end_time = later - timedelta(hours=2), later
    first.start_url, first.start_url_timestamp = None, None
    first.urls = ["https://a.example/", "https://b.example/?q=1"]
    first.first_event_properties = {"nested": {"list": [1, 2.5, None, True]}, "text": "x"}
    first.snapshot_library = None
    second.start_url_timestamp = later
    second.urls, second.first_event_properties = [], {}
    second.snapshot_library = "web"

    rows_update(SessionRecording, [first, second], FIELDS)

    for expected in (first, second):
        stored = SessionRecording.objects.get(pk=expected.pk)
        assert {name: getattr(stored, name) for name in FIELDS} == {
            name: getattr(expected, name) for name in FIELDS
        }
    before = {name: getattr(untouched, name) for name in FIELDS}
    assert {name: getattr(SessionRecording.objects.get(pk=untouched.pk), name) for name in FIELDS} == before
    # Generated columns follow the written values.
    assert SessionRecording.objects.get(pk=first.pk).duration == 7200


def test_rows_update_of_nothing_issues_no_statement(django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        rows_update(SessionRecording, [], FIELDS)
