"""The Sentry face's reads around one replay, at the service level, on the real SDK's replay:
clicked nodes and their query, dead/rage selectors, tag keys and values, replay counts."""

from __future__ import annotations

import pytest

from recordings.models import ErrorIssue, RecordingError, SessionRecording
from recordings.sentry_replay.clicks import ClickQueryError, replay_clicks_list
from recordings.sentry_replay.counts import (
    ReplayCountError,
    replay_count_request_parse,
    replay_counts,
)
from recordings.sentry_replay.dead_selectors import (
    SelectorFilters,
    SelectorQueryError,
    replay_selectors_list,
)
from recordings.sentry_replay.tags import TagScope, replay_tag_keys, replay_tag_values, tag_key_label
from recordings_api.models import Environment
from tests.factories import SessionRecordingFactory
from tests.recordings.sentry_replay_support import ingest_fixture_replay
from tests.snapshots.sentry_support import FIXTURE_REPLAY_ID
from tests.snapshots.test_capture_support import embedded_buffer  # noqa: F401

pytestmark = pytest.mark.usefixtures("embedded_buffer")


@pytest.fixture
def replay(environment: Environment) -> SessionRecording:
    return ingest_fixture_replay(environment)


def _nodes(environment: Environment, query: str = "") -> list[tuple[int | None, str]]:
    rows = replay_clicks_list(environment=environment, session_id=FIXTURE_REPLAY_ID, query=query)
    return [(row.node_id, row.tag) for row in rows]


def test_clicks_are_the_replays_click_rows_by_time_and_the_query_ors_its_terms(
    replay: SessionRecording, environment: Environment
) -> None:
    assert [node for node, _ in _nodes(environment)] == [11, 18, 18, 21, 21, 15, 15]
    assert {node for node, _ in _nodes(environment, "click.tag:button")} == {18, 21}
    assert {node for node, _ in _nodes(environment, "click.id:dead click.tag:a")} == {18, 15}
    assert {node for node, _ in _nodes(environment, "rage.selector:button#dead")} == {18}
    assert {node for node, _ in _nodes(environment, "click.textContent:*ex*")} == {15}
    assert len(_nodes(environment, "!click.tag:button")) == 7  # negations filter nothing
    for query, message in [
        ("nope:1", "Unsupported search field: nope"),
        ("click.tag:>1", "Invalid operator specified for `click.tag`"),
        ("click.selector:'['", "Could not parse value for `click.selector`."),
    ]:
        with pytest.raises(ClickQueryError) as raised:
            _nodes(environment, query)
        assert str(raised.value) == message


def test_selectors_count_dead_and_rage_clicks_by_element(
    replay: SessionRecording, environment: Environment, other_environment: Environment
) -> None:
    rows = replay_selectors_list(filters=SelectorFilters([environment]), offset=0, limit=10)
    assert [(row["dom_element"], row["count_dead_clicks"], row["count_rage_clicks"]) for row in rows] == [
        ("a#nav", 1, 0),
        ("button#dead", 1, 1),
        ("button#err", 1, 0),
    ]
    assert rows[1]["element"] == {
        "alt": "",
        "aria_label": "",
        "class": [],
        "id": "dead",
        "project_id": environment.id,
        "role": "",
        "tag": "button",
        "testid": "",
        "title": "",
    }
    rage_first = SelectorFilters([environment], sort="-count_rage_clicks", query="count_dead_clicks:>=1")
    assert replay_selectors_list(filters=rage_first, offset=0, limit=1)[0]["dom_element"] == "button#dead"
    staging = SelectorFilters([environment], sdk_environments=["production"])
    assert replay_selectors_list(filters=staging, offset=0, limit=10) == []
    assert replay_selectors_list(filters=SelectorFilters([other_environment]), offset=0, limit=10) == []
    with pytest.raises(SelectorQueryError, match="not a sortable field"):
        replay_selectors_list(filters=SelectorFilters([environment], sort="tag"), offset=0, limit=1)
    with pytest.raises(SelectorQueryError, match="Unsupported search field: tag"):
        replay_selectors_list(filters=SelectorFilters([environment], query="tag:a"), offset=0, limit=1)


