"""Organization → Project → Environment.

Invariant: a project's default environment has the same id as the project, so that
``/api/projects/{id}/`` and ``/api/environments/{id}/`` reach the same data. Environments are
only created through ``recordings_api.services.project_create`` / ``environment_create``,
which keep that invariant.

Organizations and environments carry unique slugs (``models.slugs``): the Sentry face addresses
an organization and a Sentry project (= an environment) by slug or id. A row saved without one
gets one from its name: an organization's from its name, a default environment's from its
project's name, another environment's from ``{project name}-{environment name}``.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models

from recordings_api.models.slugs import SLUG_MAX_LENGTH, slug_base, slug_unique, slug_validate


def generate_project_token() -> str:
    """A public project token (``phc_`` + 43 url-safe characters); it identifies, never authorises reads."""
    return "phc_" + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")


_SLUG_HELP = "How the Sentry API (/api/0/) addresses it; filled from the name when left empty."


def _slug_field() -> models.SlugField:
    return models.SlugField(
        max_length=SLUG_MAX_LENGTH, unique=True, blank=True, validators=[slug_validate], help_text=_SLUG_HELP
    )


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = _slug_field()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = slug_unique(Organization, slug_base(self.name, fallback="org"), exclude_pk=self.pk)
        super().save(*args, **kwargs)


class Project(models.Model):
    # Not auto-assigned: the id is the one of the project's default environment.
    id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Environment(models.Model):
    """PostHog's "team": owns recordings, playlists and sharing configurations."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=200)
    slug = _slug_field()
    api_token = models.CharField(max_length=200, unique=True, default=generate_project_token)
    session_recording_retention_days = models.PositiveIntegerField(default=30)
    test_account_filters = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.slug:
            self.slug = environment_slug_new(
                project_id=self.project_id, environment_id=self.pk, name=self.name
            )
        super().save(*args, **kwargs)

    @property
    def organization_id(self) -> uuid.UUID:
        return self.project.organization_id


class Membership(models.Model):
    class Level(models.IntegerChoices):
        MEMBER = 1, "member"
        ADMIN = 8, "admin"
        OWNER = 15, "owner"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


def environment_slug_new(
    *, project_id: int | None, environment_id: int | None, name: str, project_name: str | None = None
) -> str:
    """A free slug for an environment (module docstring); ``project_name`` saves a query."""
    if project_name is None and project_id is not None:
        project_name = Project.objects.filter(pk=project_id).values_list("name", flat=True).first()
    if project_name is None:
        text = name
    elif environment_id is not None and environment_id == project_id:
        text = project_name
    else:
        text = f"{project_name}-{name}"
    return slug_unique(Environment, slug_base(text, fallback="project"), exclude_pk=environment_id)
