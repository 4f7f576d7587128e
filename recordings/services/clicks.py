"""Click rows and the element index, applied by the aggregators (``recordings.services.replays``).

In one transaction, with a constant number of statements per batch:

1. ``RecordingElement`` rows are upserted (the newest snapshot of a node wins); an element whose
   parent was indexed by an earlier request inherits that parent's link or button;
2. ``rrweb`` clicks not resolved at capture get the attributes of their node (or of the link or
   button it belongs to) from the index; a node the index does not know keeps empty attributes;
3. click rows are inserted once per ``click_key``;
4. an ``event`` rage row (``$rageclick``) within ``RAGE_MATCH_MS`` of an ``rrweb`` rage row of
   the same session is dropped, whichever arrived first: PostHog's rule and the SDK's event
   describe the same rage click, which counts once.

``click_counts``: dead and rage clicks per session, summed over its rows (Sentry's
``count_dead_clicks = sum(is_dead)``, ``count_rage_clicks = sum(is_rage)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q

from recordings.conditions import session_keys_condition
from recordings.models import RecordingClick, RecordingElement
from recordings.services.records import ClickRow, ElementAttributes, ElementRow
from recordings_api.bulk_writes import recordset, recordset_param
from recordings_api.timestamps import ms_to_datetime

RAGE_MATCH_MS = 1000
_ELEMENT_FIELDS = [name for name in ElementAttributes.__dataclass_fields__]
SessionKey = tuple[int, str]
_NodeKey = tuple[int, str, str, int]


def _element_columns(element: ElementAttributes) -> dict[str, object]:
    return asdict(element)


def _nodes_condition(keys: Iterable[_NodeKey]) -> Q:
    condition = Q(pk__in=[])
    grouped: dict[tuple[int, str, str], list[int]] = {}
    for environment_id, session_id, window_id, node_id in keys:
        grouped.setdefault((environment_id, session_id, window_id), []).append(node_id)
    for (environment_id, session_id, window_id), node_ids in grouped.items():
        condition |= Q(
            environment_id=environment_id, session_id=session_id, window_id=window_id, node_id__in=node_ids
        )
    return condition


def _indexed(keys: set[_NodeKey]) -> dict[_NodeKey, RecordingElement]:
    if not keys:
        return {}
    rows = RecordingElement.objects.filter(_nodes_condition(keys))
    return {(row.environment_id, row.session_id, row.window_id, row.node_id): row for row in rows}


def _with_inherited_targets(elements: Sequence[ElementRow]) -> list[ElementRow]:
    orphans = [e for e in elements if e.parent_node_id is not None and e.target_node_id is None]
    parents = _indexed(
        {(e.environment_id, e.session_id, e.window_id, e.parent_node_id or 0) for e in orphans}
    )
    out = []
    for element in elements:
        parent = parents.get(
            (element.environment_id, element.session_id, element.window_id, element.parent_node_id or 0)
        )
        if element.parent_node_id is not None and element.target_node_id is None and parent is not None:
            inherited = parent.target_node_id or (parent.node_id if parent.tag in ("a", "button") else None)
            element = replace(element, target_node_id=inherited)
        out.append(element)
    return out


_ELEMENT_KEY_COLUMNS = ["environment_id", "session_id", "window_id", "node_id", "target_node_id"]
_ELEMENT_COLUMNS = [*_ELEMENT_KEY_COLUMNS, *_ELEMENT_FIELDS]
_ELEMENT_SOURCE = recordset(
    [
        ("environment_id", "bigint"),
        ("session_id", "text"),
        ("window_id", "text"),
        ("node_id", "integer"),
        ("target_node_id", "integer"),
        ("element", "json"),
    ]
)
_ELEMENT_VALUES = [
    *(f"v.{name}" for name in _ELEMENT_KEY_COLUMNS),
    *(
        f"(v.element->'{name}')::jsonb" if name == "classes" else f"v.element->>'{name}'"
        for name in _ELEMENT_FIELDS
    ),
]
_ELEMENT_UPSERT = (
    f"INSERT INTO {RecordingElement._meta.db_table} ({', '.join(_ELEMENT_COLUMNS)}, updated_at) "
    f"SELECT {', '.join(_ELEMENT_VALUES)}, now() FROM {_ELEMENT_SOURCE}"
    " ON CONFLICT (environment_id, session_id, window_id, node_id) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in _ELEMENT_COLUMNS[4:])
    + ", updated_at = EXCLUDED.updated_at"
)


def _elements_upsert_postgresql(latest: dict[_NodeKey, ElementRow]) -> None:
    """One ``INSERT … SELECT FROM json_to_recordset(…) ON CONFLICT DO UPDATE`` for the whole
    batch, its rows as one JSON parameter: the ORM's bulk_create builds a model per row and a
    statement per 500 rows, and was the aggregator's main cost (a posthog-js full snapshot
    indexes hundreds of elements). The ``ElementRow`` dataclasses are serialised as they are
    (orjson, no per-row Python); PostgreSQL unpacks ``element``'s attributes."""
    with connection.cursor() as cursor:
        cursor.execute(_ELEMENT_UPSERT, [recordset_param(list(latest.values()))])


