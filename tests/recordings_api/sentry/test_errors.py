"""Sentry's error shape under ``/api/0/`` while ``/api/`` keeps PostHog's."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from recordings_api.models import Organization
from recordings_api.sentry.errors import sentry_error_body


def test_posthog_face_keeps_its_shape(api: APIClient) -> None:
    response = api.get("/api/nothing/")
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Endpoint not found.",
        "attr": None,
    }


def test_validation_errors_map_fields_to_messages() -> None:
    assert sentry_error_body(ValidationError({"sort": ["bad"], "field": {"x": ["no"]}})) == {
        "sort": ["bad"],
        "field": ["no"],
    }
    assert sentry_error_body(ValidationError("plain")) == {"detail": "plain"}


def test_null_character_in_a_parameter(api: APIClient, organization: Organization) -> None:
    response = api.get(f"/api/0/organizations/{organization.slug}/projects/?cursor=%00")
    assert (response.status_code, response.json()) == (400, {"cursor": ["Null characters are not allowed."]})


def test_throttled_is_a_detail_with_retry_after(api: APIClient, organization: Organization, settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "burst": "1/min"}
    api.get("/api/0/organizations/")
    response = api.get("/api/0/organizations/")
    assert response.status_code == 429
    assert set(response.json()) == {"detail"} and "Retry-After" in response
