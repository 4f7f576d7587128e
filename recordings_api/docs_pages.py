"""The documentation pages (Swagger UI, Redoc), served fully from this host."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.request import Request
from rest_framework.response import Response

# The documentation pages load only this host's files (drf-spectacular-sidecar's bundles): no
# fonts, logos or scripts from a CDN, so they work offline and tell no third party about a visit.
# Redoc's bundle always renders a remote "Redocly" logo; the policy keeps it from being fetched.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


class _LocalDocsPage:
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[misc]
        response["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response


class LocalRedocView(_LocalDocsPage, SpectacularRedocView):
    template_name = "recordings_api/redoc.html"  # drf-spectacular's, without Google Fonts


class LocalSwaggerView(_LocalDocsPage, SpectacularSwaggerView):
    pass
