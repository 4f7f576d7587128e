"""PostHog's UI filter format (``RecordingUniversalFilters``, what its playlists store) → the
recordings list parameters.

Its shape: ``{"date_from", "date_to", "duration": [recording filters], "filter_test_accounts",
"order", "order_direction", "filter_group": {"type": "AND"|"OR", "values": [groups or
filters]}}``. As PostHog's front end does, the groups are flattened, the top group's ``type``
becomes ``operand``, and each filter goes where its kind belongs: ``events`` and ``actions``
entries, ``log_entry`` filters to ``console_log_filters``, ``duration`` and
``snapshot_source`` to ``having_predicates``, the ``visited_page`` recording filter to a
``$pageview`` event filter on ``$current_url``, ``comment_text`` to ``comment_text``, any other
property filter to ``properties``. Keys of the format this service does not use are ignored
here (playlists store them as sent). Filters without ``filter_group`` are already parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from recordings.conditions import invalid

FILTER_GROUP = "filter_group"
# Top-level keys of the UI format that are recordings list parameters as they are.
_PASSED_THROUGH = ("date_from", "date_to", "filter_test_accounts", "order", "order_direction")
_MAX_DEPTH = 16


def is_universal_filters(filters: Mapping[str, Any]) -> bool:
    return FILTER_GROUP in filters


def universal_filters_to_params(filters: Mapping[str, Any], *, param: str = "filters") -> dict[str, Any]:
    """The recordings list parameters of UI-format ``filters``; 400 naming ``param`` when malformed.
    Filters without ``filter_group`` are returned as they are."""
    if not is_universal_filters(filters):
        return dict(filters)
    group = filters[FILTER_GROUP]
    if not isinstance(group, dict):
        raise invalid(param, '\'filter_group\' must be an object like {"type": "AND", "values": [...]}.')
    params: dict[str, Any] = {key: filters[key] for key in _PASSED_THROUGH if key in filters}
    params["operand"] = group.get("type") or "AND"
    duration = filters.get("duration") or []
    if not isinstance(duration, list):
        raise invalid(param, "'duration' must be a list of recording property filters.")
    buckets: dict[str, list[Any]] = {"having_predicates": list(duration)}
    for leaf in _leaves(group, param=param, depth=0):
        _place(leaf, buckets, params)
    params.update({name: values for name, values in buckets.items() if values})
    return params


def _leaves(group: dict[str, Any], *, param: str, depth: int) -> Iterator[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        raise invalid(param, f"'filter_group' must not nest deeper than {_MAX_DEPTH} groups.")
    values = group.get("values", [])
    if not isinstance(values, list):
        raise invalid(param, "'filter_group.values' must be a list.")
    for value in values:
        if not isinstance(value, dict):
            raise invalid(param, "Each entry of a filter group must be a filter or a group (an object).")
        if (
            isinstance(value.get("values"), list)
            and "key" not in value
            and value.get("type") in ("AND", "OR")
        ):
            yield from _leaves(value, param=param, depth=depth + 1)
        else:
            yield value


def _place(leaf: dict[str, Any], buckets: dict[str, list[Any]], params: dict[str, Any]) -> None:
    kind, key = leaf.get("type"), leaf.get("key")
    if kind in ("events", "actions"):
        buckets.setdefault(str(kind), []).append(leaf)
    elif kind == "log_entry":
        buckets.setdefault("console_log_filters", []).append(leaf)
    elif kind == "recording" and key == "visited_page":
        page = {
            "type": "event",
            "key": "$current_url",
            "operator": leaf.get("operator"),
            "value": leaf.get("value"),
        }
        buckets.setdefault("events", []).append({"id": "$pageview", "type": "events", "properties": [page]})
    elif kind == "recording" and key in ("duration", "snapshot_source"):
        buckets["having_predicates"].append(leaf)
    elif kind == "recording" and key == "comment_text":
        params["comment_text"] = leaf
    else:
        buckets.setdefault("properties", []).append(leaf)
