from __future__ import annotations

import re

import pytest

from recordings_api.models import PersonalAPIKey
from recordings_api.models.personal_api_keys import hash_personal_api_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["organization", "project", "environment", "membership", "user", "personalapikey"]
)
def test_changelists_render(staff_client, path):
    assert staff_client.get(f"/admin/recordings_api/{path}/").status_code == 200


def test_creating_a_key_shows_the_plaintext_once(staff_client, owner, environment):
    response = staff_client.post(
        "/admin/recordings_api/personalapikey/add/",
        {
            "user": owner.pk,
            "label": "from admin",
            "scopes": ["session_recording:read"],
            "scoped_teams": "[]",
            "scoped_organizations": "[]",
        },
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    match = re.search(r"(phx_[0-9A-Za-z]{48})", page)
    assert match, page[:2000]
    plaintext = match.group(1)
    key = PersonalAPIKey.objects.get(label="from admin")
    assert key.secure_value == hash_personal_api_key(plaintext)
    assert key.scopes == ["session_recording:read"]
    detail = staff_client.get(f"/admin/recordings_api/personalapikey/{key.pk}/change/").content.decode()
    assert plaintext not in detail
    listing = staff_client.get("/admin/recordings_api/personalapikey/").content.decode()
    assert plaintext not in listing
