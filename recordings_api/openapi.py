"""drf-spectacular glue: the Bearer personal-key scheme and the URL prefix parameters."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from recordings_api.openapi_summaries import ERROR_EXAMPLES, operation_summary
from recordings_api.sentry.openapi import SENTRY_PATH_PARAMETERS, sentry_errors, sentry_scope_names
from recordings_api.serializers import ApiErrorSerializer
from recordings_api.tenancy import resource_grant_authentication_classes

_PREFIX_PARAMETERS = {
    "project_id": "Project ID (its default environment has the same ID). `@current`: your current project.",
    "environment_id": "Environment ID (PostHog's team). `@current` is your current environment.",
}
_PATH_PARAMETERS = {**_PREFIX_PARAMETERS, **SENTRY_PATH_PARAMETERS}
SENTRY_PATH_PREFIX = "/api/0/"


# Errors any environment-scoped operation can answer, documented where a view does not say more.
_COMMON_ERRORS = {
    "401": "No credentials, or an invalid personal API key or sharing token.",
    "403": "The key lacks the required scope or is restricted to other projects.",
    "404": "Unknown project or environment, one of another organization, or no such object in it.",
    "429": "The key's request budget is spent; retry after `Retry-After` seconds.",
}
_INVALID_INPUT = "Invalid parameters or body (`validation_error`, naming `attr`), or a malformed body."


def common_errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses (in the error shape) for views outside the environment prefixes."""
    texts = {400: _INVALID_INPUT, **{int(code): text for code, text in _COMMON_ERRORS.items()}}
    return {code: OpenApiResponse(ApiErrorSerializer, description=texts[code]) for code in codes}


class PersonalAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "recordings_api.authentication.PersonalAPIKeyAuthentication"
    name = "PersonalAPIKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API key (`phx_…`) with the scopes the endpoint lists.",
        }


class AutoSchema(SpectacularAutoSchema):
    """Describes the ``{project_id}``/``{environment_id}`` prefix (and the Sentry face's
    ``{organization_id_or_slug}``/``{project_id_or_slug}``) and tags by domain."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        for name, description in _PATH_PARAMETERS.items():
            if "{" + name + "}" in self.path:
                parameters.append(
                    OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description)
                )
        return parameters

    def get_operation_id(self) -> str:
        """Operation ids stay unique across the route families (``environments_…``, ``sentry_…``)."""
        operation_id = str(super().get_operation_id())
        if self.path.startswith(SENTRY_PATH_PREFIX):
            return "sentry_" + operation_id.removeprefix("api_0_")
        return f"environments_{operation_id}" if "{environment_id}" in self.path else operation_id

    def get_summary(self) -> str | None:
        """The declared summary, else one named after the action (``openapi_summaries``)."""
        declared: str | None = super().get_summary()
        if declared:
            return declared
        return operation_summary(
            scope_object=getattr(self.view, "scope_object", None),
            action=getattr(self.view, "action", None),
            method=self.method,
            path=self.path,
        )

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        """Appends the scope a personal API key needs to every operation's description."""
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        required_scope = getattr(self.view, "required_scope", None)
        if operation is None or required_scope is None or getattr(self.view, "action", None) is None:
            return operation
        scope_object, level = required_scope()
        note = f"Required API key scope: `{scope_object}:{level}`."
        sentry_names = (
            sentry_scope_names(f"{scope_object}:{level}") if self.path.startswith(SENTRY_PATH_PREFIX) else []
        )
        if sentry_names:
            note += f" Sentry's scope names granting it: {', '.join(f'`{name}`' for name in sentry_names)}."
        description = operation.get("description", "")
        operation["description"] = f"{description}\n\n{note}" if description else note
        return operation

    def get_auth(self) -> list[dict[str, Any]]:
        """Resource grants (sharing tokens) are listed only on the actions they can open."""
        auths: list[dict[str, Any]] = super().get_auth()
        action = getattr(self.view, "action", None)
        if action in getattr(self.view, "grant_enabled_actions", ()):
            return auths
        grant_schemes = set()
        for grant_class in resource_grant_authentication_classes():
            extension = OpenApiAuthenticationExtension.get_match(grant_class())
            if extension is not None:
                grant_schemes.add(extension.name)
        return [auth for auth in auths if not set(auth) & grant_schemes]

    def _get_request_body(self, direction: Any = "request") -> dict[str, Any] | None:
        """PUT is documented as partial: every PUT of this API is PostHog's one update, the same as
        PATCH (fields left out stay unchanged), so its body is PATCH's ``Patched…`` component."""
        if self.method != "PUT":
            return cast("dict[str, Any] | None", super()._get_request_body(direction))
        self.method = "PATCH"
        try:
            return cast("dict[str, Any] | None", super()._get_request_body(direction))
        finally:
            self.method = "PUT"

    def _get_request_for_media_type(self, serializer: Any, direction: Any = "request") -> tuple[Any, bool]:
        """A serializer whose body rules need something sent (``request_body_required``) makes
        its body required even when no single field is."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        return schema, required or bool(getattr(serializer, "request_body_required", False))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        """Adds the error responses every API operation can give, in the error shape."""
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if self.path.startswith(SENTRY_PATH_PREFIX):
            return self._sentry_error_responses(responses, direction)
        if not any("{" + name + "}" in self.path for name in _PREFIX_PARAMETERS):
            return responses
        errors = dict(_COMMON_ERRORS)
        if self.method != "GET" or getattr(self.view, "action", None) != "retrieve":
            errors["400"] = _INVALID_INPUT
        for code, description in sorted(errors.items()):
            if code not in responses:
                error = OpenApiResponse(ApiErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        for code, example in ERROR_EXAMPLES.items():
            for media in responses.get(code, {}).get("content", {}).values():
                media.setdefault("examples", {"error": {"summary": "The error shape", "value": example}})
        return responses

    def _sentry_error_responses(self, responses: dict[str, Any], direction: Any) -> dict[str, Any]:
        """The Sentry face's errors (its shape) on every operation under ``/api/0/``."""
        # 400 on every operation: invalid parameters, and a NUL in any query parameter (middleware).
        codes = [400, 401, 403, 429]
        if "{" in self.path:
            codes.append(404)
        for code, error in sentry_errors(*codes).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return responses

    def get_tags(self) -> list[str]:
        tag = getattr(self.view, "openapi_tag", None)
        return [tag] if tag else super().get_tags()
