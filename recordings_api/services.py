"""Writes of the core: tenants, memberships and personal API keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from recordings_api.access_cache import access_changed
from recordings_api.models import (
    Environment,
    Membership,
    Organization,
    PersonalAPIKey,
    Project,
    SentryClientKey,
    User,
)
from recordings_api.models.personal_api_keys import (
    generate_personal_api_key,
    hash_personal_api_key,
    mask_personal_api_key,
)
from recordings_api.models.slugs import slug_base, slug_unique
from recordings_api.scopes import validate_scopes

_PLACEHOLDER_PROJECT_ID = 0


@transaction.atomic
def project_create(*, organization: Organization, name: str, project_id: int | None = None) -> Project:
    """Create a project and its default environment, both with the same id.

    The environment row is inserted first to draw an id from its sequence (or to take
    ``project_id`` when given, after which the sequence is moved past it); its project foreign
    key is deferred (checked at commit), so it briefly points at the project created right after.
    """
    environment = Environment.objects.create(
        id=project_id,
        project_id=_PLACEHOLDER_PROJECT_ID,
        name="Production",
        # The default environment is the Sentry project: its slug comes from the project's name.
        slug=slug_unique(Environment, slug_base(name, fallback="project")),
    )
    if project_id is not None:
        _environment_sequence_reset()
    project = Project.objects.create(id=environment.id, organization=organization, name=name)
    Environment.objects.filter(id=environment.id).update(project=project)
    access_changed()  # an update sends no post_save (recordings_api.access_cache)
    return project


def _environment_sequence_reset() -> None:
    """Move the environment id sequence past the largest id (a no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Environment])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def environment_create(*, project: Project, name: str) -> Environment:
    """An additional environment of ``project``; reached only under ``/api/environments/{id}/``."""
    return Environment.objects.create(project=project, name=name)


def membership_add(
    *, organization: Organization, user: User, level: int = Membership.Level.MEMBER
) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"level": level}
    )
    if user.current_environment_id is None:
        first_environment = (
            Environment.objects.filter(project__organization=organization).order_by("id").first()
        )
        if first_environment is not None:
            user.current_environment = first_environment
            user.save(update_fields=["current_environment"])
    return membership


@dataclass(frozen=True)
class CreatedPersonalAPIKey:
    """The stored key and its plaintext, which is never retrievable again."""

    key: PersonalAPIKey
    plaintext: str


def personal_api_key_create(
    *,
    user: User,
    label: str,
    scopes: Sequence[str],
    scoped_teams: Sequence[int] = (),
    scoped_organizations: Sequence[str] = (),
    expires_at: datetime | None = None,
) -> CreatedPersonalAPIKey:
    """Create a key; only ``sha256$…`` of the plaintext is persisted. Raises ValueError on bad scopes."""
    validate_scopes(scopes)
    plaintext = generate_personal_api_key()
    key = PersonalAPIKey.objects.create(
        user=user,
        label=label[:40],
        mask_value=mask_personal_api_key(plaintext),
        secure_value=hash_personal_api_key(plaintext),
        scopes=list(scopes),
        scoped_teams=[int(team) for team in scoped_teams],
        scoped_organizations=[str(org) for org in scoped_organizations],
        expires_at=expires_at,
    )
    return CreatedPersonalAPIKey(key=key, plaintext=plaintext)


def personal_api_keys_revoke(*, keys: Sequence[PersonalAPIKey]) -> int:
    """Revoke the keys not yet revoked (rows are kept; they answer 401 from now on). Returns how many."""
    ids = [key.pk for key in keys if key.revoked_at is None]
    revoked = PersonalAPIKey.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    access_changed()  # an update sends no post_save: the access cache must forget the keys
    return revoked


def sentry_client_key_ensure(*, environment: Environment) -> SentryClientKey:
    """The environment's first active Sentry client key, created when it has none (idempotent)."""
    key = SentryClientKey.objects.filter(environment=environment, is_active=True).order_by("id").first()
    return key or SentryClientKey.objects.create(environment=environment, label="Default")
