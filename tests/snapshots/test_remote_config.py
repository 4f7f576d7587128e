"""Remote config endpoints and the lazily loaded recorder scripts served from node_modules."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from django.conf import settings
from django.test import Client

from recordings_api.models import Environment
from tests.snapshots.test_capture_support import gzip_json

pytestmark = pytest.mark.django_db


def expected_config(environment: Environment) -> dict[str, Any]:
    return {
        "token": environment.api_token,
        "supportedCompression": ["gzip", "gzip-js"],
        "hasFeatureFlags": False,
        "captureDeadClicks": True,
        "capturePerformance": False,
        "autocapture_opt_out": False,
        "autocaptureExceptions": False,
        "analytics": {"endpoint": "/e/"},
        "elementsChainAsString": True,
        "heatmaps": False,
        "surveys": False,
        "defaultIdentifiedOnly": True,
        "siteApps": [],
        "sessionRecording": {
            "endpoint": "/s/",
            "consoleLogRecordingEnabled": True,
            "recorderVersion": "v2",
            "sampleRate": None,
            "minimumDurationMilliseconds": None,
            "linkedFlag": None,
            "networkPayloadCapture": None,
            "masking": None,
            "urlTriggers": [],
            "urlBlocklist": [],
            "eventTriggers": [],
            "triggerMatchType": None,
        },
    }


def expected_flags(environment: Environment) -> dict[str, Any]:
    return {
        **expected_config(environment),
        "flags": {},
        "featureFlags": {},
        "featureFlagPayloads": {},
        "errorsWhileComputingFlags": False,
    }


# --- /array/{token}/config(.js) ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?ip=0&_=1795321619867&ver=1.300.0"])
def test_config_json(environment: Environment, query: str) -> None:
    response = Client().get(
        f"/array/{environment.api_token}/config{query}", HTTP_ORIGIN="https://shop.example"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == expected_config(environment)
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["Cache-Control"] == "public, max-age=60"


def test_config_js_sets_the_global(environment: Environment) -> None:
    response = Client().get(f"/array/{environment.api_token}/config.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    body = response.content.decode()
    prefix = (
        "(function(){var w=window;w._POSTHOG_REMOTE_CONFIG=w._POSTHOG_REMOTE_CONFIG||{};"
        f'w._POSTHOG_REMOTE_CONFIG["{environment.api_token}"]={{config:'
    )
    assert body.startswith(prefix)
    assert body.endswith(",siteApps:[]};})();\n")
    config = json.loads(body[len(prefix) : -len(",siteApps:[]};})();\n")])
    assert config == expected_config(environment)


def test_config_js_escapes_angle_brackets(environment: Environment) -> None:
    environment.api_token = "phc_<img src=x onerror=alert(1)>"
    environment.save(update_fields=["api_token"])
    response = Client().get(f"/array/{environment.api_token}/config.js")
    assert response.status_code == 200
    assert b"<" not in response.content


@pytest.mark.parametrize("suffix", ["config", "config.js"])
def test_config_unknown_token_is_404(environment: Environment, suffix: str) -> None:
    response = Client().get(f"/array/phc_nope/{suffix}")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "No project has this token.",
        "attr": None,
    }


def test_config_preflight() -> None:
    response = Client().options("/array/phc_x/config", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


# --- /flags and /decide -------------------------------------------------------------------------


def _flags_bodies(token: str) -> dict[str, tuple[bytes | str, str]]:
    body = {"token": token, "distinct_id": "d1", "groups": {}, "person_properties": {}}
    return {
        "gzip": (gzip_json(body), "text/plain"),
        "json": (orjson.dumps(body), "application/json"),
        "base64_form": (
            urlencode({"data": base64.b64encode(orjson.dumps(body)).decode()}),
            "application/x-www-form-urlencoded",
        ),
        "api_key": (orjson.dumps({"api_key": token, "distinct_id": "d1"}), "application/json"),
    }


@pytest.mark.parametrize(
    "path", ["/flags/?v=2", "/flags?v=2&config=true&ip=0&compression=base64", "/decide/?v=3", "/decide"]
)
@pytest.mark.parametrize("encoding", ["gzip", "json", "base64_form", "api_key"])
def test_flags_and_decide(environment: Environment, path: str, encoding: str) -> None:
    body, content_type = _flags_bodies(environment.api_token)[encoding]
    response = Client().post(path, data=body, content_type=content_type, HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200, response.content
    assert response.json() == expected_flags(environment)
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"


def test_flags_token_in_query_string(environment: Environment) -> None:
    response = Client().get(f"/flags/?token={environment.api_token}")
    assert response.status_code == 200
    assert response.json() == expected_flags(environment)


def test_flags_unknown_and_missing_token_are_401(environment: Environment) -> None:
    unknown = Client().post(
        "/flags/?v=2", data=orjson.dumps({"token": "phc_nope"}), content_type="application/json"
    )
    assert unknown.status_code == 401
    assert unknown.json() == {
        "type": "authentication_error",
        "code": "authentication_failed",
        "detail": "Project API key invalid or missing.",
        "attr": None,
    }
    missing = Client().post("/decide/", data=b"{}", content_type="application/json")
    assert missing.status_code == 401
    assert missing.json()["code"] == "not_authenticated"


def test_flags_broken_body_is_400(environment: Environment) -> None:
    response = Client().post("/flags/", data=b"\x1f\x8bnot gzip", content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_gzip"


def test_flags_preflight() -> None:
    response = Client().options("/flags/?v=2", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"


# --- recorder scripts ---------------------------------------------------------------------------

NODE_MODULES = Path(settings.NODE_MODULES_DIR)
CURRENT = json.loads((NODE_MODULES / "posthog-js" / "package.json").read_text())["version"]
LEGACY = json.loads((NODE_MODULES / "posthog-js-1300" / "package.json").read_text())["version"]


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["lazy-recorder.js", "recorder.js", "posthog-recorder.js", "surveys.js"])
def test_versioned_script_of_the_pinned_package(name: str) -> None:
    response = Client().get(f"/static/{CURRENT}/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert _content(response) == (NODE_MODULES / "posthog-js" / "dist" / name).read_bytes()


def test_versioned_script_of_the_legacy_alias() -> None:
    response = Client().get(f"/static/{LEGACY}/lazy-recorder.js")
    assert response.status_code == 200
    assert _content(response) == (NODE_MODULES / "posthog-js-1300" / "dist" / "lazy-recorder.js").read_bytes()


def test_unversioned_script_follows_v_when_installed() -> None:
    legacy = Client().get(f"/static/lazy-recorder.js?v={LEGACY}")
    assert legacy.status_code == 200
    assert legacy["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _content(legacy) == (NODE_MODULES / "posthog-js-1300" / "dist" / "lazy-recorder.js").read_bytes()
    for url in ("/static/lazy-recorder.js", "/static/lazy-recorder.js?v=0.0.1", "/static/recorder.js"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "public, max-age=3600"
    pinned = (NODE_MODULES / "posthog-js" / "dist" / "lazy-recorder.js").read_bytes()
    assert _content(Client().get("/static/lazy-recorder.js")) == pinned


def test_unknown_version_is_404_so_the_sdk_falls_back() -> None:
    response = Client().get("/static/9.9.9/lazy-recorder.js")
    assert response.status_code == 404
    assert response.json() == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "No such script.",
        "attr": None,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/static/nope.js",
        f"/static/{CURRENT}/nope.js",
        "/static/package.json",
        "/static/..%2Fpackage.json",
        "/static/%2E%2E%2F%2E%2E%2Fpackage.json",
        f"/static/{CURRENT}/..%2F..%2Fposthog-js%2Fpackage.json",
        "/static/.hidden.js",
        "/static/lazy-recorder.js%00.js",
        f"/static/{CURRENT}/lazy-recorder.d.ts",
    ],
)
def test_unknown_files_and_traversal_are_404(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_etag_revalidation() -> None:
    first = Client().get(f"/static/{CURRENT}/lazy-recorder.js")
    again = Client().get(f"/static/{CURRENT}/lazy-recorder.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_source_maps_are_json() -> None:
    response = Client().get(f"/static/{CURRENT}/lazy-recorder.js.map")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_scripts_refuse_writes() -> None:
    assert Client().post("/static/lazy-recorder.js").status_code == 405


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/static/lazy-recorder.js"),
        ("post", f"/static/{CURRENT}/lazy-recorder.js"),
        ("delete", "/static/lazy-recorder.js"),
        ("post", "/array/phc_x/config"),
        ("put", "/array/phc_x/config.js"),
    ],
)
def test_read_only_endpoints_answer_405_even_with_csrf_checks(method: str, url: str) -> None:
    response = getattr(Client(enforce_csrf_checks=True), method)(url)
    assert response.status_code == 405
    assert response.json() == {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": "Use GET.",
        "attr": None,
    }


def test_flags_needs_no_csrf_token(environment: Environment) -> None:
    client = Client(enforce_csrf_checks=True)
    body = orjson.dumps({"token": environment.api_token})
    assert client.post("/flags/?v=2", data=body, content_type="application/json").status_code == 200
