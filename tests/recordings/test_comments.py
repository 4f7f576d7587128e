"""``…/comments/`` (PostHog's comments API, ``scope: "Replay"``) and the recordings list's
``comment_text`` filter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from recordings.models import RecordingComment
from recordings_api.models import Environment, User
from tests.recordings.conftest import Dataset


def comments_url(environment: Environment, suffix: str = "") -> str:
    return f"/api/projects/{environment.id}/comments/{suffix}"


def expected(comment: RecordingComment, owner: User) -> dict[str, Any]:
    return {
        "id": str(comment.id),
        "created_by": {
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
        "deleted": comment.deleted,
        "mentions": [],
        "slug": "",
        "content": comment.content,
        "rich_content": None,
        "version": comment.version,
        "created_at": comment.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "item_id": comment.session_id,
        "item_context": comment.item_context,
        "scope": "Replay",
        "source_comment": None,
    }


def _comment(api: APIClient, environment: Environment, session_id: str, content: str) -> dict[str, Any]:
    body = {
        "scope": "Replay",
        "item_id": session_id,
        "content": content,
        "item_context": {"time_in_recording": 1500},
    }
    response = api.post(comments_url(environment), body, format="json")
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_create_read_and_list(
    api: APIClient, owner: User, environment: Environment, dataset: Dataset
) -> None:
    created = _comment(api, environment, "alpha-session", "Checkout button froze")
    _comment(api, environment, "beta-session", "Fine")

    comment = RecordingComment.objects.get(id=created["id"])
    assert created == expected(comment, owner)
    assert api.get(comments_url(environment, f"{comment.id}/")).json() == expected(comment, owner)
    listing = api.get(comments_url(environment), {"scope": "Replay", "item_id": "alpha-session"}).json()
    assert (listing["count"], listing["results"]) == (1, [expected(comment, owner)])
    assert api.get(comments_url(environment), {"scope": "Notebook"}).json()["count"] == 0


def test_editing_bumps_the_version_and_deleting_hides(
    api: APIClient, owner: User, environment: Environment, dataset: Dataset
) -> None:
    comment_id = _comment(api, environment, "alpha-session", "first")["id"]

    edited = api.patch(
        comments_url(environment, f"{comment_id}/"), {"content": "second"}, format="json"
    ).json()
    hidden = api.patch(comments_url(environment, f"{comment_id}/"), {"deleted": True}, format="json")

    assert (edited["content"], edited["version"], edited["item_context"]) == (
        "second",
        1,
        {"time_in_recording": 1500},
    )
    assert hidden.status_code == 200
    assert api.get(comments_url(environment, f"{comment_id}/")).status_code == 404
    deleted = api.delete(comments_url(environment, f"{comment_id}/"))
    assert (deleted.status_code, "DELETE" in deleted["Allow"]) == (405, False)


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"item_id": "alpha-session", "content": "x"}, "scope"),
        ({"scope": "Notebook", "item_id": "alpha-session", "content": "x"}, "scope"),
        ({"scope": "Replay", "content": "x"}, "item_id"),
        ({"scope": "Replay", "item_id": "nope", "content": "x"}, "item_id"),
        ({"scope": "Replay", "item_id": "other-session", "content": "x"}, "item_id"),
        ({"scope": "Replay", "item_id": "alpha-session"}, "content"),
        (
            {"scope": "Replay", "item_id": "alpha-session", "content": "x", "item_context": [1]},
            "item_context",
        ),
        *(
            (
                {"scope": "Replay", "item_id": "alpha-session", "content": "x", "item_context": context},
                "item_context",
            )
            for context in (
                {"at": 1},
                {"time_in_recording": True},
                {"time_in_recording": [1]},
                {"time_in_recording": "x" * 65},
                {"is_emoji": "yes"},
            )
        ),
    ],
)
def test_invalid_comments_are_400(
    api: APIClient, environment: Environment, dataset: Dataset, body: dict[str, Any], attr: str
) -> None:
    response = api.post(comments_url(environment), body, format="json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", attr)
    assert not RecordingComment.objects.exists()


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        {"time_in_recording": 12000},
        {"is_emoji": True, "time_in_recording": "2025-07-05T10:00:00.000Z"},
    ],
)
def test_a_context_of_the_documented_shape_is_stored(
    api: APIClient, environment: Environment, dataset: Dataset, context: dict[str, Any] | None
) -> None:
    body = {"scope": "Replay", "item_id": "alpha-session", "content": "x", "item_context": context}

    response = api.post(comments_url(environment), body, format="json")

    assert (response.status_code, response.json()["item_context"]) == (201, context)
    assert RecordingComment.objects.get().item_context == context


@pytest.mark.parametrize("context", ['{"time_in_recording": "x\\u0000"}', '{"\\u0000": 1}'])
def test_a_context_with_a_nul_is_400(
    api: APIClient, environment: Environment, dataset: Dataset, context: str
) -> None:
    """A NUL, in a key or a value, which PostgreSQL's jsonb cannot hold (once a 500)."""
    body = f'{{"scope": "Replay", "item_id": "alpha-session", "content": "x", "item_context": {context}}}'
    response = api.post(comments_url(environment), body, content_type="application/json")

    assert response.status_code == 400
    assert (response.json()["type"], response.json()["attr"]) == ("validation_error", "item_context")
    assert not RecordingComment.objects.exists()


