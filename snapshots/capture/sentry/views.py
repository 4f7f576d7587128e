"""``POST /api/{environment_id}/envelope/`` and ``/api/{environment_id}/store/`` (Sentry SDKs).

The path's project id is the environment id. The body is read as bytes whatever the
Content-Type (the browser SDK sends ``text/plain`` or none), its ``Content-Encoding`` undone.
Responses (``responses``): **200** ``{"id": event_id}`` once the envelope's lines and records are in
the live buffer (ONE round trip; the aggregators fold them downstream); **400** with a reason for
a malformed envelope, item or path; **401** for missing, multiple or unknown keys; **403** for an
inactive key or a key of another project; **413** past a size cap (``SENTRY_*_MAX_BYTES``);
**503** with ``Retry-After`` when the live buffer or (for a key not cached yet) the database is
down; **429** only for a real quota, the project's capture budget (``THROTTLE_CAPTURE_TOKEN``,
unset by default), with ``Retry-After`` and ``X-Sentry-Rate-Limits``. No other status is used: the
SDK stops a replay for good on any non-2xx. A malformed envelope is refused whole: nothing of it
is stored. ``{{auto}}`` user IPs become the client address (``TRUSTED_PROXY_COUNT`` applies).

``/store/`` takes one JSON event (as SDKs before envelopes sent it; base64 of zlib too) and
treats it as an envelope holding that ``event`` item.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import zlib

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from recordings_api.monitoring.requests import request_log_annotate
from recordings_api.throttles import client_address
from snapshots.capture.budget import capture_budget_wait
from snapshots.capture.decoding import BodyTooLarge
from snapshots.capture.responses import read_body_capped
from snapshots.capture.sentry.auth import AuthInvalid, SentryAuth, auth_resolve, request_auth
from snapshots.capture.sentry.build import RequestContext, envelope_contents_parse, envelope_writes_build
from snapshots.capture.sentry.encoding import EncodingInvalid, body_decode
from snapshots.capture.sentry.envelope import (
    Envelope,
    EnvelopeInvalid,
    EnvelopeItem,
    ItemTooLarge,
    envelope_parse,
)
from snapshots.capture.sentry.keys import client_key_find
from snapshots.capture.sentry.responses import sentry_error, sentry_ok, sentry_preflight, sentry_throttled
from snapshots.ingestion.services import partition_writes_ingest
from snapshots.live_buffer import LiveBufferUnavailable, get_live_buffer
from snapshots.monitoring import capture_observed

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A response other than 200, with its status, reason and log code."""

    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code


def _environment_id(project_id: str) -> int:
    if not project_id.isdigit() or len(project_id) > 18 or int(project_id) < 1:
        raise Refused(400, "bad project path parameter", "invalid_project")
    return int(project_id)


def _body(request: HttpRequest) -> bytes:
    raw = read_body_capped(request, max_bytes=int(settings.SENTRY_ENVELOPE_MAX_BYTES))
    try:
        return body_decode(
            raw,
            content_encoding=request.headers.get("Content-Encoding", ""),
            max_bytes=int(settings.SENTRY_ENVELOPE_MAX_DECODED_BYTES),
        )
    except EncodingInvalid as error:
        raise Refused(400, f"invalid body: {error.reason}", "invalid_encoding") from None


def _envelope(body: bytes) -> Envelope:
    caps = {
        "replay_recording": int(settings.SENTRY_REPLAY_ITEM_MAX_BYTES),
        "replay_video": int(settings.SENTRY_REPLAY_ITEM_MAX_BYTES),
        "attachment": int(settings.SENTRY_REPLAY_ITEM_MAX_BYTES),
    }
    return envelope_parse(body, max_item_bytes=int(settings.SENTRY_EVENT_MAX_BYTES), item_caps=caps)


