"""Sentry's pagination on ``/api/0/``: ``per_page``/``cursor`` and ``limit``/``offset``, the
``Link`` header exactly as Sentry writes it, and its 400s."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from recordings_api.models import Environment, Organization
from recordings_api.services import environment_create


@pytest.fixture
def projects(environment: Environment) -> list[Environment]:
    return [environment, *(environment_create(project=environment.project, name=f"E{n}") for n in range(4))]


def ids(response: object) -> list[str]:
    return [row["id"] for row in response.json()]  # type: ignore[attr-defined]


def test_link_header_keeps_other_parameters(
    api: APIClient, organization: Organization, projects: list
) -> None:
    response = api.get(
        f"/api/0/organizations/{organization.slug}/projects/?per_page=2&cursor=0:2:0&x=a+b&x=c"
    )
    assert ids(response) == [str(p.id) for p in projects[2:4]]
    url = f"http://testserver/api/0/organizations/{organization.slug}/projects/?per_page=2&x=a+b&x=c"
    assert response["Link"] == (
        f'<{url}&cursor=0:0:1>; rel="previous"; results="true"; cursor="0:0:1", '
        f'<{url}&cursor=0:4:0>; rel="next"; results="true"; cursor="0:4:0"'
    )


def test_link_header_drops_a_credential(organization: Organization, projects: list, make_key, owner) -> None:
    key = make_key(owner, ["*"])
    response = APIClient().get(f"/api/0/organizations/{organization.slug}/projects/?personal_api_key={key}")
    assert response.status_code == 200
    assert key not in response["Link"] and "personal_api_key" not in response["Link"]


def test_limit_offset_and_their_precedence(
    api: APIClient, organization: Organization, projects: list
) -> None:
    base = f"/api/0/organizations/{organization.slug}/projects/"
    assert ids(api.get(f"{base}?limit=2&offset=1")) == [str(p.id) for p in projects[1:3]]
    # per_page wins over limit, cursor over offset
    assert ids(api.get(f"{base}?limit=2&per_page=1&offset=1&cursor=0:3:0")) == [str(projects[3].id)]
    # a previous-page cursor is an absolute offset too
    assert ids(api.get(f"{base}?per_page=2&cursor=0:0:1")) == [str(p.id) for p in projects[0:2]]
    last = api.get(f"{base}?per_page=2&cursor=0:4:0")
    assert ids(last) == [str(projects[4].id)]
    assert 'rel="next"; results="false"; cursor="0:6:0"' in last["Link"]
    assert 'rel="previous"; results="true"; cursor="0:2:1"' in last["Link"]
    assert api.get(f"{base}?cursor=0:999999999999:0").json() == []


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("per_page=x", "Invalid per_page parameter."),
        ("per_page=0", "Invalid per_page parameter."),
        ("per_page=101", "Invalid per_page value. Cannot exceed 100."),
        ("limit=abc", "Invalid limit parameter."),
        ("limit=1000", "Invalid limit value. Cannot exceed 100."),
        ("cursor=abc", "Invalid cursor parameter."),
        ("cursor=0:1", "Invalid cursor parameter."),
        ("cursor=0:-1:0", "Invalid cursor parameter."),
        ("cursor=0:1:2", "Invalid cursor parameter."),
        ("offset=-1", "Invalid offset parameter."),
        ("offset=x", "Invalid offset parameter."),
    ],
)
def test_invalid_pagination_is_a_sentry_400(
    api: APIClient, organization: Organization, query: str, detail: str
) -> None:
    response = api.get(f"/api/0/organizations/{organization.slug}/projects/?{query}")
    assert (response.status_code, response.json()) == (400, {"detail": detail})
