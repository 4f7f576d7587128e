"""Click rows of posthog-js recordings (one click index for both SDKs, reference §4.5).

At capture build time, from one request's events of one session (``session_click_records``):

- every rrweb mouse-interaction **Click** (``type 3 / source 2 / data.type 2``) is a click row
  on node ``data.id``, resolved as Sentry's SDK resolves clicks: to the closest ``button`` or
  ``a`` around the node, else the node itself. When that node is in the request's own DOM the
  row carries its attributes; otherwise it is left to the aggregator, which resolves it against
  the session's element index (``recordings.services.clicks``);
- the DOM of full snapshots (``type 2``) and added-node mutations (``source 0``) feeds that
  index: links, buttons, form controls and labelled elements, and the descendants of links and
  buttons (pointing to them). posthog-js compresses these payloads (``cv: "2024-10"``: gzip
  bytes as latin-1 characters); they are decoded here for indexing only — the stored lines keep
  the bytes as sent;
- a click is a **rage** click by PostHog's rule (``RageClick`` of posthog-js): the third of
  consecutive clicks each less than 30 px (Manhattan distance) and 1 s from the previous one;
- ``$rageclick`` and ``$dead_click`` events are rage and dead rows of their own, with the element
  their ``$elements_chain`` (or ``$elements``) names; ``$exception`` events are error records.

At most ``MAX_CLICKS_PER_BLOCK`` plain click rows per request and window (Sentry's per-segment
cap), rage rows always. Pure: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from recordings.grouping import error_culprit, error_fingerprint
from recordings.services.records import ClickRow, ElementAttributes, ElementRow, ErrorRecord
from snapshots.capture.decoding import BodyTooLarge, CaptureDecodeError, gunzip_capped, parse_json
from snapshots.capture.payload import CaptureItem
from snapshots.ingestion.elements import cut, element_attributes

MAX_CLICKS_PER_BLOCK = 20
MAX_INDEXED_ELEMENTS = 5000  # per request and window
MAX_DECODED_BYTES = 32 * 1024 * 1024
RAGE_DISTANCE_PX, RAGE_GAP_MS, RAGE_CLICKS = 30, 1000, 3
TARGET_TAGS = frozenset({"a", "button"})
INDEXED_TAGS = TARGET_TAGS | {"input", "select", "textarea", "label", "summary", "option", "img"}
LABEL_ATTRIBUTES: tuple[str, ...] = ("id", "role", "data-testid", "data-test-id", "aria-label", "title")
LABEL_ATTRIBUTES += ("alt", "data-sentry-component", "data-sentry-element")
_LABELS = frozenset(LABEL_ATTRIBUTES)
COMPRESSION_VERSION = "2024-10"
ELEMENT, TEXT = 2, 3


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def decompressed(value: Any) -> Any:
    """A ``cv: "2024-10"`` payload (gzip bytes as latin-1 characters) decoded; None when it is not one."""
    if not isinstance(value, str):
        return value
    try:
        return parse_json(gunzip_capped(value.encode("latin-1"), max_bytes=MAX_DECODED_BYTES))
    except (UnicodeEncodeError, CaptureDecodeError, BodyTooLarge):
        return None


class _Node(NamedTuple):
    tag: str
    attributes: dict[str, Any]
    serialized: dict[str, Any]  # the rrweb node (its direct text is read only when indexed)
    target: int | None  # the closest a/button ancestor-or-self, None when unknown or none


_new_node = tuple.__new__  # _Node's constructor in C: the walk makes one per element


@dataclass
class _Dom:
    nodes: dict[int, _Node] = field(default_factory=dict)
    orphans: dict[int, int] = field(default_factory=dict)  # node → parent outside this request


def _text_of(node: dict[str, Any]) -> str:
    children = node.get("childNodes")
    parts = []
    for child in children if isinstance(children, list) else ():
        if isinstance(child, dict) and child.get("type") == TEXT:
            part = child.get("textContent")
            if isinstance(part, str) and (part := part.strip()):
                parts.append(part)
    return " ".join(parts)


def _walk(dom: _Dom, node: Any, inherited: int | None, parent: int | None, orphan: bool) -> None:
    """Index the elements of ``node``'s tree in document order (pre-order) until the DOM holds
    ``MAX_INDEXED_ELEMENTS``. Iterative, so a hostile depth cannot exhaust the stack; each
    frame holds the children still to visit, their target and their parent element."""
    nodes, orphans = dom.nodes, dom.orphans
    if len(nodes) >= MAX_INDEXED_ELEMENTS:
        return
    stack: list[tuple[Iterator[Any], int | None, int | None]] = [(iter((node,)), inherited, parent)]
    while stack:
        children, target, parent_id = stack[-1]
        for current in children:
            if not isinstance(current, dict):
                continue
            node_id, child_target, child_parent = current.get("id"), target, parent_id
            if current.get("type") == ELEMENT and type(node_id) is int:  # a JSON int (not a bool)
                tag = current.get("tagName")
                tag = tag.lower() if type(tag) is str else str(tag or "").lower()
                child_target = child_parent = node_id
                if tag not in TARGET_TAGS:
                    child_target = target
                attributes = current.get("attributes")
                attributes = attributes if isinstance(attributes, dict) else {}
                nodes[node_id] = _new_node(_Node, (tag, attributes, current, child_target))
                if orphan and parent_id is not None and child_target is None:
                    orphans[node_id] = parent_id
                if len(nodes) >= MAX_INDEXED_ELEMENTS:
                    return
            grandchildren = current.get("childNodes")
            if grandchildren and isinstance(grandchildren, list):
                stack.append((iter(grandchildren), child_target, child_parent))
                break
        else:
            stack.pop()


def _dom_add(dom: _Dom, event: dict[str, Any]) -> None:
    compressed = event.get("cv") == COMPRESSION_VERSION
    data = _dict(event.get("data"))
    if event.get("type") == 2:
        node = decompressed(event.get("data")) if compressed else data
        _walk(dom, _dict(node).get("node"), None, None, orphan=False)
    elif event.get("type") == 3 and data.get("source") == 0:
        adds = decompressed(data.get("adds")) if compressed else data.get("adds")
        for add in adds if isinstance(adds, list) else []:
            parent = _dict(add).get("parentId")
            parent_node = dom.nodes.get(parent) if isinstance(parent, int) else None
            inherited = parent_node.target if parent_node else None
            _walk(dom, _dict(add).get("node"), inherited, parent, orphan=parent_node is None)


def _attributes(node: _Node) -> ElementAttributes:
    return element_attributes(tag=node.tag, attributes=node.attributes, text=_text_of(node.serialized))


def _indexed(node: _Node) -> bool:
    if node.tag in INDEXED_TAGS or node.target is not None:
        return True
    return not _LABELS.isdisjoint(node.attributes) and any(
        node.attributes.get(name) for name in LABEL_ATTRIBUTES
    )


@dataclass(frozen=True)
class _Click:
    ms: int
    node_id: int
    x: float
    y: float


def _clicks_of(events: Sequence[dict[str, Any]]) -> Iterator[_Click]:
    for event in events:
        data = _dict(event.get("data"))
        if event.get("type") != 3 or data.get("source") != 2 or data.get("type") != 2:
            continue
        node_id, x, y = data.get("id"), data.get("x"), data.get("y")
        if isinstance(node_id, int) and not isinstance(node_id, bool) and node_id >= 0:
            numbers = [v if isinstance(v, int | float) and not isinstance(v, bool) else 0 for v in (x, y)]
            yield _Click(int(event["timestamp"]), node_id, float(numbers[0]), float(numbers[1]))


def rage_flags(clicks: Sequence[_Click]) -> list[bool]:
    """posthog-js' ``RageClick.isRageClick`` for each click, in order."""
    flags: list[bool] = []
    series: list[_Click] = []
    for click in clicks:
        last = series[-1] if series else None
        near = last is not None and abs(click.x - last.x) + abs(click.y - last.y) < RAGE_DISTANCE_PX
        if near and last is not None and click.ms - last.ms < RAGE_GAP_MS:
            series.append(click)
        else:
            series = [click]
        flags.append(len(series) == RAGE_CLICKS)
    return flags


