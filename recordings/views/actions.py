"""List-level read actions of the recordings viewset: ``matching_events``, ``properties`` and
``batch_check_exists``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from recordings.conditions import invalid
from recordings.filters import query_params_decode, recordings_query_parse
from recordings.selectors import (
    session_recording_matching_events,
    session_recordings_existing,
    session_recordings_properties,
)
from recordings.views import bodies
from recordings.views.docs import MATCHING_PARAMETERS, PROPERTIES_PARAMETERS, errors


class ListActionsMixin:
    environment: Any

    @extend_schema(
        parameters=MATCHING_PARAMETERS,
        description="Events of ONE recording that match the given event filters: `session_ids` must hold "
        "exactly one session id, and `events` or an `event` property filter in `properties` is required "
        "(a rule between two parameters, which their schemas cannot state: without either, a 400). "
        "Results are in time order (at most 10,000). Other list parameters are validated as on the list "
        "and otherwise ignored.",
        responses={200: bodies.RecordingMatchingEventsSerializer, **errors(400, 401, 403, 404)},
    )
    @action(methods=["GET"], detail=False)
    def matching_events(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = recordings_query_parse(query_params_decode(request.query_params))
        if not query.session_ids or len(query.session_ids) != 1:
            raise invalid("session_ids", "Must specify exactly one session_id.")
        if not query.events and not any(prop.type == "event" for prop in query.properties):
            raise invalid(
                "events", "Must specify at least one event or action filter, or event properties filter."
            )
        results = session_recording_matching_events(environment=self.environment, query=query)
        if results is None:
            raise NotFound("Recording not found")
        return Response(bodies.RecordingMatchingEventsSerializer({"results": results}).data)

    @extend_schema(
        parameters=PROPERTIES_PARAMETERS,
        description="For each listed session (in the given order; unknown ones are left out): `$os`, "
        "`$browser`, "
        "`$device_type`, `$current_url`, `$host`, `$pathname`, `$geoip_country_code`, `$geoip_country_name` "
        "from its first pageview or autocapture event.",
        responses={200: bodies.RecordingSessionPropertiesListSerializer, **errors(400, 401, 403)},
    )
    @action(methods=["GET"], detail=False)
    def properties(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = query_params_decode(request.query_params)
        unknown = [
            key for key in filters if key != "session_ids" and key not in ("personal_api_key", "format")
        ]
        if unknown:
            raise invalid(unknown[0], f"Unknown parameter {unknown[0]!r}: only 'session_ids' is accepted.")
        query = recordings_query_parse({"session_ids": filters.get("session_ids")})
        if not query.session_ids:
            raise invalid("session_ids", "Must specify at least one session id in 'session_ids'.")
        results = session_recordings_properties(environment=self.environment, session_ids=query.session_ids)
        return Response({"results": results})

    @extend_schema(
        request=bodies.RecordingsExistenceInputSerializer,
        description="Which of up to 100 session ids are recordings of this environment (PostHog's "
        "`batch_check_exists`). `include_outcomes` adds `outcomes`, PostHog's stored AI summary outcomes: "
        "this service stores none, so it is always empty. Read-only (POST only to carry the ids).",
        responses={200: bodies.RecordingsExistenceSerializer, **errors(400, 401, 403)},
    )
    @action(methods=["POST"], detail=False)
    def batch_check_exists(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = bodies.RecordingsExistenceInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session_ids = list(dict.fromkeys(body.validated_data["session_ids"]))
        existing = session_recordings_existing(environment=self.environment, session_ids=session_ids)
        result: dict[str, Any] = {
            "results": {session_id: session_id in existing for session_id in session_ids}
        }
        if body.validated_data["include_outcomes"]:
            result["outcomes"] = {}
        return Response(result)