def elements_apply(*, elements: Sequence[ElementRow]) -> None:
    """Upsert the element index rows (the newest snapshot of a node wins); no statement when
    there are none."""
    if not elements:
        return
    latest: dict[_NodeKey, ElementRow] = {}
    for element in _with_inherited_targets(elements):
        latest[(element.environment_id, element.session_id, element.window_id, element.node_id)] = element
    if connection.vendor == "postgresql":
        _elements_upsert_postgresql(latest)
        return
    rows = [
        RecordingElement(
            environment_id=key[0],
            session_id=key[1],
            window_id=key[2],
            node_id=key[3],
            target_node_id=element.target_node_id,
            **_element_columns(element.element),
        )
        for key, element in latest.items()
    ]
    RecordingElement.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["environment", "session_id", "window_id", "node_id"],
        update_fields=["target_node_id", *_ELEMENT_FIELDS, "updated_at"],
    )


def _attributes_of(row: RecordingElement) -> ElementAttributes:
    return ElementAttributes(**{name: getattr(row, name) for name in _ELEMENT_FIELDS})


def _resolved(clicks: Sequence[ClickRow]) -> list[ClickRow]:
    pending = [click for click in clicks if not click.resolved]
    if not pending:
        return list(clicks)
    nodes = _indexed({(c.environment_id, c.session_id, c.window_id, c.node_id or 0) for c in pending})
    targets = _indexed(
        {(k[0], k[1], k[2], row.target_node_id) for k, row in nodes.items() if row.target_node_id is not None}
    )
    out = []
    for click in clicks:
        key = (click.environment_id, click.session_id, click.window_id, click.node_id or 0)
        node = nodes.get(key) if not click.resolved else None
        if node is not None:
            target = targets.get((*key[:3], node.target_node_id)) if node.target_node_id is not None else None
            chosen = target or node
            click = replace(click, node_id=chosen.node_id, element=_attributes_of(chosen), resolved=True)
        out.append(click)
    return out


def _click_model(click: ClickRow) -> RecordingClick:
    return RecordingClick(
        environment_id=click.environment_id,
        session_id=click.session_id,
        click_key=click.click_key[:64],
        source=click.source,
        timestamp=ms_to_datetime(click.timestamp_ms),
        segment_id=click.segment_id,
        node_id=click.node_id,
        selector=click.selector,
        url=click.url,
        is_dead=click.is_dead,
        is_rage=click.is_rage,
        **_element_columns(click.element),
    )


def _duplicate_rage_rows_drop(sessions: set[SessionKey]) -> None:
    rows = list(
        RecordingClick.objects.filter(session_keys_condition(sessions), is_rage=True)
        .exclude(source=RecordingClick.Source.SENTRY)
        .values_list("id", "environment_id", "session_id", "source", "timestamp")
    )
    rule: dict[SessionKey, list[datetime]] = {}
    for _, environment_id, session_id, source, moment in rows:
        if source == RecordingClick.Source.RRWEB:
            rule.setdefault((environment_id, session_id), []).append(moment)
    duplicates = [
        row_id
        for row_id, environment_id, session_id, source, moment in rows
        if source == RecordingClick.Source.EVENT
        and any(
            abs((moment - other).total_seconds()) * 1000 <= RAGE_MATCH_MS
            for other in rule.get((environment_id, session_id), [])
        )
    ]
    if duplicates:
        RecordingClick.objects.filter(id__in=duplicates).delete()


def clicks_apply(*, clicks: Sequence[ClickRow]) -> None:
    """Resolve, store and de-duplicate ``clicks`` (see the module docstring)."""
    if not clicks:
        return
    rows = [_click_model(click) for click in _resolved(clicks)]
    RecordingClick.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    rage_sessions = {(c.environment_id, c.session_id) for c in clicks if c.is_rage and c.source != "sentry"}
    if rage_sessions:
        _duplicate_rage_rows_drop(rage_sessions)


def click_counts(*, sessions: Iterable[SessionKey]) -> dict[SessionKey, tuple[int, int]]:
    """``(dead, rage)`` clicks of each session that has click rows."""
    keys = set(sessions)
    if not keys:
        return {}
    rows = (
        RecordingClick.objects.filter(session_keys_condition(keys))
        .values("environment_id", "session_id")
        .annotate(dead=Count("id", filter=Q(is_dead=True)), rage=Count("id", filter=Q(is_rage=True)))
    )
    return {(row["environment_id"], row["session_id"]): (row["dead"], row["rage"]) for row in rows}