def test_tags_are_the_sdks_tags_and_the_mapped_columns_for_both_sdks(
    replay: SessionRecording, environment: Environment
) -> None:
    SessionRecordingFactory.create(
        environment=environment,
        session_id="0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000",
        browser_name="Firefox",
        os_name="Linux",
        releases=["shop@1.2.3", "shop@1.2.4"],
    )
    scope = TagScope([environment])
    keys = {row.key: row.total_values for row in replay_tag_keys(scope=scope)}
    assert keys["plan"] == 1 and keys["browser.name"] == 2 and keys["os.name"] == 2
    assert keys["release"] == 2 and keys["environment"] == 1 and "device.name" not in keys
    browsers = replay_tag_values(scope=scope, key="browser.name")
    assert [(row.value, row.count) for row in browsers] == [("Chrome", 1), ("Firefox", 1)]
    releases = replay_tag_values(scope=scope, key="release")
    assert [(row.value, row.count) for row in releases] == [("shop@1.2.3", 2), ("shop@1.2.4", 1)]
    plan = replay_tag_values(scope=scope, key="plan", query="PR")
    assert [(row.key, row.name, row.value, row.count) for row in plan] == [("plan", "pro", "pro", 1)]
    assert plan[0].first_seen == replay.start_time and plan[0].last_seen == replay.end_time
    assert replay_tag_values(scope=scope, key="plan", query="free") == []
    assert tag_key_label("plan.total_members") == "Plan.Total Members"


def test_replay_counts_by_replay_id_and_transaction(
    replay: SessionRecording, environment: Environment, other_environment: Environment
) -> None:
    dashed = f"{FIXTURE_REPLAY_ID[:8]}-{FIXTURE_REPLAY_ID[8:12]}-{FIXTURE_REPLAY_ID[12:16]}-"
    dashed += f"{FIXTURE_REPLAY_ID[16:20]}-{FIXTURE_REPLAY_ID[20:]}"
    request = replay_count_request_parse(f"replay_id:[{dashed}, {'0' * 32}]")
    assert replay_counts(environments=[environment], request=request) == {dashed: 1, "0" * 32: 0}
    ids = replay_counts(environments=[environment], request=request, return_ids=True)
    assert ids == {dashed: [FIXTURE_REPLAY_ID], "0" * 32: []}
    assert replay_counts(environments=[other_environment], request=request) == {}
    # Issue ids come from the database's sequence: the replay's own issues count it, an id past
    # every issue counts nothing, whatever ids earlier tests consumed.
    grouped = set(
        RecordingError.objects.filter(session_id=FIXTURE_REPLAY_ID).values_list("issue_id", flat=True)
    )
    assert grouped and None not in grouped  # the replay's errors are grouped into issues
    linked = sorted(grouped)
    unknown = max(ErrorIssue.objects.values_list("id", flat=True)) + 1
    issues = replay_count_request_parse(f"issue.id:[{','.join(str(issue) for issue in [*linked, unknown])}]")
    expected = {**{str(issue): 1 for issue in linked}, str(unknown): 0}
    assert replay_counts(environments=[environment], request=issues) == expected
    for query, message in [
        ("", "Must provide at least one issue.id, transaction, or replay_id"),
        ("issue.id:[1] replay_id:[a]", "Must provide only one of: issue.id, transaction, replay_id"),
        ("issue.id:1", "Condition value must be a list of strings"),
        ("issue.id:[" + ",".join(str(n) for n in range(26)) + "]", "Too many values provided"),
    ]:
        with pytest.raises(ReplayCountError) as raised:
            replay_count_request_parse(query)
        assert str(raised.value) == message
