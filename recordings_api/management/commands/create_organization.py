"""``manage.py create_organization --name N --admin-email E``: the first tenant of a deployment.

Creates the organization, its project (whose default environment has the same id) and, unless
the email already has a user, an admin user (staff, superuser) who owns the organization; then
prints the project token for posthog-js, a personal API key (scope ``*``) for the REST API and
the admin login. The password is ``--admin-password``, else ``ADMIN_PASSWORD`` from the
environment, else generated and printed once. Fails without changing anything when an
organization of that name exists (so a re-run deploy script cannot duplicate the tenant).
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from recordings_api.management.credentials import service_link_lines, tenant_credential_lines
from recordings_api.models import Environment, Membership, Organization, User
from recordings_api.scopes import ALL_SCOPES
from recordings_api.services import membership_add, personal_api_key_create, project_create


class Command(BaseCommand):
    help = "Create an organization, its project and an admin; print the project token and an API key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Organization name.")
        parser.add_argument("--admin-email", required=True, help="Email (login) of the organization's owner.")
        parser.add_argument(
            "--project-name", default=None, help="Project name (default: the organization's)."
        )
        parser.add_argument("--admin-password", default=None, help="Default: ADMIN_PASSWORD, else generated.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        email = options["admin_email"].strip().lower()
        if not name:
            raise CommandError("--name must not be empty.")
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"--admin-email {email!r} is not an email address.") from error
        if Organization.objects.filter(name=name).exists():
            raise CommandError(f"An organization named {name!r} already exists; nothing was changed.")
        lines = self._create(name=name, email=email, options=options)
        for line in (*lines, *service_link_lines()):
            self.stdout.write(line)

    @transaction.atomic
    def _create(self, *, name: str, email: str, options: dict[str, Any]) -> list[str]:
        organization = Organization.objects.create(name=name)
        project = project_create(organization=organization, name=options["project_name"] or name)
        user = User.objects.filter(email=email).first()
        login = f"{email} (existing user, password unchanged)"
        if user is None:
            given = options["admin_password"] or os.environ.get("ADMIN_PASSWORD")
            password = given or secrets.token_urlsafe(12)
            user = User.objects.create_superuser(email=email, password=password)
            login = f"{email} / {'(the password given)' if given else password} at /admin/"
        membership_add(organization=organization, user=user, level=Membership.Level.OWNER)
        key = personal_api_key_create(user=user, label="create_organization", scopes=[ALL_SCOPES[0]])
        environment = Environment.objects.select_related("project__organization").get(id=project.id)
        return tenant_credential_lines(environment=environment, api_key=key.plaintext, login=login)
