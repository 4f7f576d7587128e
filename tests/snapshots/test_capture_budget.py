"""The per-token capture budget: off by default; over it, a 429 posthog-js backs off from."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from recordings_api.models import Environment
from tests.snapshots.test_capture_support import (
    embedded_buffer,  # noqa: F401
    gzip_json,
    meta,
    new_session_id,
    now_ms,
    snapshot_item,
)

pytestmark = pytest.mark.usefixtures("embedded_buffer")


def _post(environment: Environment) -> Any:
    item = snapshot_item(token=environment.api_token, session_id=new_session_id(), events=[meta(now_ms())])
    return Client().post(
        "/s/", data=gzip_json([item]), content_type="text/plain", HTTP_ORIGIN="https://shop.example"
    )


def test_capture_is_unlimited_by_default(environment: Environment) -> None:
    assert [_post(environment).status_code for _ in range(30)] == [200] * 30


def test_a_token_over_its_budget_gets_429_with_quota_limited(
    environment: Environment, other_environment: Environment, settings: Settings
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "capture_token": "3/minute"}
    assert [_post(environment).status_code for _ in range(3)] == [200, 200, 200]

    response = _post(environment)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json() == {
        "type": "throttled_error",
        "code": "throttled",
        "detail": f"Request was throttled. Expected available in {response['Retry-After']} seconds.",
        "attr": None,
        "quota_limited": ["recordings", "events"],
    }
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert _post(other_environment).status_code == 200
