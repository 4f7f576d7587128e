"""Users, identified by email, carrying the fields of PostHog's ``created_by`` shape."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


def generate_distinct_id() -> str:
    return secrets.token_urlsafe(24)


class EmailUserManager(UserManager["User"]):
    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra_fields)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra_fields)


class User(AbstractUser):
    class RoleAtOrganization(models.TextChoices):
        ENGINEERING = "engineering"
        DATA = "data"
        PRODUCT = "product"
        FOUNDER = "founder"
        LEADERSHIP = "leadership"
        MARKETING = "marketing"
        SALES = "sales"
        OTHER = "other"

    email = models.EmailField(unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    distinct_id = models.CharField(max_length=200, default=generate_distinct_id, unique=True)
    is_email_verified = models.BooleanField(null=True, blank=True)
    hedgehog_config = models.JSONField(null=True, blank=True)
    role_at_organization = models.CharField(
        max_length=64, choices=RoleAtOrganization.choices, null=True, blank=True
    )
    current_environment = models.ForeignKey(
        "recordings_api.Environment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # email is the username field; nothing else is required

    objects = EmailUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.email