def _click_row(
    environment_id: int, session_id: str, window_id: str, click: _Click, dom: _Dom, rage: bool
) -> ClickRow:
    node = dom.nodes.get(click.node_id)
    target_id = node.target if node and node.target is not None else click.node_id
    target = dom.nodes.get(target_id)
    resolved = (
        node is not None and target is not None and not (node.target is None and click.node_id in dom.orphans)
    )
    return ClickRow(
        environment_id=environment_id,
        session_id=session_id,
        click_key=f"r:{window_id[:24]}:{click.ms}:{click.node_id}",
        source="rrweb",
        timestamp_ms=click.ms,
        element=_attributes(target) if resolved and target else ElementAttributes(),
        node_id=target_id if resolved else click.node_id,
        window_id=window_id,
        is_rage=rage,
        resolved=resolved,
    )


def _element_rows(environment_id: int, session_id: str, window_id: str, dom: _Dom) -> list[ElementRow]:
    return [
        ElementRow(
            environment_id=environment_id,
            session_id=session_id,
            window_id=window_id,
            node_id=node_id,
            element=_attributes(node),
            target_node_id=node.target if node.target != node_id else None,
            parent_node_id=dom.orphans.get(node_id),
        )
        for node_id, node in dom.nodes.items()
        if _indexed(node) or node_id in dom.orphans
    ]


