"""Every API error uses PostHog's {"type", "code", "detail", "attr"} shape, never HTML."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NoReturn

import pytest
from django.test import RequestFactory
from pytest_django import Settings
from rest_framework.test import APIClient

from recordings_api.models import Environment, User

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"type", "code", "detail", "attr"}


def test_unauthenticated_is_401_with_bearer_challenge(environment: Environment) -> None:
    response = APIClient().get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }


@pytest.mark.parametrize("path", ["/api/nope", "/api/projects/1/unknown_thing/", "/api/"])
def test_unknown_api_path_is_json_404(api: APIClient, environment: Environment, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Endpoint not found.",
        "attr": None,
    }


def test_method_not_allowed_is_405(api: APIClient, environment: Environment) -> None:
    response = api.put(f"/api/projects/{environment.id}/session_recordings/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": 'Method "PUT" not allowed.',
        "attr": None,
    }


def test_malformed_json_is_400(api: APIClient, environment: Environment) -> None:
    response = api.post(
        f"/api/projects/{environment.id}/session_recordings/bulk_viewed/",
        data=b'{"session_recording_ids": [',
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["type"], body["code"]) == ("invalid_request", "parse_error")
    assert body["detail"].startswith("JSON parse error")


def test_unsupported_media_type_is_415(api: APIClient, environment: Environment) -> None:
    response = api.post(
        f"/api/projects/{environment.id}/session_recordings/bulk_viewed/",
        data=b"<ids/>",
        content_type="application/xml",
    )
    assert response.status_code == 415
    assert response.json() == {
        "type": "invalid_request",
        "code": "unsupported_media_type",
        "detail": 'Unsupported media type "application/xml" in request.',
        "attr": None,
    }


def test_validation_error_names_the_attribute(api: APIClient, environment: Environment) -> None:
    response = api.get(f"/api/projects/{environment.id}/session_recordings/?limit=ten")
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "'limit' must be an integer of at least 1, got 'ten'.",
        "attr": "limit",
    }


def test_throttled_is_429_with_retry_after(
    environment: Environment, key_client: Callable[..., APIClient], settings: Settings
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "burst": "2/minute"}
    client = key_client(["*"])
    url = f"/api/projects/{environment.id}/session_recordings/"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["type"], body["code"], body["attr"]) == ("throttled_error", "throttled", None)
    assert body["detail"].startswith("Request was throttled.")


def test_throttle_budget_is_per_key(
    environment: Environment, key_client: Callable[..., APIClient], settings: Settings
) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "burst": "1/minute"}
    url = f"/api/projects/{environment.id}/session_recordings/"
    first, second = key_client(["*"]), key_client(["*"])
    assert first.get(url).status_code == 200
    assert first.get(url).status_code == 429
    assert second.get(url).status_code == 200


def test_session_traffic_is_not_throttled(environment: Environment, owner: User, settings: Settings) -> None:
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "burst": "1/minute"}
    owner.is_staff = True
    owner.save()
    client = APIClient()
    client.force_login(owner)
    url = f"/api/projects/{environment.id}/session_recordings/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_unhandled_error_under_api_is_json_500(
    api: APIClient, environment: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recordings_api import selectors

    def explode(**kwargs: object) -> NoReturn:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "_environment_by_id", lambda *a: explode())
    api.raise_request_exception = False
    response = api.get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }


@pytest.mark.parametrize("method", ["post", "patch", "delete", "put"])
def test_writes_to_unknown_api_paths_are_json_404_even_with_csrf_checks(
    environment: Environment, owner: User, method: str
) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = getattr(client, method)("/api/projects/1/nothing_here/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_csrf_failure_view_answers_the_error_shape_under_api_only(rf: RequestFactory) -> None:
    from recordings_api.errors import csrf_failure

    api_response = csrf_failure(rf.post("/api/projects/1/anything/"), reason="CSRF cookie not set.")
    assert api_response.status_code == 403
    assert json.loads(api_response.content) == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "CSRF Failed: CSRF cookie not set.",
        "attr": None,
    }
    admin_response = csrf_failure(rf.post("/admin/login/"), reason="CSRF cookie not set.")
    assert admin_response.status_code == 403
    assert b"<html" in admin_response.content.lower()


def test_null_character_in_an_api_path_is_404(api: APIClient, environment: Environment) -> None:
    response = api.get(f"/api/projects/{environment.id}/session_recordings/a%00b/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Endpoint not found.",
        "attr": None,
    }


def test_null_character_in_a_query_parameter_is_400(api: APIClient, environment: Environment) -> None:
    response = api.get(f"/api/projects/{environment.id}/session_recordings/?distinct_ids=%5B%22a%00%22%5D")
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "null_characters_not_allowed",
        "detail": "Null characters are not allowed.",
        "attr": "distinct_ids",
    }


def test_a_cache_outage_is_503_not_500(api: APIClient, environment: Environment) -> None:
    from recordings_api.errors import DEPENDENCY_DOWN
    from tests.conftest import cache_outage

    with cache_outage():
        response = api.get(f"/api/projects/{environment.id}/session_recordings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "type": "server_error",
        "code": "service_unavailable",
        "detail": DEPENDENCY_DOWN,
        "attr": None,
    }
