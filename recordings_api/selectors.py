"""Reads of the core: resolving the environment named by an API URL."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated, NotFound

from recordings_api.models import Environment

CURRENT = "@current"


def environment_for_route(*, project_id: str | None, environment_id: str | None, user: Any) -> Environment:
    """The environment a ``/api/projects/{id}/`` or ``/api/environments/{id}/`` URL names.

    Under ``projects`` the id is a project id and resolves to its default environment (same id);
    under ``environments`` it is any environment id. ``@current`` is the user's current
    environment (401 when anonymous). Unknown or non-numeric ids raise 404 "Project not found.".
    """
    raw_id = project_id if project_id is not None else environment_id
    if raw_id == CURRENT:
        if not (user and user.is_authenticated):
            raise NotAuthenticated()
        current = user.current_environment
        if current is None:
            raise NotFound("Project not found.")
        return _environment_by_id(
            str(current.project_id if project_id is not None else current.id), project_id
        )
    return _environment_by_id(raw_id or "", project_id)


def _environment_by_id(raw_id: str, project_id: str | None) -> Environment:
    try:
        numeric_id = int(raw_id)
    except ValueError:
        raise NotFound("Project not found.") from None
    filters: dict[str, int] = {"id": numeric_id}
    if project_id is not None:
        filters["project_id"] = numeric_id
    environment = Environment.objects.select_related("project").filter(**filters).first()
    if environment is None:
        raise NotFound("Project not found.")
    return environment
