"""OpenAPI description of the sharing access token (``?sharing_access_token=``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SharingAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sharing.authentication.SharingAccessTokenAuthentication"
    name = "SharingAccessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "sharing_access_token",
            "description": "A recording's sharing token: read-only access to that one recording.",
        }
