"""``…/actions/``: PostHog's action definitions (CRUD, soft delete, validation, access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from recordings.actions.steps import STEP_SELECTOR_PATTERN
from recordings.filters.actions import STEP_FIELDS
from recordings.filters.elements import selector_regex
from recordings.models import Action
from recordings_api.models import Environment, User

STEP = {"event": "$autocapture", "selector": "button.buy", "text": "Buy", "text_matching": "contains"}


def actions_url(environment: Environment, prefix: str = "projects", action_id: int | None = None) -> str:
    base = f"/api/{prefix}/{environment.id}/actions/"
    return base if action_id is None else f"{base}{action_id}/"


def full_step(step: dict[str, Any]) -> dict[str, Any]:
    """A step as PostHog renders it: every field, null when not set."""
    return {field: step.get(field) for field in STEP_FIELDS}


def expected(action: Action, owner: User | None) -> dict[str, Any]:
    return {
        "id": action.id,
        "name": action.name,
        "description": action.description,
        "tags": action.tags,
        "post_to_slack": False,
        "slack_message_format": "",
        "steps": [full_step(step) for step in action.steps],
        "created_at": action.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_by": None
        if owner is None
        else {
            "id": owner.id,
            "uuid": str(owner.uuid),
            "distinct_id": owner.distinct_id,
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "email": owner.email,
            "is_email_verified": owner.is_email_verified,
            "hedgehog_config": owner.hedgehog_config,
            "role_at_organization": owner.role_at_organization,
        },
        "deleted": action.deleted,
        "is_calculating": False,
        "last_calculated_at": action.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "team_id": action.environment_id,
        "is_action": True,
        "bytecode_error": None,
        "pinned_at": None,
        "creation_context": None,
    }


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_create_then_read(api: APIClient, environment: Environment, owner: User, prefix: str) -> None:
    body = {"name": "Bought", "description": "Clicked buy", "tags": ["shop"], "steps": [STEP], "id": 99}

    created = api.post(actions_url(environment, prefix), body, format="json")

    action = Action.objects.get()
    assert created.status_code == 201
    assert created.json() == expected(action, owner)
    assert action.steps == [STEP] and action.environment_id == environment.id
    assert api.get(actions_url(environment, prefix, action.id)).json() == expected(action, owner)
    listing = api.get(actions_url(environment, prefix)).json()
    assert listing["results"] == [expected(action, owner)] and listing["count"] == 1


def test_patch_changes_only_what_it_names_even_from_a_form(api: APIClient, environment: Environment) -> None:
    action = Action.objects.create(environment=environment, name="Old", steps=[STEP], post_to_slack=True)

    response = api.patch(
        actions_url(environment, action_id=action.id),
        urlencode({"name": "New"}),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    action.refresh_from_db()
    assert (action.name, action.post_to_slack, action.steps, action.deleted) == ("New", True, [STEP], False)


def test_soft_delete_hides_and_patch_restores(api: APIClient, environment: Environment) -> None:
    action = Action.objects.create(environment=environment, name="Temp")

    assert (
        api.patch(actions_url(environment, action_id=action.id), {"deleted": True}, format="json").status_code
        == 200
    )
    assert api.get(actions_url(environment, action_id=action.id)).status_code == 404
    assert api.get(actions_url(environment)).json()["count"] == 0
    restored = api.patch(actions_url(environment, action_id=action.id), {"deleted": False}, format="json")
    assert restored.json()["deleted"] is False


def test_delete_is_405(api: APIClient, environment: Environment) -> None:
    action = Action.objects.create(environment=environment, name="Kept")

    response = api.delete(actions_url(environment, action_id=action.id))

    assert response.status_code == 405
    assert (
        response.json()["detail"]
        == 'Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true'
    )
    assert "DELETE" not in response["Allow"]
    assert {"GET", "PUT", "PATCH"} <= set(response["Allow"].split(", "))
    assert Action.objects.filter(pk=action.pk).exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "steps": {"event": "a"}}, "steps"),
        ({"name": "x", "steps": ["a"]}, "steps"),
        ({"name": "x", "steps": [{"colour": "red"}]}, "steps"),
        ({"name": "x", "steps": [{"url": "/a", "url_matching": "fuzzy"}]}, "steps"),
        ({"name": "x", "steps": [{"selector": "a + b"}]}, "steps"),
        ({"name": "x", "steps": [{"event": 5}]}, "steps"),
        ({"name": "x", "steps": [{"properties": [{"key": "a", "type": "cohort", "value": 1}]}]}, "steps"),
        ({"name": "x", "steps": [{}] * 51}, "steps"),
        ({"name": "x", "steps": None}, "steps"),
        ({"name": "x", "steps": [{"event": "a\x00"}]}, "steps"),
        ({"name": "x", "steps": [{"selector": "é"}]}, "steps"),
        ({"name": "x", "steps": [{"selector": " "}]}, "steps"),
        ({"name": "x", "steps": [{"url_matching": []}]}, "steps"),
        *(
            ({"name": "x", "steps": [{"properties": [item]}]}, "steps")
            for item in (
                {"key": "a", "value": 1, "label": "A"},
                {"key": "a", "value": 1, "type": ""},
                {"key": "a", "value": 1, "operator": 0},
                {"key": "a", "operator": "is_set", "value": {"nested": 1}},
                {"key": "a", "operator": "exact"},
                {"key": "", "value": 1},
            )
        ),
        ({"name": "x", "tags": "shop"}, "tags"),
        ({"name": "x", "tags": [""]}, "tags__0"),
        ({"name": "x", "description": "a\x00"}, "description"),
    ],
)
def test_invalid_actions_are_400(
    api: APIClient, environment: Environment, body: dict[str, Any], attr: str
) -> None:
    response = api.post(actions_url(environment), body, format="json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)
    assert not Action.objects.exists()


def test_every_step_field_is_stored(api: APIClient, environment: Environment) -> None:
    step = {
        "event": "$autocapture",
        "url": "/checkout",
        "url_matching": "regex",
        "selector": 'div.cart > button#buy[data-attr="buy now"]',
        "tag_name": "button",
        "text": "Buy",
        "text_matching": None,
        "href": "",
        "href_matching": "exact",
        "properties": [
            {"key": "$browser", "value": ["Chrome", 1, True], "operator": "exact", "type": "event"},
            {"key": "plan", "operator": "is_set", "type": "person"},
            {"key": "text", "value": "Buy", "type": None, "operator": None},
        ],
    }

    response = api.post(actions_url(environment), {"name": "All", "steps": [step]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["steps"] == [step] and Action.objects.get().steps == [step]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(STEP_SELECTOR_PATTERN.removesuffix("$") + r"\Z"))
def test_every_selector_the_document_admits_compiles(selector: str) -> None:
    """The documented grammar is a part of what the matching code compiles (no admitted selector
    is a 400 when saved, or when a recordings filter uses the action)."""
    if selector:
        selector_regex(selector, param="steps")


def test_access(key_client: Callable[..., APIClient], environment: Environment, outsider: User) -> None:
    action = Action.objects.create(environment=environment, name="A")
    reader = key_client(["action:read"])

    assert APIClient().get(actions_url(environment)).status_code == 401
    assert key_client(["session_recording:read"]).get(actions_url(environment)).status_code == 403
    assert reader.get(actions_url(environment, action_id=action.id)).status_code == 200
    assert reader.post(actions_url(environment), {"name": "B"}, format="json").status_code == 403
    assert (
        key_client(["action:write"]).post(actions_url(environment), {"name": "B"}, format="json").status_code
        == 201
    )
    # Another organization's project answers like one that does not exist.
    assert key_client(["*"], user=outsider).get(actions_url(environment)).status_code == 404


def test_another_environments_actions_are_404_and_never_listed(
    api: APIClient, environment: Environment, other_environment: Environment
) -> None:
    theirs = Action.objects.create(environment=other_environment, name="Theirs")

    assert api.get(actions_url(environment, action_id=theirs.id)).status_code == 404
    assert (
        api.patch(actions_url(environment, action_id=theirs.id), {"name": "x"}, format="json").status_code
        == 404
    )
    assert api.get(actions_url(environment)).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


@pytest.mark.parametrize("action_id", ["abc", "0x1", "99999999999999999999"])
def test_malformed_ids_are_404(api: APIClient, environment: Environment, action_id: str) -> None:
    assert api.get(f"/api/projects/{environment.id}/actions/{action_id}/").status_code == 404
