"""The Sentry face's core (``/api/0/``): Sentry's conventions over the same services.

- ``urls`` / ``routers``: the ``/api/0/`` URL tree — ``organizations/``, the routes of
  ``organization_router`` under ``organizations/{organization_id_or_slug}/`` and those of
  ``project_router`` under ``projects/{organization_id_or_slug}/{project_id_or_slug}/`` — and a
  404 in Sentry's shape for anything else. Domain apps register their Sentry viewsets on these
  routers in their ``routes.py``, as they do on the PostHog routers.
- ``tenancy``: the scoping mixins (on ``recordings_api.tenancy.ScopeGuard``) resolving the
  organization and the Sentry project (= our environment) by slug or id.
- ``errors``: Sentry's error shape (``{"detail": …}``; a field → messages dict for validation).
- ``pagination``: Sentry's ``cursor``/``per_page`` (and the seed's ``limit``/``offset``) with the
  ``Link`` header.
- ``views``: discovery (organizations, an organization, its projects).
"""