def test_access(
    key_client: Callable[..., APIClient], environment: Environment, outsider: User, dataset: Dataset
) -> None:
    body = {"scope": "Replay", "item_id": "alpha-session", "content": "x"}

    assert APIClient().get(comments_url(environment)).status_code == 401
    assert key_client(["session_recording:read"]).get(comments_url(environment)).status_code == 403
    assert (
        key_client(["comment:read"]).post(comments_url(environment), body, format="json").status_code == 403
    )
    assert (
        key_client(["comment:write"]).post(comments_url(environment), body, format="json").status_code == 201
    )
    # Another organization's project answers like one that does not exist.
    assert key_client(["*"], user=outsider).get(comments_url(environment)).status_code == 404


def test_another_environments_comments_stay_there(
    api: APIClient, environment: Environment, other_environment: Environment, dataset: Dataset
) -> None:
    theirs = RecordingComment.objects.create(
        environment=other_environment, session_id="other-session", content="x"
    )

    assert api.get(comments_url(environment, f"{theirs.id}/")).status_code == 404
    assert (
        api.patch(comments_url(environment, f"{theirs.id}/"), {"content": "y"}, format="json").status_code
        == 404
    )
    assert api.get(comments_url(environment)).json()["count"] == 0
    assert api.get(comments_url(environment, "not-a-uuid/")).status_code == 404


# --- comment_text ----------------------------------------------------------------------------


def _ids(api: APIClient, environment: Environment, comment_text: Any) -> list[str]:
    response = api.get(
        f"/api/projects/{environment.id}/session_recordings/", {"comment_text": json.dumps(comment_text)}
    )
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("is_set", None, ["alpha-session", "beta-session"]),
        ("is_not_set", None, ["gamma-session"]),
        ("icontains", "BUTTON", ["alpha-session"]),
        ("not_icontains", "button", ["beta-session", "gamma-session"]),
        ("exact", "Fine", ["beta-session"]),
        ("is_not", "Fine", ["alpha-session", "gamma-session"]),
    ],
)
def test_comment_text_filters_recordings(
    api: APIClient, environment: Environment, dataset: Dataset, operator: str, value: Any, expected: list[str]
) -> None:
    _comment(api, environment, "alpha-session", "Checkout button froze")
    _comment(api, environment, "beta-session", "Fine")
    hidden = _comment(api, environment, "gamma-session", "button hidden")
    RecordingComment.objects.filter(id=hidden["id"]).update(deleted=True)

    prop = {"key": "comment_text", "type": "recording", "operator": operator, "value": value}
    assert _ids(api, environment, prop) == expected


@pytest.mark.parametrize(
    "comment_text",
    [
        {"key": "duration", "type": "recording", "operator": "gt", "value": 1},
        {"key": "comment_text", "type": "recording", "operator": "regex", "value": "x"},
        {"key": "comment_text", "type": "person", "operator": "exact", "value": "x"},
        [{"key": "comment_text", "type": "recording", "operator": "is_set"}] * 2,
        "button",
    ],
)
def test_bad_comment_text_is_400(
    api: APIClient, environment: Environment, dataset: Dataset, comment_text: Any
) -> None:
    response = api.get(
        f"/api/projects/{environment.id}/session_recordings/", {"comment_text": json.dumps(comment_text)}
    )

    assert response.status_code == 400
    assert response.json()["attr"] == "comment_text"


def test_a_form_patch_changes_only_what_it_names(
    api: APIClient, environment: Environment, dataset: Dataset
) -> None:
    comment = RecordingComment.objects.create(
        environment=environment,
        session_id="alpha-session",
        content="old",
        item_context={"time_in_recording": 5},
    )

    response = api.patch(
        comments_url(environment, f"{comment.id}/"),
        "content=new",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    comment.refresh_from_db()
    assert (comment.content, comment.item_context, comment.deleted) == (
        "new",
        {"time_in_recording": 5},
        False,
    )


def test_a_context_number_beyond_64_bits_reads_back_as_the_same_number(
    api: APIClient, environment: Environment, dataset: Dataset
) -> None:
    """JSONB writes a stored ``1e20`` back as an integer of 21 digits: it still renders."""
    comment_id = _comment(api, environment, "alpha-session", "first")["id"]

    edited = api.patch(
        comments_url(environment, f"{comment_id}/"),
        {"item_context": {"time_in_recording": 1e20}},
        format="json",
    )
    read = api.get(comments_url(environment, f"{comment_id}/"))

    assert (edited.status_code, read.status_code) == (200, 200)
    assert read.json()["item_context"] == {"time_in_recording": 1e20}
    assert RecordingComment.objects.get(id=comment_id).item_context == {"time_in_recording": 10**20}
