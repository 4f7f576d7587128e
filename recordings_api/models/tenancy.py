"""Organization → Project → Environment.

Invariant: a project's default environment has the same id as the project, so that
``/api/projects/{id}/`` and ``/api/environments/{id}/`` reach the same data. Environments are
only created through ``recordings_api.services.project_create`` / ``environment_create``,
which keep that invariant.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models


def generate_project_token() -> str:
    """A public project token (``phc_`` + 43 url-safe characters); it identifies, never authorises reads."""
    return "phc_" + secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


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
    api_token = models.CharField(max_length=200, unique=True, default=generate_project_token)
    session_recording_retention_days = models.PositiveIntegerField(default=30)
    test_account_filters = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

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
