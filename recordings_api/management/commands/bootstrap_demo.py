"""Idempotently create the demo tenant and print its project token, personal API key and links.

The demo key is minted once and reused: its plaintext is kept in ``DEMO_API_KEY_FILE`` (in the
git-ignored ``var/`` of the checkout, readable by its owner only; never in the database, which
holds only the hash), so every ``make run`` prints the same working key. A file whose key no
longer matches an active key of the demo user (revoked, deleted, another database) is replaced
by a freshly minted key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from recordings_api.authentication import personal_api_key_find
from recordings_api.management.credentials import service_link_lines, tenant_credential_lines
from recordings_api.models import Environment, Membership, Organization, Project, User
from recordings_api.scopes import ALL_SCOPES
from recordings_api.services import membership_add, personal_api_key_create, project_create

DEMO_EMAIL = "demo@example.com"
DEMO_PROJECT_ID = 1
DEMO_KEY_LABEL = "bootstrap_demo"


def demo_api_key(user: User) -> str:
    """The demo user's key from the key file when it still authenticates, else a new one (saved)."""
    path = Path(settings.DEMO_API_KEY_FILE)
    try:
        saved = path.read_text().strip()
    except OSError:
        saved = ""
    if saved:
        key = personal_api_key_find(saved)
        if key is not None and key.user_id == user.pk and key.status() == "active":
            return saved
    plaintext = personal_api_key_create(user=user, label=DEMO_KEY_LABEL, scopes=[ALL_SCOPES[0]]).plaintext
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(plaintext + "\n")
    return plaintext


class Command(BaseCommand):
    help = "Create (once) the demo organization, project 1 and user demo@example.com; print their keys."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default="demo", help="Password of the demo user (admin login).")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(id=DEMO_PROJECT_ID).first()
        if project is None:
            if Environment.objects.filter(id=DEMO_PROJECT_ID).exists():
                raise CommandError(
                    f"Environment {DEMO_PROJECT_ID} exists without its project; cannot bootstrap."
                )
            organization = Organization.objects.create(name="Demo organization")
            project = project_create(
                organization=organization, name="Demo project", project_id=DEMO_PROJECT_ID
            )
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(
                email=DEMO_EMAIL, password=options["password"], first_name="Demo"
            )
        membership_add(organization=project.organization, user=user, level=Membership.Level.OWNER)
        environment = Environment.objects.select_related("project__organization").get(id=project.id)
        login = f"{DEMO_EMAIL} / {options['password']}"
        lines = tenant_credential_lines(environment=environment, api_key=demo_api_key(user), login=login)
        for line in (*lines, *service_link_lines()):
            self.stdout.write(line)
