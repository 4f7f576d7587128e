"""The envelope parser and item readers over the real SDK's bodies, and their failure modes.

Pure functions (``snapshots.capture.sentry``): no database, no HTTP. The fixtures are the six
request bodies ``@sentry/browser`` 11.12.0 sent, byte for byte.
"""

from __future__ import annotations

import gzip
import zlib

import brotli
import orjson
import pytest

from recordings.grouping import error_fingerprint
from snapshots.capture.decoding import BodyTooLarge
from snapshots.capture.sentry.auth import AuthInvalid, auth_resolve, request_auth
from snapshots.capture.sentry.breadcrumbs import event_ms, segment_clicks
from snapshots.capture.sentry.encoding import EncodingInvalid, body_decode, recording_decompress
from snapshots.capture.sentry.envelope import Envelope, EnvelopeInvalid, ItemTooLarge, envelope_parse
from snapshots.capture.sentry.items import (
    error_event_parse,
    hex_id,
    replay_event_parse,
    replay_recording_parse,
    transaction_parse,
)
from snapshots.capture.sentry.lines import replay_segment_line, replay_segment_of_line
from tests.snapshots.sentry_support import (
    FIXTURE_ERROR_ID,
    FIXTURE_REPLAY_ID,
    envelope_bytes,
    fixture_envelopes,
    recording_payload,
    split_envelope,
)

MB = 1024 * 1024


def parse(data: bytes) -> Envelope:
    return envelope_parse(data, max_item_bytes=MB, item_caps={"replay_recording": 10 * MB})


def test_every_fixture_envelope_parses_into_its_items() -> None:
    types = [[item.type for item in parse(data).items] for data in fixture_envelopes()]

    assert types == [
        ["session"],
        ["session"],
        ["event"],
        ["replay_event", "replay_recording"],
        ["replay_event", "replay_recording"],
        ["replay_event", "replay_recording"],
    ]
    replay = parse(fixture_envelopes()[3])
    assert replay.headers["event_id"] == FIXTURE_REPLAY_ID
    recording = replay.of_type("replay_recording")[0]
    assert recording.headers == {"type": "replay_recording", "length": 2499}
    assert len(recording.payload) == 2499
    assert recording.payload.startswith(b'{"segment_id":0}\n\x78')


def test_newline_delimited_and_length_framed_items_read_the_same() -> None:
    headers, items = split_envelope(fixture_envelopes()[2])
    framed = envelope_bytes(headers, items, lengths=True)
    delimited = envelope_bytes(headers, items, lengths=False) + b"\n\n"

    assert parse(framed).items[0].payload == parse(delimited).items[0].payload == items[0][1]
    assert parse(delimited).items[0].headers == {"type": "event"}


def test_a_length_payload_may_contain_newlines_and_be_last_without_one() -> None:
    body = envelope_bytes({}, [({"type": "attachment"}, b"a\nb\n"), ({"type": "event"}, b"{}")])

    envelope = parse(body)

    assert [(item.type, item.payload) for item in envelope.items] == [
        ("attachment", b"a\nb\n"),
        ("event", b"{}"),
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty request body"),
        (b"not json\n", "the envelope header is not valid JSON"),
        (b"[1]\n", "the envelope header must be a JSON object"),
        (b'{}\n{"length": 2}\nab', "item 0: the header has no type"),
        (b'{}\n{"type":"event","length":10}\n{}', "item 0: length 10 runs past the end of the envelope"),
        (
            b'{}\n{"type":"event","length":1}\n{}',
            "item 0: its payload of length 1 is not followed by a newline",
        ),
        (b'{}\n{"type":"event","length":-1}\n{}', "item 0: length must be a non-negative integer"),
        (b'{}\n{"type":"event","length":"2"}\n{}', "item 0: length must be a non-negative integer"),
        (b'{}\n{"type":"event"}\n{}\n\n{"type":"event"}\n{}', "the item 1 header is not valid JSON"),
    ],
)
def test_malformed_framing_names_the_problem(body: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeInvalid) as raised:
        parse(body)
    assert raised.value.reason == reason


def test_items_past_their_cap_are_too_large() -> None:
    with pytest.raises(ItemTooLarge, match="a event item is larger than 1048576 bytes"):
        parse(envelope_bytes({}, [({"type": "event"}, b" " * (MB + 1))]))
    assert parse(envelope_bytes({}, [({"type": "replay_recording"}, b" " * (MB + 1))])).items


