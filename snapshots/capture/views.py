"""The capture endpoints posthog-js talks to: /s/, /e/, /i/v0/e/, /batch/, /capture/, /track/.

Every path accepts every event: ``$snapshot`` items become recording data, anything else a
session event. Responses (always JSON, always with CORS headers):

- **200** ``{"status": 1}`` when at least one item was stored. A mixed batch keeps its good
  items and the response lists the others under ``rejected`` (``[{"index", "code", "detail"}]``);
  posthog-js ignores extra keys and must not retry a 200 (reference §1.5).
- **400** ``validation_error`` when the body cannot be decoded (``invalid_gzip``,
  ``invalid_json``, ``invalid_base64``, ``invalid_lz64``, ``invalid_form``, ``empty_body``), is not
  a capture payload (``invalid_payload``, ``no_events``), or when no item is usable — then the
  code and ``attr`` (``batch__{index}``) of the first rejected item are returned (item codes:
  ``snapshots.capture.payload``). NaN, Infinity and nesting past 1024 levels are ``invalid_json``.
- **401** ``authentication_error`` when the token (``token``/``api_key``/``properties.token``)
  is missing or matches no environment.
- **413** when the body or its decompressed form exceeds ``CAPTURE_MAX_BODY_BYTES``, or carries
  more than ``CAPTURE_MAX_ITEMS`` events (``too_many_items``) or snapshots of more than
  ``CAPTURE_MAX_SESSIONS`` sessions (``too_many_sessions``).
- **429** over the token's capture budget (``snapshots.capture.budget``; off by default).
- **503** with ``Retry-After`` when the live buffer or the database is unavailable: retry.

Items of deleted recordings are acknowledged (200) and dropped downstream. The 200 means the
request's lines and accounting are in the live buffer (``snapshots.ingestion.services``); the
recording's metadata follows within a moment, when an aggregator applies the accounting.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from snapshots.capture.budget import capture_budget_wait
from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError, decode_body, decode_data_field
from snapshots.capture.payload import CapturePayload, PayloadError, PayloadOverLimit, capture_payload_parse
from snapshots.capture.responses import (
    capture_throttled,
    cors_preflight,
    json_error,
    json_ok,
    origin_refusal,
    payload_too_large,
    read_body_capped,
)
from snapshots.ingestion.services import capture_ingest
from snapshots.ingestion.tokens import environment_id_for_token
from snapshots.live_buffer import LiveBufferUnavailable
from snapshots.monitoring import capture_batch_annotate, capture_observed

logger = logging.getLogger(__name__)


def request_json(request: HttpRequest, *, max_bytes: int) -> Any:
    """Decode the request's JSON from its body (POST) or its ``data`` query parameter (GET)."""
    compression = request.GET.get("compression", "")
    if request.method == "GET":
        data = request.GET.get("data")
        if not data:
            raise CaptureDecodeError("empty_body", "A GET capture needs a data query parameter.")
        return decode_data_field(data, compression=compression.lower(), max_bytes=max_bytes)
    body = read_body_capped(request, max_bytes=max_bytes)
    return decode_body(
        body=body, content_type=request.content_type or "", compression=compression, max_bytes=max_bytes
    )


def _unauthenticated(request: HttpRequest, token: str | None) -> HttpResponse:
    if not token:
        return json_error(
            request,
            status=401,
            type_="authentication_error",
            code="not_authenticated",
            detail="API key not provided. Send the project token as token, api_key or properties.token.",
        )
    return json_error(
        request,
        status=401,
        type_="authentication_error",
        code="authentication_failed",
        detail="Project API key invalid. You can find your project API key in your project settings.",
    )


def _nothing_usable(request: HttpRequest, payload: CapturePayload) -> HttpResponse:
    first = payload.rejected[0]
    return json_error(
        request,
        status=400,
        type_="validation_error",
        code=first.code,
        detail=first.detail,
        attr=f"batch__{first.index}",
    )


def _unavailable(request: HttpRequest, error: Exception, environment_id: int | None) -> HttpResponse:
    # Buffer down, or the database unreachable for a token not cached yet: a retry is safe
    # (identical lines are stored once; accounting records are idempotent).
    logger.warning(
        "capture_dependency_unavailable", extra={"environment_id": environment_id, "error": str(error)}
    )
    response = json_error(
        request,
        status=503,
        type_="server_error",
        code="service_unavailable",
        detail="The live buffer or the database is unavailable; retry later.",
    )
    response["Retry-After"] = "5"
    return response


def _ingest(request: HttpRequest, payload: CapturePayload) -> HttpResponse:
    try:
        environment_id = environment_id_for_token(token=payload.token or "")
    except DatabaseError as error:
        return _unavailable(request, error, None)
    if environment_id is None:
        return _unauthenticated(request, payload.token)
    capture_batch_annotate(request, environment_id=environment_id, rejected=payload.rejected)
    wait = capture_budget_wait(environment_id=environment_id)
    if wait is not None:
        return capture_throttled(request, wait=wait)
    if not payload.items:
        return _nothing_usable(request, payload)
    try:
        capture_ingest(environment_id=environment_id, items=payload.items)
    except LiveBufferUnavailable as error:
        return _unavailable(request, error, environment_id)
    body: dict[str, object] = {"status": 1}
    if payload.rejected:
        logger.info(
            "capture_items_rejected",
            extra={"environment_id": environment_id, "codes": sorted({r.code for r in payload.rejected})},
        )
        body["rejected"] = [{"index": r.index, "code": r.code, "detail": r.detail} for r in payload.rejected]
    return json_ok(request, body)


@csrf_exempt
@capture_observed
def capture(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return cors_preflight(request)
    if request.method not in ("GET", "POST"):
        refused = json_error(
            request, status=405, type_="invalid_request", code="method_not_allowed", detail="Use POST."
        )
        refused["Allow"] = "GET, POST, OPTIONS"  # RFC 9110: a 405 lists what the resource supports
        return refused
    refusal = origin_refusal(request)
    if refusal is not None:
        return refusal
    max_bytes = int(settings.CAPTURE_MAX_BODY_BYTES)
    try:
        data = request_json(request, max_bytes=max_bytes)
        payload = capture_payload_parse(
            data,
            now=timezone.now(),
            max_items=int(settings.CAPTURE_MAX_ITEMS),
            max_sessions=int(settings.CAPTURE_MAX_SESSIONS),
        )
    except BodyTooLarge as error:
        return payload_too_large(request, max_bytes=max_bytes, detail=error.detail)
    except PayloadOverLimit as error:
        return json_error(request, status=413, type_="invalid_request", code=error.code, detail=error.detail)
    except (CaptureDecodeError, PayloadError) as error:
        return json_error(
            request, status=400, type_="validation_error", code=error.code, detail=error.detail, attr="body"
        )
    return _ingest(request, payload)
