"""What a click row keeps of an element, with Sentry's limits (reference §4.5), for both SDKs.

From a tag name, an attribute mapping (rrweb's serialized attributes, or the Sentry SDK's click
breadcrumb ``node.attributes``, where ``data-testid``/``data-test-id`` became ``testId``) and
the element's text: tag ≤ 32, id ≤ 64, at most 10 classes, text ≤ 1024, role ≤ 32, alt, testid,
aria-label, title and component name (``data-sentry-component``, else
``data-sentry-element``) ≤ 64. Everything is made storable (no NUL, no lone surrogates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recordings.services.records import ElementAttributes
from snapshots.capture.sanitize import storable_text

MAX_CLASSES = 10
_TESTID_KEYS = ("testId", "data-testid", "data-test-id")
_COMPONENT_KEYS = ("data-sentry-component", "data-sentry-element")


def cut(value: Any, limit: int) -> str:
    """``value`` as storable text of at most ``limit`` characters ("" for non-strings)."""
    if isinstance(value, str):
        return storable_text(value[:limit]) if value else ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)[:limit]
    return ""


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value
    return None


# Every attribute a field reads besides ``class``: an element with none of them (most of a DOM)
# has all those fields empty, without looking each one up.
_FIELD_KEYS = frozenset({"id", "role", "alt", "aria-label", "title", *_TESTID_KEYS, *_COMPONENT_KEYS})


def _classes(classes: Any) -> list[str]:
    if not isinstance(classes, str):
        return []
    names = classes.split()[:MAX_CLASSES]
    if classes.isascii() and "\x00" not in classes:  # storable as it is (``cut`` would keep it)
        return [name[:64] for name in names]
    return [storable_text(name[:64]) for name in names]


def element_attributes(*, tag: Any, attributes: Mapping[str, Any], text: Any) -> ElementAttributes:
    tag = cut(tag.lower() if isinstance(tag, str) else tag, 32)
    classes = _classes(attributes.get("class"))
    text = cut(text.strip() if isinstance(text, str) else text, 1024)
    if _FIELD_KEYS.isdisjoint(attributes):
        return ElementAttributes(tag=tag, classes=classes, text=text)
    return ElementAttributes(
        tag=tag,
        element_id=cut(attributes.get("id"), 64),
        classes=classes,
        text=text,
        role=cut(attributes.get("role"), 32),
        alt=cut(attributes.get("alt"), 64),
        testid=cut(_first(attributes, _TESTID_KEYS), 64),
        aria_label=cut(attributes.get("aria-label"), 64),
        title=cut(attributes.get("title"), 64),
        component_name=cut(_first(attributes, _COMPONENT_KEYS), 64),
    )