def test_replay_events_are_normalized_like_relay_does() -> None:
    _, items = split_envelope(fixture_envelopes()[3])
    parsed = replay_event_parse(items[0][1], received_ms=1, client_ip="10.0.0.9", user_agent="ua")

    assert (parsed.replay_id, parsed.segment_id) == (FIXTURE_REPLAY_ID, 0)
    fields = parsed.fields
    assert (fields.timestamp_ms, fields.replay_start_ms) == (1796160774907, 1796160769209)
    assert fields.urls == ["http://127.0.0.1:18094/page.html", "http://127.0.0.1:18094/page.html#next"]
    assert fields.error_ids == [FIXTURE_ERROR_ID]
    assert (fields.release, fields.environment, fields.platform, fields.replay_type) == (
        "shop@1.2.3",
        "staging",
        "javascript",
        "session",
    )
    assert (fields.sdk_name, fields.sdk_version) == ("sentry.javascript.browser", "11.12.0")
    assert (fields.user_id, fields.user_email, fields.user_ip) == ("u-42", "ann@example.com", "10.0.0.9")
    assert fields.tags == [["plan", "pro"]]
    assert "HeadlessChrome/156" in fields.user_agent


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"segment_id": 0}, "replay_event: missing replay_id"),
        ({"replay_id": "nope", "segment_id": 0}, "replay_event: missing replay_id"),
        ({"replay_id": FIXTURE_REPLAY_ID}, "replay_event: missing segment_id"),
        (
            {"replay_id": FIXTURE_REPLAY_ID, "segment_id": "0"},
            "segment_id must be an integer from 0 to 65535",
        ),
        (
            {"replay_id": FIXTURE_REPLAY_ID, "segment_id": 70000},
            "segment_id must be an integer from 0 to 65535",
        ),
        (
            {"replay_id": FIXTURE_REPLAY_ID, "segment_id": 0, "error_ids": ["x"]},
            "replay_event error_ids holds 'x', which is not a UUID",
        ),
        (
            {"replay_id": FIXTURE_REPLAY_ID, "segment_id": 0, "trace_ids": "x"},
            "replay_event trace_ids must be a list",
        ),
    ],
)
def test_replay_events_relay_rejects_are_invalid(event: dict[str, object], reason: str) -> None:
    with pytest.raises(EnvelopeInvalid) as raised:
        replay_event_parse(orjson.dumps(event), received_ms=1, client_ip="", user_agent="")
    assert raised.value.reason == reason


def test_user_ip_auto_platform_other_and_dashed_ids() -> None:
    event = {
        "replay_id": "577486AD-7557-4166-A765-61E6C2E0A827",
        "segment_id": 3,
        "platform": "cobol",
        "user": {"id": 42, "ip_address": "{{auto}}"},
        "tags": [["a", "1"], ["", "x"], ["b"]],
        "request": {"headers": [["user-agent", "agent/1"]]},
    }
    parsed = replay_event_parse(orjson.dumps(event), received_ms=5, client_ip="192.0.2.1", user_agent="")

    assert parsed.replay_id == FIXTURE_REPLAY_ID
    fields = parsed.fields
    assert (fields.platform, fields.user_id, fields.user_ip, fields.tags) == (
        "other",
        "42",
        "192.0.2.1",
        [["a", "1"]],
    )
    assert (fields.timestamp_ms, fields.user_agent, fields.replay_type) == (5, "agent/1", "session")


def test_replay_recordings_zlib_gzip_and_plain() -> None:
    events = [{"type": 4, "timestamp": 1, "data": {"href": "https://a/"}}]
    plain = recording_payload(2, events, compress=False)
    zlibbed = recording_payload(2, events)
    gzipped = b'{"segment_id":2}\n' + gzip.compress(orjson.dumps(events))

    for payload in (plain, zlibbed, gzipped):
        parsed = replay_recording_parse(payload, max_decompressed_bytes=MB)
        assert (parsed.segment_id, parsed.events, parsed.data) == (2, events, orjson.dumps(events))