def _store_envelope(body: bytes) -> Envelope:
    """A ``/store/`` body (JSON, or base64 of zlib JSON) as an envelope with one event item."""
    payload = body.strip()
    if payload[:1] not in (b"{", b""):
        try:
            payload = zlib.decompress(base64.b64decode(payload, validate=True))
        except (binascii.Error, zlib.error, ValueError):
            raise Refused(400, "invalid event: neither JSON nor base64 of zlib", "invalid_event") from None
    if len(payload) > int(settings.SENTRY_EVENT_MAX_BYTES):
        raise ItemTooLarge("event", int(settings.SENTRY_EVENT_MAX_BYTES))
    return Envelope(
        headers={}, items=[EnvelopeItem(type="event", headers={"type": "event"}, payload=payload)]
    )


def _checked_key(auth: SentryAuth, environment_id: int) -> None:
    key = client_key_find(public_key=auth.public_key)  # DatabaseError: a 503
    if key is None:
        raise Refused(401, "unknown public key", "unknown_key")
    if not key.is_active:
        raise Refused(403, "the client key is disabled", "key_disabled")
    if key.environment_id != environment_id:
        raise Refused(403, "the client key does not belong to this project", "wrong_project")


def _accept(request: HttpRequest, project_id: str, *, store: bool) -> HttpResponse:
    environment_id = _environment_id(project_id)
    request_log_annotate(request, environment_id=environment_id)
    early = request_auth(headers=request.headers, query=request.GET)
    if early is not None:
        _checked_key(early, environment_id)  # a wrong key is refused before the body is read
    body = _body(request)
    envelope = _store_envelope(body) if store else _envelope(body)
    auth = auth_resolve(early, None if store else envelope.headers.get("dsn"), project_id=environment_id)
    if early is None:
        _checked_key(auth, environment_id)
    wait = capture_budget_wait(environment_id=environment_id)
    if wait is not None:
        return sentry_throttled(request, wait=wait)
    context = RequestContext(
        environment_id=environment_id,
        received_ms=int(time.time() * 1000),
        client_ip=client_address(request),
        user_agent=request.headers.get("User-Agent", ""),
        max_recording_bytes=int(settings.SENTRY_REPLAY_MAX_DECOMPRESSED_BYTES),
    )
    contents = envelope_contents_parse(envelope, context)
    partition_writes_ingest(
        writes=envelope_writes_build(contents, context, partitions=get_live_buffer().partitions)
    )
    event_id = contents.event_id or (contents.errors[0].event_id if store and contents.errors else None)
    return sentry_ok(request, event_id)


def _respond(request: HttpRequest, project_id: str, *, store: bool) -> HttpResponse:
    if request.method == "OPTIONS":
        return sentry_preflight(request)
    if request.method != "POST":
        response = sentry_error(request, status=405, detail="method not allowed: use POST", code="method")
        response["Allow"] = "POST, OPTIONS"
        return response
    try:
        return _accept(request, project_id, store=store)
    except Refused as refused:
        return sentry_error(request, status=refused.status, detail=refused.detail, code=refused.code)
    except AuthInvalid as error:
        return sentry_error(request, status=error.status, detail=error.reason, code="invalid_auth")
    except (BodyTooLarge, ItemTooLarge) as error:
        detail = getattr(error, "reason", "") or "the envelope is larger than the limit"
        return sentry_error(request, status=413, detail=detail, code="payload_too_large")
    except EnvelopeInvalid as error:
        return sentry_error(
            request, status=400, detail=f"invalid envelope: {error.reason}", code="invalid_envelope"
        )
    except (LiveBufferUnavailable, DatabaseError) as error:
        logger.warning("sentry_envelope_unavailable", extra={"project_id": project_id, "error": str(error)})
        response = sentry_error(
            request, status=503, detail="temporarily unavailable, retry later", code="unavailable"
        )
        response["Retry-After"] = "5"
        return response


@csrf_exempt
@capture_observed
def envelope(request: HttpRequest, project_id: str) -> HttpResponse:
    return _respond(request, project_id, store=False)


@csrf_exempt
@capture_observed
def store(request: HttpRequest, project_id: str) -> HttpResponse:
    return _respond(request, project_id, store=True)
