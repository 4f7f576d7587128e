"""Whether a value from a URL or a body can be looked up in a text column at all."""

from __future__ import annotations


def lookup_value_is_storable(value: str, *, max_length: int) -> bool:
    """False for values no row can hold: empty, longer than the column, with a NUL character
    (PostgreSQL refuses it even in a query) or a lone surrogate (no driver encodes it). Such a
    value matches nothing, so callers answer 404 without querying."""
    if not 0 < len(value) <= max_length or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
