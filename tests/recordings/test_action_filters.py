"""The recordings ``actions`` filter: PostHog's action steps (event, URL, element, properties)
matched against the sessions' events, combined with the other filters by ``operand``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings.models import Action
from recordings_api.models import Environment
from tests.recordings.conftest import Dataset


def _ids(api: APIClient, environment: Environment, **params: Any) -> list[str]:
    query = {
        name: json.dumps(value) if not isinstance(value, str) else value for name, value in params.items()
    }
    response = api.get(f"/api/projects/{environment.id}/session_recordings/", query)
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def _action(environment: Environment, *steps: dict[str, Any], deleted: bool = False) -> list[dict[str, Any]]:
    action = Action.objects.create(environment=environment, name="a", steps=list(steps), deleted=deleted)
    return [{"id": action.id, "type": "actions", "name": "a"}]


AMOUNT_OVER_10 = {"key": "amount", "operator": "gt", "value": 10, "type": "event"}
BETA_PERSON = {"key": "email", "value": "beta@test.org", "type": "person"}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([{"event": "purchase"}], ["alpha-session"]),
        ([{"event": "$pageview"}], ["alpha-session", "beta-session"]),
        ([{"event": "$pageview", "url": "shop.example.com/cart"}], ["alpha-session"]),
        ([{"event": "$pageview", "url": "HTTPS://SHOP", "url_matching": "contains"}], ["alpha-session"]),
        ([{"url": "https://shop.example.com/cart?item=1", "url_matching": "exact"}], ["alpha-session"]),
        ([{"url": "^https://shop", "url_matching": "regex"}], ["alpha-session"]),
        ([{"url": "https://shop.example.com/cart", "url_matching": "exact"}], []),
        ([{"event": "$autocapture", "selector": "button.buy"}], ["alpha-session"]),
        ([{"event": "$autocapture", "selector": "a.buy"}], []),
        ([{"tag_name": "button"}], ["alpha-session"]),
        ([{"event": "purchase", "properties": [AMOUNT_OVER_10]}], ["alpha-session"]),
        ([{"event": "purchase", "properties": [{**AMOUNT_OVER_10, "value": 50}]}], []),
        ([{"event": "$pageview", "properties": [BETA_PERSON]}], ["beta-session"]),
        ([{"event": "purchase"}, {"event": "$pageview", "url": "beta"}], ["alpha-session"]),
        ([{"event": "nothing"}, {"event": "$pageview"}], ["alpha-session", "beta-session"]),
        ([], []),
    ],
)  # fmt: skip
def test_action_steps_match_events(
    api: APIClient,
    environment: Environment,
    dataset: Dataset,
    steps: list[dict[str, Any]],
    expected: list[str],
) -> None:
    assert _ids(api, environment, actions=_action(environment, *steps)) == expected


def test_entry_properties_narrow_the_matching_event(
    api: APIClient, environment: Environment, dataset: Dataset
) -> None:
    entry = _action(environment, {"event": "$pageview"})
    entry[0]["properties"] = [
        {"key": "$current_url", "operator": "icontains", "value": "cart", "type": "event"}
    ]

    assert _ids(api, environment, actions=entry) == ["alpha-session"]


def test_actions_combine_with_events_by_operand(
    api: APIClient, environment: Environment, dataset: Dataset
) -> None:
    actions = _action(environment, {"event": "purchase"})
    events = [{"id": "$pageview", "type": "events"}]

    assert _ids(api, environment, actions=actions, events=events) == ["alpha-session"]
    assert _ids(api, environment, actions=actions, events=events, operand="OR") == [
        "alpha-session",
        "beta-session",
    ]


def test_unknown_deleted_or_foreign_actions_are_400(
    api: APIClient, environment: Environment, other_environment: Environment, dataset: Dataset
) -> None:
    theirs = Action.objects.create(
        environment=other_environment, name="theirs", steps=[{"event": "$pageview"}]
    )
    for actions in (
        [{"id": 999999, "type": "actions"}],
        _action(environment, {"event": "$pageview"}, deleted=True),
        [{"id": theirs.id, "type": "actions"}],
    ):
        response = api.get(
            f"/api/projects/{environment.id}/session_recordings/", {"actions": json.dumps(actions)}
        )

        assert response.status_code == 400
        assert response.json()["attr"] == "actions"
        assert response.json()["detail"] == f"Action {actions[0]['id']} does not exist in this project."


@pytest.mark.parametrize(
    "actions", ['{"id": 1}', '[{"id": "one"}]', '[{"id": true}]', '[{"id": 1, "type": "events"}]', '["x"]']
)
def test_malformed_action_filters_are_400(
    api: APIClient, environment: Environment, dataset: Dataset, actions: str
) -> None:
    response = api.get(f"/api/projects/{environment.id}/session_recordings/", {"actions": actions})

    assert response.status_code == 400
    assert response.json()["attr"] == "actions"
