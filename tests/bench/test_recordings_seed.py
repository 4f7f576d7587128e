"""``bench._recordings_seed``: the COPY seeding of the recordings list benchmark writes rows that
the model, the stored columns and the API agree with."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bench._recordings_seed import RETENTION_DAYS, recordings_seed
from recordings.metrics import formulas
from recordings.models import (
    DeletedRecording,
    Person,
    PersonDistinctId,
    SessionRecording,
    SessionRecordingViewed,
)
from recordings_api.models import Environment, User
from tests.recordings.conftest import base_url

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the seed uses PostgreSQL's COPY"),
]
COUNT = 3_000


@pytest.fixture
def seeded(environment: Environment, owner: User) -> Environment:
    environment.session_recording_retention_days = RETENTION_DAYS
    environment.save()
    recordings_seed(environment_id=environment.id, user_id=owner.pk, count=COUNT)
    return environment


def test_the_seed_writes_every_row_and_its_neighbours(seeded: Environment, owner: User) -> None:
    assert SessionRecording.objects.filter(environment=seeded).count() == COUNT
    assert Person.objects.filter(environment=seeded).count() == COUNT // 3
    assert PersonDistinctId.objects.filter(environment=seeded).count() == COUNT // 3
    assert DeletedRecording.objects.filter(environment=seeded).count() == COUNT * 3 // 1000
    assert SessionRecordingViewed.objects.filter(environment=seeded, user=owner).count() == COUNT // 20
    session_ids = SessionRecording.objects.values_list("session_id", flat=True)
    assert all(uuid.UUID(session_id).version == 4 for session_id in session_ids)


def test_seeded_rows_hold_what_every_writer_stores(seeded: Environment) -> None:
    rows = list(SessionRecording.objects.filter(environment=seeded))
    for row in rows:
        assert row.expires_at == formulas.expiry_time(row, seeded)
        assert row.duration == row.duration_seconds
        assert row.activity_score == formulas.activity_score(row)
        assert row.start_url == row.urls[0] == row.first_event_properties["$current_url"]
    persisted = sum(row.persisted for row in rows)
    checkout = sum(any("/checkout/" in url for url in row.urls) for row in rows)
    assert 0 < persisted < COUNT * 0.05 and COUNT * 0.1 < checkout < COUNT * 0.3
    linked = set(PersonDistinctId.objects.values_list("distinct_id", flat=True))
    anonymous = sum(row.distinct_id not in linked for row in rows)
    assert all(row.distinct_id.startswith("anon-") == (row.distinct_id not in linked) for row in rows)
    assert COUNT * 0.1 < anonymous < COUNT * 0.3


def test_the_api_lists_the_seeded_recordings(
    seeded: Environment, key_client: Callable[..., APIClient]
) -> None:
    visible = (
        SessionRecording.objects.filter(environment=seeded)
        .exclude(session_id__in=DeletedRecording.objects.values("session_id"))
        .filter(expires_at__isnull=True)
        .count()
    )
    body = key_client(["session_recording:read"]).get(base_url(seeded), {"limit": 5}).json()

    assert body["has_next"] is True and len(body["results"]) == 5
    assert body["count"] > visible  # some of what is not persisted is still within retention
