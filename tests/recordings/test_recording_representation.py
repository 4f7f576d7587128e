"""The recording object built in one pass equals DRF's field-by-field representation.

``SessionRecordingSerializer.to_representation`` skips DRF's per-field machinery; its fields
still declare the object. These tests read the objects through the real list and detail URLs
and compare them, key for key and in order, with what DRF's generic ``to_representation``
makes of the same declarations for the same rows and context.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from recordings.models import SessionRecording, SessionRecordingViewed
from recordings.selectors import session_recordings_enrichment
from recordings.serializers import SessionRecordingSerializer
from recordings.views.bodies import RecordingUpdatedSerializer
from recordings_api.models import User
from tests.recordings.conftest import Dataset

pytestmark = pytest.mark.django_db


def _field_by_field(
    serializer_class: type[SessionRecordingSerializer],
    recording: SessionRecording,
    *,
    user: User,
    unmatched: set[str] | None = None,
) -> dict[str, Any]:
    environment = recording.environment
    enrichment = session_recordings_enrichment(environment=environment, recordings=[recording], user=user)
    context = {
        "environment": environment,
        "enrichment": enrichment,
        "unmatched_session_ids": unmatched or set(),
    }
    serializer = serializer_class(recording, context=context)
    return dict(serializers.ModelSerializer.to_representation(serializer, recording))


def _fresh(session_id: str) -> SessionRecording:
    return SessionRecording.objects.get(session_id=session_id)


def test_list_objects_equal_the_field_by_field_representation(
    api: APIClient, dataset: Dataset, owner: User, teammate: User, recordings_url: str
) -> None:
    SessionRecordingViewed.objects.create(
        environment=dataset.alpha.environment, user=owner, session_id=dataset.alpha.session_id
    )
    SessionRecordingViewed.objects.create(
        environment=dataset.beta.environment, user=teammate, session_id=dataset.beta.session_id
    )
    SessionRecording.objects.filter(pk=dataset.gamma.pk).update(persisted=True, expires_at=None)

    response = api.get(recordings_url)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    for result in results:
        expected = _field_by_field(SessionRecordingSerializer, _fresh(result["id"]), user=owner)
        assert list(result) == list(expected)
        assert result == expected


def test_unmatched_requested_recording_equals_the_field_by_field_representation(
    api: APIClient, dataset: Dataset, owner: User, recordings_url: str
) -> None:
    session_id = dataset.gamma.session_id
    query = f"session_recording_id={session_id}&session_ids=%5B%22{dataset.alpha.session_id}%22%5D"

    results = api.get(f"{recordings_url}?{query}").json()["results"]

    first = results[0]
    assert first["id"] == session_id and first["matches_filters"] is False
    recording = _fresh(session_id)
    expected = _field_by_field(SessionRecordingSerializer, recording, user=owner, unmatched={session_id})
    assert first == expected and list(first) == list(expected)


def test_detail_and_update_objects_equal_the_field_by_field_representation(
    api: APIClient, dataset: Dataset, owner: User, recordings_url: str
) -> None:
    session_id = dataset.beta.session_id

    detail = api.get(f"{recordings_url}{session_id}/").json()
    expected = _field_by_field(SessionRecordingSerializer, _fresh(session_id), user=owner)
    updated = api.patch(f"{recordings_url}{session_id}/", {"viewed": True}, format="json").json()

    assert detail == expected and list(detail) == list(expected)
    expected_update = _field_by_field(RecordingUpdatedSerializer, _fresh(session_id), user=owner)
    assert updated == expected_update and list(updated) == list(expected_update)
    assert expected_update["success"] is True and expected_update["viewed"] is True
