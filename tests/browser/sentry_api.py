"""What a Sentry API client does after a browser test recorded something: browse replays, then
read one replay's segments and clicks."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from recordings_api.models import Environment, User
from recordings_api.services import membership_add, personal_api_key_create


class SentryReplaysClient:
    """Browses ``/api/0/organizations/{org}/replays/`` with a key carrying Sentry's ``org:read``."""

    def __init__(self, base_url: str, environment: Environment) -> None:
        organization = environment.project.organization
        user = User.objects.create_user(email=f"sentry-api-{environment.id}@example.com", password=None)
        membership_add(organization=organization, user=user)
        self.key = personal_api_key_create(user=user, label="e2e", scopes=["org:read"]).plaintext
        self.url = f"{base_url}/api/0/organizations/{organization.slug}/replays/"
        self.project_url = f"{base_url}/api/0/projects/{organization.slug}/{environment.slug}/replays/"

    def replay_get(self, replay_id: str, path: str) -> bytes:
        """The body of ``…/projects/{org}/{project}/replays/{replay_id}/{path}`` (a 200)."""
        request = urllib.request.Request(
            f"{self.project_url}{replay_id}/{path}", headers={"Authorization": f"Bearer {self.key}"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 200
            body: bytes = response.read()
            return body

    def replays(self, query: str, fields: tuple[str, ...] = ("id",)) -> list[dict[str, object]]:
        """The replays (with ``fields``) the search ``query`` finds (over the last day)."""
        params = urllib.parse.urlencode(
            [("query", query), ("statsPeriod", "1d"), *(("field", name) for name in fields)]
        )
        request = urllib.request.Request(
            f"{self.url}?{params}", headers={"Authorization": f"Bearer {self.key}"}
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            assert response.status == 200
            assert 'rel="next"' in response.headers["Link"]
            data: list[dict[str, object]] = json.loads(response.read())["data"]
            return data

    def replay_ids(self, query: str) -> list[str]:
        """The ids the search ``query`` finds (over the last day)."""
        return [str(row["id"]) for row in self.replays(query)]