def test_the_fixture_recording_decompresses_to_the_sdk_events() -> None:
    _, items = split_envelope(fixture_envelopes()[3])
    parsed = replay_recording_parse(items[1][1], max_decompressed_bytes=MB)

    assert parsed.segment_id == 0
    assert [event["type"] for event in parsed.events[:5]] == [0, 5, 1, 4, 2]
    assert parsed.data == zlib.decompress(items[1][1].split(b"\n", 1)[1])


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"no header", "replay_recording: no header line"),
        (b'{"segment":1}\n[]', "replay_recording: the header has no segment_id"),
        (
            b'{"segment_id":1}\n\x00\x01',
            "replay_recording: the replay recording is neither JSON, zlib nor gzip",
        ),
        (
            b'{"segment_id":1}\nx\x9c\x00garbage',
            "replay_recording: invalid deflate data: "
            "Error -3 while decompressing data: invalid stored block lengths",
        ),
        (
            b'{"segment_id":1}\n' + zlib.compress(b"[1,")[:-4],
            "replay_recording: the compressed data is truncated",
        ),
        (
            b'{"segment_id":1}\n' + zlib.compress(b"{}"),
            "replay_recording: the events must be a JSON array of objects",
        ),
        (b'{"segment_id":1}\n[1, 2]', "replay_recording: the events must be a JSON array of objects"),
        (b'{"segment_id":1}\n[{"a": NaN}]', "replay_recording: the events are not valid JSON"),
    ],
)
def test_bad_recordings_are_invalid(payload: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeInvalid) as raised:
        replay_recording_parse(payload, max_decompressed_bytes=MB)
    assert raised.value.reason == reason


def test_a_recording_zip_bomb_stops_at_the_cap() -> None:
    bomb = b'{"segment_id":0}\n' + zlib.compress(b"[" + b" " * (64 * MB) + b"]", 9)
    assert len(bomb) < 100_000
    with pytest.raises(BodyTooLarge):
        replay_recording_parse(bomb, max_decompressed_bytes=MB)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-gzip", "identity, gzip"])
def test_content_encodings_are_undone(encoding: str) -> None:
    data = b'{"event_id":"x"}\n' * 10
    encoded = {
        "gzip": gzip.compress(data),
        "x-gzip": gzip.compress(data),
        "deflate": zlib.compress(data),
        "br": brotli.compress(data),
        "identity, gzip": gzip.compress(data),
    }[encoding]
    assert body_decode(encoded, content_encoding=encoding, max_bytes=MB) == data


def test_raw_deflate_bombs_and_unknown_encodings() -> None:
    raw = zlib.compressobj(wbits=-15)
    data = b"[1]"
    assert body_decode(raw.compress(data) + raw.flush(), content_encoding="deflate", max_bytes=MB) == data
    for encoding, bomb in (
        ("gzip", gzip.compress(b" " * (8 * MB))),
        ("br", brotli.compress(b" " * (8 * MB))),
        ("deflate", zlib.compress(b" " * (8 * MB))),
    ):
        with pytest.raises(BodyTooLarge):
            body_decode(bomb, content_encoding=encoding, max_bytes=MB)
    with pytest.raises(EncodingInvalid, match="unsupported Content-Encoding 'zstd'"):
        body_decode(b"x", content_encoding="zstd", max_bytes=MB)
    with pytest.raises(EncodingInvalid):
        body_decode(b"not gzip", content_encoding="gzip", max_bytes=MB)
    with pytest.raises(EncodingInvalid):
        body_decode(b"not brotli at all", content_encoding="br", max_bytes=MB)
    with pytest.raises(EncodingInvalid):
        recording_decompress(b"?", max_bytes=MB)


def test_error_events_link_their_replay_and_keep_the_minimum() -> None:
    envelope = parse(fixture_envelopes()[2])
    error = error_event_parse(
        envelope.items[0].payload, environment_id=7, envelope_headers=envelope.headers, received_ms=1
    )

    assert error.__dict__ == {
        "environment_id": 7,
        "event_id": FIXTURE_ERROR_ID,
        "session_id": FIXTURE_REPLAY_ID,
        "timestamp_ms": 1796160772621,
        "level": "error",
        "message": "",
        "exception_type": "Error",
        "exception_value": "boom",
        "release": "shop@1.2.3",
        "environment": "staging",
        "trace_id": "7a2e39bff052473493665450db3f4c11",
        "platform": "javascript",
        # Grouped by its one in-app frame (the page's file and the handler), not its line.
        "fingerprint": error_fingerprint(
            exception_type="Error",
            stacktrace={
                "frames": [
                    {"filename": "http://127.0.0.1:18094/page.html", "function": "HTMLButtonElement.onclick"}
                ]
            },
        ),
        "culprit": "HTMLButtonElement.onclick(http://127.0.0.1:18094/page.html)",
    }


@pytest.mark.parametrize(
    ("event", "headers", "replay_id"),
    [
        ({"contexts": {"replay": {"replay_id": FIXTURE_REPLAY_ID}}}, {}, FIXTURE_REPLAY_ID),
        ({"tags": [["replayId", FIXTURE_REPLAY_ID]]}, {}, FIXTURE_REPLAY_ID),
        ({}, {"trace": {"replay_id": FIXTURE_REPLAY_ID}}, FIXTURE_REPLAY_ID),
        ({"tags": {"replayId": "not a uuid"}}, {}, ""),
    ],
)
def test_the_replay_of_an_error_comes_from_context_tag_or_trace(
    event: dict[str, object], headers: dict[str, object], replay_id: str
) -> None:
    payload = orjson.dumps({"event_id": FIXTURE_ERROR_ID, "level": "warning", "message": "hi", **event})
    error = error_event_parse(payload, environment_id=1, envelope_headers=headers, received_ms=9)
    assert (error.session_id, error.level, error.message, error.timestamp_ms) == (
        replay_id,
        "warning",
        "hi",
        9,
    )


