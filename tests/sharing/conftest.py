"""Fixtures of the sharing tests: recordings of both environments and URL helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from recordings.models import SessionRecording
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory

SHARING_KEYS = {"created_at", "enabled", "access_token", "settings", "password_required", "share_passwords"}


@pytest.fixture
def recording(environment: Environment) -> SessionRecording:
    return SessionRecordingFactory.create(environment=environment)


@pytest.fixture
def other_recording(other_environment: Environment) -> SessionRecording:
    return SessionRecordingFactory.create(environment=other_environment)


@pytest.fixture(params=["projects", "environments"])
def prefix(request: pytest.FixtureRequest) -> str:
    """Both route families reach project 1's default environment."""
    return str(request.param)


@pytest.fixture
def sharing_url(environment: Environment, prefix: str) -> Callable[..., str]:
    def _url(recording: Any, suffix: str = "", environment_id: int | None = None) -> str:
        env_id = environment.id if environment_id is None else environment_id
        return f"/api/{prefix}/{env_id}/session_recordings/{recording.session_id}/sharing/{suffix}"

    return _url
