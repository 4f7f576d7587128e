"""Create a personal API key for a user; the plaintext is printed alone on the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from recordings_api.models import User
from recordings_api.services import personal_api_key_create


class Command(BaseCommand):
    help = "Create a personal API key for --email with --scopes; prints the key on the last line."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--scopes", required=True, help='Comma separated, e.g. "session_recording:read,*".'
        )
        parser.add_argument("--label", default="cli")
        parser.add_argument(
            "--team", type=int, action="append", default=[], help="Restrict to an environment id."
        )
        parser.add_argument(
            "--organization", action="append", default=[], help="Restrict to an organization id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"]).first()
        if user is None:
            raise CommandError(f"No user with email {options['email']!r}.")
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        try:
            created = personal_api_key_create(
                user=user,
                label=options["label"],
                scopes=scopes,
                scoped_teams=options["team"],
                scoped_organizations=options["organization"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(created.plaintext)
