"""Remote config: what switches session recording on in an unmodified posthog-js (reference §2).

The same config object is served by every endpoint a posthog-js version asks:

- ``GET /array/{token}/config`` — JSON (current SDKs' fallback, 1.300.x);
- ``GET /array/{token}/config.js`` — a script setting ``window._POSTHOG_REMOTE_CONFIG[token]``
  (current SDKs load it first);
- ``POST|GET /flags/`` and ``/decide/`` (any query string; body gzip, base64 form or JSON with a
  ``token``/``api_key``) — the config merged with empty flags, for older SDKs.

``sessionRecording`` is an object with ``endpoint: "/s/"`` and console log recording on, and
nothing that holds a recording back (no sampling, minimum duration, linked flag or triggers).
``supportedCompression: ["gzip", "gzip-js"]`` makes the SDK gzip its bodies. ``captureDeadClicks``
makes it send ``$dead_click`` events (the click index's dead clicks). An unknown token is
a 404 on ``/array/…`` (the SDK then records nothing) and a 401 on ``/flags``/``/decide``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from recordings_api.models import Environment
from recordings_api.renderers import json_dumps
from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError
from snapshots.capture.responses import (
    cors_preflight,
    json_error,
    json_ok,
    payload_too_large,
    read_only_method_check,
    with_cors,
)
from snapshots.capture.views import request_json
from snapshots.ingestion.tokens import environment_by_token

CONFIG_MAX_AGE_SECONDS = 60
_FLAGS_MAX_BODY_BYTES = 1024 * 1024


def remote_config_build(*, environment: Environment) -> dict[str, Any]:
    """The remote config of ``environment`` (camelCase field names, as posthog-js reads them)."""
    return {
        "token": environment.api_token,
        "supportedCompression": ["gzip", "gzip-js"],
        "hasFeatureFlags": False,
        "captureDeadClicks": True,  # $dead_click events feed the click index
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


def flags_response_build(*, environment: Environment) -> dict[str, Any]:
    """``/flags`` and ``/decide``: the config plus an empty flag set (this service has no flags)."""
    return {
        **remote_config_build(environment=environment),
        "flags": {},
        "featureFlags": {},
        "featureFlagPayloads": {},
        "errorsWhileComputingFlags": False,
    }


def remote_config_script(*, environment: Environment) -> bytes:
    """The config.js body. ``<`` is escaped so the JSON can never close a surrounding script tag."""
    config = json_dumps(remote_config_build(environment=environment)).replace(b"<", b"\\u003c")
    token = json_dumps(environment.api_token).replace(b"<", b"\\u003c")
    return (
        b"(function(){var w=window;w._POSTHOG_REMOTE_CONFIG=w._POSTHOG_REMOTE_CONFIG||{};"
        b"w._POSTHOG_REMOTE_CONFIG[" + token + b"]={config:" + config + b",siteApps:[]};})();\n"
    )


def _unknown_token(request: HttpRequest) -> HttpResponse:
    return json_error(
        request, status=404, type_="invalid_request", code="not_found", detail="No project has this token."
    )


def _cached(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={CONFIG_MAX_AGE_SECONDS}"
    return response


@csrf_exempt
def config_json(request: HttpRequest, token: str) -> HttpResponse:
    early = read_only_method_check(request)
    if early is not None:
        return early
    environment = environment_by_token(token=token)
    if environment is None:
        return _unknown_token(request)
    return _cached(json_ok(request, remote_config_build(environment=environment)))


@csrf_exempt
def config_js(request: HttpRequest, token: str) -> HttpResponse:
    early = read_only_method_check(request)
    if early is not None:
        return early
    environment = environment_by_token(token=token)
    if environment is None:
        return _unknown_token(request)
    response = HttpResponse(
        remote_config_script(environment=environment), content_type="application/javascript; charset=utf-8"
    )
    return _cached(with_cors(request, response))


def _flags_token(request: HttpRequest) -> str | None:
    token = request.GET.get("token") or request.GET.get("api_key")
    if request.method == "POST" or request.GET.get("data"):
        body = request_json(request, max_bytes=_FLAGS_MAX_BODY_BYTES)
        if isinstance(body, dict):
            token = body.get("token") or body.get("api_key") or body.get("$token") or token
    return token if isinstance(token, str) else None


@csrf_exempt
def flags(request: HttpRequest) -> HttpResponse:
    """``/flags/`` and ``/decide/``: any query string, any body encoding the SDK uses."""
    if request.method == "OPTIONS":
        return cors_preflight(request)
    try:
        token = _flags_token(request)
    except BodyTooLarge:
        return payload_too_large(request, max_bytes=_FLAGS_MAX_BODY_BYTES)
    except CaptureDecodeError as error:
        return json_error(
            request, status=400, type_="validation_error", code=error.code, detail=error.detail, attr="body"
        )
    environment = environment_by_token(token=token or "")
    if environment is None:
        return json_error(
            request,
            status=401,
            type_="authentication_error",
            code="authentication_failed" if token else "not_authenticated",
            detail="Project API key invalid or missing.",
        )
    return json_ok(request, flags_response_build(environment=environment))