def test_transactions_give_their_trace_and_replay() -> None:
    payload = orjson.dumps(
        {"contexts": {"trace": {"trace_id": "ab" * 16}}, "tags": {"replayId": FIXTURE_REPLAY_ID}}
    )
    assert transaction_parse(payload, envelope_headers={}) == (FIXTURE_REPLAY_ID, "ab" * 16)


def test_segment_clicks_follow_sentrys_dead_and_rage_rules() -> None:
    _, zero = split_envelope(fixture_envelopes()[3])
    _, one = split_envelope(fixture_envelopes()[4])
    clicks = segment_clicks(
        replay_recording_parse(zero[1][1], max_decompressed_bytes=MB).events,
        environment_id=1,
        replay_id=FIXTURE_REPLAY_ID,
        segment_id=0,
    )
    slow = segment_clicks(
        replay_recording_parse(one[1][1], max_decompressed_bytes=MB).events,
        environment_id=1,
        replay_id=FIXTURE_REPLAY_ID,
        segment_id=1,
    )

    assert [(c.element.tag, c.element.element_id, c.is_dead, c.is_rage) for c in clicks] == [
        ("input", "email", False, False),
        ("button", "dead", False, False),
        ("button", "err", False, False),
        ("a", "nav", False, False),
    ]
    assert [(c.element.element_id, c.is_dead, c.is_rage, c.url) for c in slow] == [
        ("dead", True, True, "http://127.0.0.1:18094/page.html#next"),
        ("err", True, False, "http://127.0.0.1:18094/page.html#next"),
        ("nav", True, False, "http://127.0.0.1:18094/page.html#next"),
    ]
    assert clicks[1].click_key.rsplit(":", 1)[0] == slow[0].click_key.rsplit(":", 1)[0]  # same click
    assert (clicks[1].selector, clicks[1].element.text, clicks[1].node_id) == (
        "body > button#dead",
        "Nothing",
        18,
    )


def _slow_click(tag: str, **data: object) -> dict[str, object]:
    node = {"id": 5, "tagName": tag, "textContent": "t", "attributes": {"testId": "x", "class": "a  b"}}
    return {
        "type": 5,
        "timestamp": 1_700_000_000_000,
        "data": {
            "tag": "breadcrumb",
            "payload": {
                "timestamp": 1_700_000_000.5,
                "category": "ui.slowClickDetected",
                "message": f"body > {tag}",
                "data": {"nodeId": 5, "node": node, **data},
            },
        },
    }


@pytest.mark.parametrize(
    ("tag", "data", "dead", "rage"),
    [
        ("button", {"endReason": "timeout", "timeAfterClickMs": 7000, "clickCount": 5}, True, True),
        ("a", {"endReason": "timeout", "timeafterclickms": 7000, "clickcount": 4}, True, False),
        ("input", {"endReason": "timeout", "timeAfterClickMs": 8000}, True, False),
        ("div", {"endReason": "timeout", "timeAfterClickMs": 7000, "clickCount": 9}, False, False),
        ("button", {"endReason": "mutation", "timeAfterClickMs": 7000, "clickCount": 9}, False, False),
        ("button", {"endReason": "timeout", "timeAfterClickMs": 6999, "clickCount": 9}, False, False),
    ],
)
def test_slow_click_rules(tag: str, data: dict[str, object], dead: bool, rage: bool) -> None:
    [row] = segment_clicks([_slow_click(tag, **data)], environment_id=1, replay_id="r", segment_id=0)
    assert (row.is_dead, row.is_rage, row.timestamp_ms) == (dead, rage, 1_700_000_000_500)
    assert (row.element.testid, row.element.classes, row.element.text) == ("x", ["a", "b"], "t")


def test_at_most_twenty_plain_clicks_per_segment_and_negative_nodes_dropped() -> None:
    many = []
    for i in range(25):
        click = _slow_click("button")
        payload = click["data"]["payload"]  # type: ignore[index]
        payload.update(category="ui.click", timestamp=1_700_000_000 + i)
        many.append(click)
    negative = _slow_click("button")
    negative["data"]["payload"]["data"]["nodeId"] = -1  # type: ignore[index]
    assert len(segment_clicks([*many, negative], environment_id=1, replay_id="r", segment_id=0)) == 20