def session_click_records(
    *, environment_id: int, session_id: str, windows: dict[str, list[CaptureItem]]
) -> tuple[list[ElementRow], list[ClickRow]]:
    """The element index rows and click rows one request carries for one session."""
    elements: list[ElementRow] = []
    clicks: list[ClickRow] = []
    for window_id, items in windows.items():
        events = sorted(
            (e for item in items for e in item.snapshot_events), key=lambda e: int(e["timestamp"])
        )
        dom = _Dom()
        for event in events:
            if event.get("type") == 2 or (
                event.get("type") == 3 and _dict(event.get("data")).get("source") == 0
            ):
                _dom_add(dom, event)
        elements += _element_rows(environment_id, session_id, window_id, dom)
        window_clicks = list(_clicks_of(events))
        plain = 0
        for click, rage in zip(window_clicks, rage_flags(window_clicks), strict=True):
            if not rage and plain >= MAX_CLICKS_PER_BLOCK:
                continue
            plain += not rage
            clicks.append(_click_row(environment_id, session_id, window_id, click, dom, rage))
    return elements, clicks


# --- $rageclick, $dead_click and $exception events -------------------------------------------

_CHAIN_ATTRIBUTE = re.compile(r'([A-Za-z0-9_\-:.]+)="((?:[^"\\]|\\.)*)"')


def _first_chain_element(chain: str) -> tuple[str, dict[str, str]]:
    """The first element of a PostHog ``$elements_chain`` (``tag.class:attr="v"…;parent…``)."""
    head, _, rest = chain.partition(":")
    attributes = {}
    for match in _CHAIN_ATTRIBUTE.finditer(rest):
        if match.start() > 0 and rest[match.start() - 1] == ";":
            break
        attributes[match.group(1)] = match.group(2).replace('\\"', '"')
        if rest[match.end() : match.end() + 1] == ";":
            break
    tag, *classes = head.split(".")
    if classes and "attr__class" not in attributes:
        attributes["attr__class"] = " ".join(classes)
    return tag, attributes


def _event_element(properties: dict[str, Any]) -> ElementAttributes:
    chain = properties.get("$elements_chain")
    elements = properties.get("$elements")
    if isinstance(chain, str) and chain:
        tag, raw = _first_chain_element(chain)
        text = raw.get("text")
    elif isinstance(elements, list) and elements and isinstance(elements[0], dict):
        raw = {str(k): v for k, v in elements[0].items()}
        tag, text = raw.get("tag_name", ""), raw.get("$el_text")
    else:
        return ElementAttributes()
    attributes = {key.removeprefix("attr__"): value for key, value in raw.items() if key.startswith("attr__")}
    return element_attributes(tag=tag, attributes=attributes, text=text)


def _event_ms(item: CaptureItem, key: str) -> int:
    value = item.properties.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 1e11:
        return int(value)
    assert item.timestamp is not None  # validated by the payload parser
    return int(item.timestamp.timestamp() * 1000)


def event_click_row(*, environment_id: int, item: CaptureItem) -> ClickRow | None:
    """A ``$rageclick`` or ``$dead_click`` event of a session as a click row; None otherwise."""
    if item.event not in ("$rageclick", "$dead_click") or not item.session_id:
        return None
    dead = item.event == "$dead_click"
    return ClickRow(
        environment_id=environment_id,
        session_id=item.session_id,
        click_key=f"e:{item.event_uuid.hex}",
        source="event",
        timestamp_ms=_event_ms(item, "$dead_click_event_timestamp" if dead else "$rageclick_timestamp"),
        element=_event_element(item.properties),
        window_id=item.window_id or "",
        selector=cut(item.properties.get("$elements_chain"), 1024),
        url=cut(item.properties.get("$current_url"), 4096),
        is_dead=dead,
        is_rage=not dead,
    )


def exception_error_record(*, environment_id: int, item: CaptureItem) -> ErrorRecord | None:
    """A ``$exception`` event of a session as an error linked to its recording; None otherwise."""
    if item.event != "$exception" or not item.session_id:
        return None
    properties = item.properties
    exceptions = properties.get("$exception_list")
    first = _dict(exceptions[0]) if isinstance(exceptions, list) and exceptions else {}
    level = properties.get("$exception_level")
    message = cut(properties.get("$exception_message") or first.get("value"), 8192)
    exception_type = cut(first.get("type") or properties.get("$exception_type"), 256)
    exception_value = cut(first.get("value") or properties.get("$exception_message"), 8192)
    return ErrorRecord(
        environment_id=environment_id,
        event_id=item.event_uuid.hex,
        session_id=item.session_id,
        timestamp_ms=_event_ms(item, ""),
        level=level if level in ("fatal", "error", "warning", "info", "debug") else "error",
        message=message,
        exception_type=exception_type,
        exception_value=exception_value,
        release=cut(properties.get("$app_version"), 200),
        platform="javascript",
        fingerprint=error_fingerprint(
            exception_type=exception_type,
            exception_value=exception_value,
            stacktrace=first.get("stacktrace"),
            message=message,
            custom=properties.get("$exception_fingerprint"),
        ),
        culprit=error_culprit(first.get("stacktrace")),
    )
