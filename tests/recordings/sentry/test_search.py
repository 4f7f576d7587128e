"""``query`` on the Sentry face's browse: Sentry's grammar over every seed field and alias, the
hidden ``click.*`` fields and tags, through the one query language (the Sentry dialect)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from recordings.models import SessionRecording, SessionRecordingViewed
from recordings.query_language import query_parse
from recordings.query_language.dialects import DIALECTS
from recordings.query_language.parser import BoolNode
from recordings.query_language.tokens import TermToken
from recordings_api.models import Environment, Organization, User
from tests.recordings.sentry.conftest import REPLAY_ID, click, sentry_replay

OTHER_ID = "b" * 32


@pytest.fixture
def pair(environment: Environment) -> tuple[SessionRecording, SessionRecording]:
    """The conftest replay, and a quieter one differing in every attribute."""
    first = sentry_replay(environment)
    second = sentry_replay(
        environment,
        session_id=OTHER_ID,
        start_time=first.start_time + timedelta(minutes=1),
        end_time=first.start_time + timedelta(minutes=1, seconds=3700),
        sdk_name="sentry.javascript.react",
        sdk_version="10.0.0",
        sdk_environment="production",
        platform="other",
        replay_type="buffer",
        dist="d1",
        releases=["shop@2.0.0"],
        app_user_id="u2",
        app_user_email="two@example.com",
        app_user_username="Mobile User",
        app_user_ip="10.0.0.2",
        browser_name="Mobile Safari",
        browser_version="17.1",
        os_name="iOS",
        os_version="17.1",
        device_name="iPhone",
        device_brand="Apple",
        device_model="iPhone15,2",
        device_family="iPhone",
        tags={"plan": ["pro"], "message": ["boom happened"]},
        trace_ids=["c" * 32],
        error_ids=[],
        warning_ids=["d" * 32],
        info_ids=["e" * 32],
        error_count=0,
        warning_count=2,
        info_count=3,
        visited_urls=["http://shop.test/cart"],
        url_count=1,
        segment_count=40,
        dead_click_count=0,
        rage_click_count=0,
    )
    click(
        first,
        tag="button",
        element_id="buy",
        classes=["btn", "primary"],
        text="Buy now",
        role="button",
        testid="buy-button",
        aria_label="Buy",
        title="Purchase",
        is_dead=True,
        is_rage=True,
    )
    click(second, tag="a", element_id="", classes=["link"], text="Home", title="", testid="")
    return first, second


def search(api: APIClient, organization: Organization, query: str) -> list[str]:
    response = api.get(f"/api/0/organizations/{organization.slug}/replays/", {"query": query, "field": "id"})
    assert response.status_code == 200, (query, response.content)
    return sorted(row["id"] for row in response.json()["data"])


BOTH, FIRST, SECOND = sorted([REPLAY_ID, OTHER_ID]), [REPLAY_ID], [OTHER_ID]
NONE: list[str] = []

CASES = [
    # numbers and comparisons
    ("count_errors:>0", FIRST),
    ("count_errors:1", FIRST),
    ("count_errors:=1", FIRST),
    ("count_errors:!=1", SECOND),
    ("!count_errors:1", SECOND),
    ("count_errors:>=0", BOTH),
    ("count_errors:<1", SECOND),
    ("count_errors:<=1", BOTH),
    ("count_errors:[0,1]", BOTH),
    ("count_rage_clicks:>0", FIRST),
    ("count_rage_clicks:>100", NONE),
    ("count_dead_clicks:1", FIRST),
    ("count_segments:>1k", NONE),
    ("count_segments:40", SECOND),
    ("count_urls:3", FIRST),
    ("count_warnings:2", SECOND),
    ("count_infos:>2", SECOND),
    ("activity:4", FIRST),
    ("activity:<2", SECOND),
    # durations with units
    ("duration:>1h", SECOND),
    ("duration:<1h", FIRST),
    ("duration:13s", FIRST),
    ("duration:>=3700000ms", SECOND),
    ("duration:>61min", SECOND),
    ("duration:<1d", BOTH),
    ("duration:<1wk", BOTH),
    ("duration:>1hr", SECOND),
    # text fields and aliases
    ("browser.name:Chrome", FIRST),
    ("browser:Chrome", FIRST),
    ('browser.name:"Mobile Safari"', SECOND),
    ("browser.name:mobile*", SECOND),
    ("!browser.name:Chrome", SECOND),
    ("browser.version:17.1", SECOND),
    ("device.brand:Apple", SECOND),
    ("device.family:iPhone", SECOND),
    ("device.model_id:iPhone15,2", SECOND),
    ("device.model:iPhone15,2", SECOND),
    ("device.name:iPhone", SECOND),
    ("device:iPhone", SECOND),
    ("dist:d1", SECOND),
    ("environment:e2e", FIRST),
    ("os.name:iOS", SECOND),
    ("os:Linux", FIRST),
    ("os.version:17.1", SECOND),
    ("platform:javascript", FIRST),
    ("sdk.name:sentry.javascript.react", SECOND),
    ("sdk:sentry.javascript.browser", FIRST),
    ("sdk.version:11.12.0", FIRST),
    ("replay_type:buffer", SECOND),
    ("user.id:u1", FIRST),
    ("user.email:two@example.com", SECOND),
    ('user.username:"Mobile User"', SECOND),
    ('user:"user one"', FIRST),
    ("user.ip:10.0.0.2", SECOND),
    ("user.ip_address:127.0.0.1", FIRST),
    ('browser.name:[Chrome, "Mobile Safari"]', BOTH),
    # list attributes and their aliases
    ("releases:e2e@1.0.0", FIRST),
    ("release:shop@*", SECOND),
    ("error_ids:7697" + "0" * 28, FIRST),
    ("error_id:7697*", FIRST),
    ("trace_ids:" + "c" * 32, SECOND),
    ("trace_id:" + "a" * 32, FIRST),
    ("trace:" + "c" * 32, SECOND),
    ("warning_id:" + "d" * 32, SECOND),
    ("info_ids:" + "e" * 32, SECOND),
    ("urls:http://app.test/checkout", FIRST),
    ("url:*cart", SECOND),
    ("!url:*checkout*", SECOND),
    # ids in any UUID form
    ("id:" + REPLAY_ID, FIRST),
    ("id:3a6da366-485c-4fb5-b140-fc2072c1d4ee", FIRST),
    ("id:" + REPLAY_ID.upper(), FIRST),
    ("!id:" + REPLAY_ID, SECOND),
    # clicks
    ("click.tag:button", FIRST),
    ("click.tag:a", SECOND),
    ("click.id:buy", FIRST),
    ("click.class:primary", FIRST),
    ('click.textContent:"Buy now"', FIRST),
    ("click.textContent:*home*", SECOND),
    ("click.role:button", FIRST),
    ("click.testid:buy-button", FIRST),
    ("click.label:Buy", FIRST),
    ("click.title:Purchase", FIRST),
    ("click.selector:button#buy.primary", FIRST),
    ("dead.selector:\"button[data-testid='buy-button']\"", FIRST),
    ("rage.selector:a", NONE),
    ("!click.tag:a", FIRST),
    # tags: the catch-all, tags[key], free text as the message tag
    ("plan:free", FIRST),
    ("tags[plan]:pro", SECOND),
    ("plan:[free,pro]", BOTH),
    ("!plan:free", SECOND),
    ("nosuchtag:x", NONE),
    ("boom", SECOND),
    ('"boom happened"', SECOND),
    # boolean logic, Sentry's way
    ("browser:Chrome OR os:iOS", BOTH),
    ("browser:Chrome or os:iOS", BOTH),
    ("browser:Chrome AND os:iOS", NONE),
    ("browser:Chrome os:Linux", FIRST),
    ("count_errors:1 OR count_errors:0 AND os:iOS", SECOND),  # (a OR b) AND c
    ("os:iOS AND count_errors:1 OR browser:Chrome", FIRST),  # (a AND b) OR c
    ("os:iOS count_errors:1 OR browser:Chrome", NONE),  # a AND (b OR c)
    ("(browser:Chrome OR os:iOS) AND count_errors:0", SECOND),
    ("((count_errors:1))", FIRST),
    ("viewed_by_me:false", BOTH),
    ("seen_by_me:true", NONE),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_search(
    api: APIClient, organization: Organization, pair: tuple, query: str, expected: list[str]
) -> None:
    assert search(api, organization, query) == expected


ERRORS = [
    ("project_id:1", "Unsupported search field: project_id"),
    ("started_at:>2020", "Unsupported search field: started_at"),
    ("user.display_name:x", "Unsupported search field: user.display_name"),
    ("browser.name:>3", "Invalid operator specified for `browser.name`"),
    ("click.tag:>a", "Invalid operator specified for `click.tag`"),
    ("plan:>1", "Invalid operator specified for `plan`"),
    ("count_errors:abc", "Could not parse value for `count_errors`. Detail: Failed to parse float."),
    ("duration:>5parsecs", "Could not parse value for `duration`."),
    ("id:nope", "Could not parse value for `id`. Detail: Failed to parse uuid."),
    ("viewed_by_me:maybe", "Could not parse value for `viewed_by_me`."),
    ("viewed_by_me:>1", "Invalid operator specified for `viewed_by_me`"),
    ("viewed_by_id:me", "Could not parse value for `viewed_by_id`."),
    ("seen_by_id:[1,x]", "Could not parse value for `seen_by_id`."),
    ("viewed_by_id:>1", "Invalid operator specified for `viewed_by_id`"),
    (
        "(browser:Chrome",
        "Parse error at '(brows' (column 1). This is commonly caused by unmatched parentheses. "
        "Enclose any text in double quotes.",
    ),
    (
        'os:"Linux',
        "Parse error at 'os:\"Linux' (column 4). This is commonly caused by unmatched parentheses. "
        "Enclose any text in double quotes.",
    ),
]


@pytest.mark.parametrize(("query", "detail"), ERRORS)
def test_invalid_queries_are_sentry_400s(
    api: APIClient, organization: Organization, query: str, detail: str
) -> None:
    response = api.get(f"/api/0/organizations/{organization.slug}/replays/", {"query": query})
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_viewed_by_id_and_viewed_by_me_search_the_views(
    api: APIClient, organization: Organization, pair: tuple, owner: User, teammate: User
) -> None:
    first, second = pair
    for recording, user in ((first, teammate), (second, owner)):
        SessionRecordingViewed.objects.create(
            environment_id=recording.environment_id, session_id=recording.session_id, user=user
        )
    assert search(api, organization, f"viewed_by_id:{teammate.pk}") == FIRST
    assert search(api, organization, f"seen_by_id:{owner.pk}") == SECOND
    assert search(api, organization, f"viewed_by_id:[{owner.pk},{teammate.pk}]") == BOTH
    assert search(api, organization, f"!viewed_by_id:{teammate.pk}") == SECOND
    assert search(api, organization, f"viewed_by_id:{teammate.pk + owner.pk + 1}") == NONE
    assert search(api, organization, "viewed_by_me:true") == SECOND  # the key is the owner's
    assert search(api, organization, "seen_by_me:false") == FIRST


def test_precedence_differs_per_dialect() -> None:
    a, b, c = (TermToken(key, ":", "1", False, position) for key, position in (("a", 0), ("b", 7), ("c", 15)))
    sentry = query_parse("a:1 OR b:1 AND c:1", DIALECTS["sentry"])
    posthog = query_parse("a:1 OR b:1 AND c:1", DIALECTS["posthog"])
    assert sentry == BoolNode("AND", (BoolNode("OR", (a, b)), c))
    assert posthog == BoolNode("OR", (a, BoolNode("AND", (b, c))))


def test_a_posthog_js_recording_is_found_by_the_same_search(
    api: APIClient, organization: Organization, environment: Environment
) -> None:
    from tests.factories import SessionRecordingFactory

    recording = SessionRecordingFactory.create(
        environment=environment, sdk_name="posthog-js", browser_name="Firefox", rage_click_count=2
    )
    click(recording, tag="button", testid="checkout", source="rrweb", is_rage=True)
    assert search(api, organization, "count_rage_clicks:>0 click.testid:checkout") == [
        recording.session_id.replace("-", "")
    ]
    assert search(api, organization, f"id:{recording.session_id}") == [recording.session_id.replace("-", "")]