def test_performance_spans_carry_seconds() -> None:
    span = {"type": 5, "timestamp": 1_700_000_000.25, "data": {"tag": "performanceSpan", "payload": {}}}
    assert event_ms(span) == 1_700_000_000_250
    assert event_ms({"type": 3, "timestamp": 1_700_000_000_123}) == 1_700_000_000_123
    assert event_ms({"type": 3, "timestamp": "x"}) is None


def test_a_segment_line_keeps_the_events_byte_for_byte() -> None:
    data = b'[{"type":4,"timestamp":1.5e12,"data":{"href":"x\\u2028"}}]'
    line = replay_segment_line(
        replay_id=FIXTURE_REPLAY_ID, segment_id=7, data=data, events=orjson.loads(data)
    )

    assert orjson.loads(line) == {"window_id": FIXTURE_REPLAY_ID, "segment_id": 7, "data": orjson.loads(data)}
    assert replay_segment_of_line(line) == (7, data)
    assert replay_segment_of_line('{"window_id":"w","data":[]}') is None
    pretty = b'[\n  {"type": 4, "timestamp": 1}\n]'
    rewritten = replay_segment_line(
        replay_id=FIXTURE_REPLAY_ID, segment_id=1, data=pretty, events=orjson.loads(pretty)
    )
    assert "\n" not in rewritten and replay_segment_of_line(rewritten) == (1, b'[{"type":4,"timestamp":1}]')


def test_hex_ids() -> None:
    assert hex_id("577486AD75574166A76561E6C2E0A827") == FIXTURE_REPLAY_ID
    assert hex_id("577486ad-7557-4166-a765-61e6c2e0a827") == FIXTURE_REPLAY_ID
    assert [hex_id(v) for v in ("", "zz" * 16, 5, None, "577486ad75574166a76561e6c2e0a82")] == [None] * 5


KEY = "abcdef0123456789abcdef0123456789"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"X-Sentry-Auth": f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=x/1"}, {}),
        ({"Authorization": f'Sentry sentry_key="{KEY}",sentry_version=7'}, {}),
        ({"Authorization": "Basic " + __import__("base64").b64encode(f"{KEY}:".encode()).decode()}, {}),
        ({}, {"sentry_key": KEY, "sentry_version": "7"}),
    ],
)
def test_every_auth_form_names_the_key(headers: dict[str, str], query: dict[str, str]) -> None:
    auth = request_auth(headers=headers, query=query)
    assert auth is not None and auth.public_key == KEY


@pytest.mark.parametrize(
    ("headers", "query", "status", "reason"),
    [
        (
            {"X-Sentry-Auth": f"Sentry sentry_key={KEY}"},
            {"sentry_key": KEY},
            401,
            "multiple authorization payloads detected",
        ),
        ({"X-Sentry-Auth": "Bearer x"}, {}, 401, "bad x-sentry-auth header"),
        ({"X-Sentry-Auth": "Sentry sentry_version=7"}, {}, 401, "bad x-sentry-auth header"),
        ({}, {"sentry_key": "short"}, 400, "bad sentry DSN public key"),
        ({}, {"sentry_key": KEY, "sentry_version": "9"}, 400, "unsupported protocol version (9)"),
        ({"Authorization": "Basic !!"}, {}, 401, "bad authorization header"),
    ],
)
def test_bad_auth(headers: dict[str, str], query: dict[str, str], status: int, reason: str) -> None:
    with pytest.raises(AuthInvalid) as raised:
        request_auth(headers=headers, query=query)
    assert (raised.value.status, raised.value.reason) == (status, reason)


def test_the_envelope_dsn_authenticates_and_must_agree() -> None:
    assert auth_resolve(None, f"https://{KEY}@relay.example/sub/42", project_id=42).public_key == KEY
    other = request_auth(headers={}, query={"sentry_key": "0" * 32})
    cases = [
        (other, f"https://{KEY}@h/42", 42, 401, "the envelope's DSN and the request name different keys"),
        (None, f"https://{KEY}@h/43", 42, 400, "the envelope's DSN names another project"),
        (None, "not a dsn", 42, 401, "bad envelope authentication header"),
        (None, None, 42, 401, "missing authorization information"),
    ]
    for request_side, dsn, project, status, reason in cases:
        with pytest.raises(AuthInvalid) as raised:
            auth_resolve(request_side, dsn, project_id=project)
        assert (raised.value.status, raised.value.reason) == (status, reason)
