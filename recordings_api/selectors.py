"""Reads of the core: resolving the environment named by an API URL, and what an account (a user
and their personal API key) may see above environments."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied

from recordings_api.access_cache import access_cached, access_store
from recordings_api.models import Environment, Membership, Organization, PersonalAPIKey, Project

CURRENT = "@current"


def environment_for_route(
    *, project_id: str | None, environment_id: str | None, user: Any, generation: str | None = None
) -> Environment:
    """The environment a ``/api/projects/{id}/`` or ``/api/environments/{id}/`` URL names.

    Under ``projects`` the id is a project id and resolves to its default environment (same id);
    under ``environments`` it is any environment id. ``@current`` is the user's current
    environment (401 when anonymous). Unknown or non-numeric ids raise 404 "Project not found.".
    For an authenticated ``user`` the same query says whether they belong to its organization:
    ``environment.user_is_member`` (``recordings_api.permissions`` reads it; absent otherwise).
    With the request's access ``generation``, a numeric id's answer for this user comes from the
    access cache when it holds one (``recordings_api.access_cache``); a 404 is never cached.
    """
    raw_id = project_id if project_id is not None else environment_id
    if raw_id == CURRENT:
        if not (user and user.is_authenticated):
            raise NotAuthenticated()
        current = user.current_environment
        if current is None:
            raise NotFound("Project not found.")
        return _environment_by_id(
            str(current.project_id if project_id is not None else current.id), project_id, user
        )
    if generation is None or not (user and user.is_authenticated):
        return _environment_by_id(raw_id or "", project_id, user)
    cache_key = ("environment", project_id is not None, raw_id, user.pk)
    environment = access_cached(cache_key, generation=generation, model=Environment)
    if environment is None:
        environment = _environment_by_id(raw_id or "", project_id, user)
        access_store(cache_key, environment, generation=generation)
    return environment


def _environment_by_id(raw_id: str, project_id: str | None, user: Any = None) -> Environment:
    try:
        numeric_id = int(raw_id)
    except ValueError:
        raise NotFound("Project not found.") from None
    filters: dict[str, int] = {"id": numeric_id}
    if project_id is not None:
        filters["project_id"] = numeric_id
    environments = Environment.objects.select_related("project").filter(**filters)
    if user is not None and user.is_authenticated:
        memberships = Membership.objects.filter(
            organization_id=OuterRef("project__organization_id"), user_id=user.pk
        )
        environments = environments.annotate(user_is_member=Exists(memberships))
    environment = environments.first()
    if environment is None:
        raise NotFound("Project not found.")
    return environment


def _scoped_organization_ids(values: list[Any]) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # a malformed restriction admits nothing
    return ids


def account_visible_environments(*, user: Any, key: PersonalAPIKey | None) -> QuerySet[Environment]:
    """The environments of ``user``'s organizations that ``key`` (if any) admits: its
    ``scoped_organizations`` and ``scoped_teams`` narrow them; empty lists restrict nothing."""
    environments = Environment.objects.filter(project__organization__memberships__user_id=user.pk)
    if key is not None and key.scoped_organizations:
        organization_ids = _scoped_organization_ids(list(key.scoped_organizations))
        environments = environments.filter(project__organization_id__in=organization_ids)
    if key is not None and key.scoped_teams:
        environments = environments.filter(id__in=[int(team) for team in key.scoped_teams])
    return environments.select_related("project__organization").order_by("id")


def account_visible_projects(*, user: Any, key: PersonalAPIKey | None) -> QuerySet[Project]:
    """Projects with at least one environment in ``account_visible_environments``, by id."""
    environments = account_visible_environments(user=user, key=key)
    return (
        Project.objects.filter(id__in=environments.values("project_id"))
        .select_related("organization")
        .order_by("id")
    )


def account_project_get(*, user: Any, key: PersonalAPIKey | None, project_id: str) -> Project:
    """The project ``project_id`` (``@current``: the user's current one) if visible.

    404 "Project not found." for an unknown or malformed id; 403 for a project of another
    organization or one the key's restrictions exclude (the same answers as environment URLs).
    """
    if project_id == CURRENT:
        current = user.current_environment
        if current is None:
            raise NotFound("Project not found.")
        project_id = str(current.project_id)
    try:
        project = Project.objects.select_related("organization").get(id=int(project_id))
    except (ValueError, Project.DoesNotExist):
        raise NotFound("Project not found.") from None
    if not Membership.objects.filter(organization_id=project.organization_id, user_id=user.pk).exists():
        raise PermissionDenied("You don't have access to the project.")
    if not account_visible_projects(user=user, key=key).filter(id=project.id).exists():
        raise PermissionDenied(f"API key does not have access to the requested project: ID {project.id}.")
    return project


def account_organization_get(*, user: Any, key: PersonalAPIKey | None, organization_id: str) -> Organization:
    """The organization ``organization_id`` (``@current``: the one of the user's current
    environment, else their first) if the user belongs to it and the key admits it.

    404 for an unknown or malformed id (or no organization at all); 403 for another
    organization or one the key's ``scoped_organizations`` exclude.
    """
    if organization_id == CURRENT:
        organization = _current_organization(user)
    else:
        try:
            organization = Organization.objects.get(id=uuid.UUID(organization_id))
        except (ValueError, Organization.DoesNotExist):
            raise NotFound("Organization not found.") from None
    if not Membership.objects.filter(organization=organization, user_id=user.pk).exists():
        raise PermissionDenied("You don't have access to the organization.")
    scoped = _scoped_organization_ids(list(key.scoped_organizations)) if key is not None else []
    if key is not None and key.scoped_organizations and organization.id not in scoped:
        raise PermissionDenied(
            f"API key does not have access to the requested organization: ID {organization.id}."
        )
    return organization


def _current_organization(user: Any) -> Organization:
    current = user.current_environment
    if current is not None:
        return Organization.objects.get(projects__environments=current)
    membership = (
        Membership.objects.filter(user_id=user.pk).select_related("organization").order_by("joined_at", "id")
    )
    first = membership.first()
    if first is None:
        raise NotFound("Organization not found.")
    return first.organization


def account_membership_levels(*, user: Any) -> dict[uuid.UUID, int]:
    """The user's membership level per organization id."""
    return dict(Membership.objects.filter(user_id=user.pk).values_list("organization_id", "level"))


def account_member_counts(*, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many members each of these organizations has."""
    rows = (
        Membership.objects.filter(organization_id__in=organization_ids)
        .values("organization_id")
        .annotate(members=Count("id"))
        .values_list("organization_id", "members")
    )
    return dict(rows)
