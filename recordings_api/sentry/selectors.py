"""What the Sentry face's URLs name: organizations and Sentry projects (= our environments).

An organization is addressed by its slug or its id (a UUID), a project by its slug or its id (the
environment id, all digits); slugs are never all digits nor UUIDs (``models.slugs``), so the form
decides. What a request may see is what the PostHog face's account endpoints let it see
(``account_visible_environments``: the user's organizations, narrowed by the personal API key's
``scoped_organizations`` / ``scoped_teams``). Anything else — unknown, malformed, another
organization's, a project outside the organization, one the key excludes — is the same 404
``RESOURCE_NOT_FOUND``, so nothing can be probed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound, ParseError

from recordings_api.models import Environment, Organization, PersonalAPIKey
from recordings_api.selectors import account_visible_environments
from recordings_api.sentry.errors import RESOURCE_NOT_FOUND

ALL_PROJECTS = "-1"
# A ``project`` value: ``-1`` (all) or an id (digits; longer ones name no environment).
PROJECT_ID_PATTERN = "-1|[0-9]{1,18}"


def _id_or_slug(value: str, *, id_kind: type) -> Q:
    if id_kind is uuid.UUID:
        try:
            return Q(id=uuid.UUID(value))
        except ValueError:
            return Q(slug=value)
    return Q(id=int(value)) if value.isdigit() and len(value) < 19 else Q(slug=value)


def sentry_organizations_visible(*, user: Any, key: PersonalAPIKey | None) -> QuerySet[Organization]:
    """Organizations with an environment the request may see, oldest first."""
    environments = account_visible_environments(user=user, key=key)
    return (
        Organization.objects.filter(projects__environments__in=environments)
        .distinct()
        .order_by("created_at", "id")
    )


def sentry_organization_get(*, user: Any, key: PersonalAPIKey | None, id_or_slug: str) -> Organization:
    """The visible organization ``id_or_slug`` names; 404 otherwise."""
    organization = (
        sentry_organizations_visible(user=user, key=key)
        .filter(_id_or_slug(id_or_slug, id_kind=uuid.UUID))
        .first()
    )
    if organization is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return organization


def sentry_projects_visible(
    *, organization: Organization, user: Any, key: PersonalAPIKey | None
) -> QuerySet[Environment]:
    """The organization's Sentry projects (environments) the request may see, by id."""
    return account_visible_environments(user=user, key=key).filter(project__organization=organization)


def sentry_project_get(
    *, organization: Organization, user: Any, key: PersonalAPIKey | None, id_or_slug: str
) -> Environment:
    """The visible project ``id_or_slug`` names in ``organization``; 404 otherwise."""
    projects = sentry_projects_visible(organization=organization, user=user, key=key)
    environment = projects.filter(_id_or_slug(id_or_slug, id_kind=int)).first()
    if environment is None:
        raise NotFound(RESOURCE_NOT_FOUND)
    return environment


def sentry_projects_select(
    projects: QuerySet[Environment], *, ids: Sequence[str], slugs: Sequence[str]
) -> list[Environment]:
    """The projects the ``project`` / ``projectSlug`` parameters select among ``projects``.

    Neither given, or ``project=-1``: all of them. Each id or slug must name one of ``projects``
    (404 ``RESOURCE_NOT_FOUND`` otherwise, like a URL naming it); a non-numeric id is Sentry's 400.
    """
    if any(re.fullmatch(PROJECT_ID_PATTERN, raw) is None for raw in ids):
        raise ParseError("Invalid project parameter. Values must be numbers.")
    if ALL_PROJECTS in ids or (not ids and not slugs):
        return list(projects)
    wanted = Q(pk__in=[])
    for raw in ids:
        wanted |= Q(id=int(raw))
    if slugs:
        wanted |= Q(slug__in=list(slugs))
    selected = list(projects.filter(wanted))
    found = {str(p.id) for p in selected} | {p.slug for p in selected}
    if any(value not in found for value in (*ids, *slugs)):
        raise NotFound(RESOURCE_NOT_FOUND)
    return selected
