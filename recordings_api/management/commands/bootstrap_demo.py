"""Idempotently create the demo tenant and print its project token and a new personal API key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from recordings_api.models import Environment, Membership, Organization, Project, User
from recordings_api.scopes import ALL_SCOPES
from recordings_api.services import membership_add, personal_api_key_create, project_create

DEMO_EMAIL = "demo@example.com"
DEMO_PROJECT_ID = 1


class Command(BaseCommand):
    help = "Create (once) the demo organization, project 1 and user demo@example.com; print a new key."

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
        environment = Environment.objects.get(id=project.id)
        created = personal_api_key_create(user=user, label="bootstrap_demo", scopes=[ALL_SCOPES[0]])
        self.stdout.write(f"Demo project id: {project.id}")
        self.stdout.write(f"Demo project token (posthog-js api key): {environment.api_token}")
        self.stdout.write(f"Demo admin login: {DEMO_EMAIL} / {options['password']} at /admin/")
        self.stdout.write(f"Personal API key (shown once): {created.plaintext}")
