"""Element property filters (``{"type": "element", "key": "selector"|"tag_name"|"text"|"href"}``)
over the ``$elements_chain`` of autocapture events.

posthog-js sends the clicked element and its ancestors as one string (this service's remote
config asks for it, ``elementsChainAsString``), innermost first, elements joined by ``;``::

    button.btn.primary:attr__class="btn primary"nth-child="1"nth-of-type="1"text="Buy";div:…

(tag, sorted classes, then ``key="value"`` attributes sorted by key, ``"`` in values escaped as
``\\"``). Filters compile to regular expressions over that string, so they run in the database:

- ``selector``: a CSS selector of tags, ``*``, ``.class``, ``#id``, ``[attr]``, ``[attr=value]``
  and the descendant (space) and child (``>``) combinators; it matches when some element of the
  chain matches its last part and the ancestors match the rest (PostHog's semantics). Other
  selectors (``+``, ``~``, ``,``, pseudo-classes) are a 400.
- ``tag_name``: some element of the chain has that tag.
- ``text`` / ``href``: some element's text / link, with the usual text operators (a ``regex``
  is searched within the value; a leading ``^`` and a trailing ``$`` anchor it to the value).

Negative operators mean "no element of the event matches", and for recordings "no event of the
session matches", as PostHog does. Events carrying only the legacy ``$elements`` array (very old
SDKs) have no chain and match no element filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.db.models.lookups import IRegex, IsNull, Regex

from recordings.conditions import invalid, json_text, value_as_text, values_list
from recordings.models import SessionEvent

ELEMENT_KEYS = ("selector", "tag_name", "text", "href")
CHAIN_PROPERTY = "$elements_chain"
_NEGATIVE = {"is_not": "exact", "not_icontains": "icontains", "not_regex": "regex", "is_not_set": "is_set"}
_TEXT_OPERATORS = ("exact", "icontains", "regex", "is_set")
_ATTRIBUTE = re.compile(r"\[\s*([\w-]+)\s*(?:=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\]\s]+)))?\s*\]")
_COMPOUND = re.compile(r"(?P<tag>[A-Za-z][\w-]*|\*)?(?P<rest>(?:\.[\w-]+|#[\w-]+|\[[^\]]*\])*)")
_SEGMENT_TAIL = r"[^;]*"
# The selectors this service reads, as the document's ``pattern`` and the parser's last check:
# compounds of a tag (or ``*``), ``.class``, ``#id`` and ``[attr]`` / ``[attr=value]`` (the value
# bare (``_BARE_VALUE``), or quoted without a ``]``), joined by spaces or ``>``; ASCII names.
_NAME = "[A-Za-z0-9_-]+"
# A bare attribute value: printable ASCII of URLs and names (no class such as ``\\s``, which
# regex flavours read differently).
_BARE_VALUE = "[A-Za-z0-9_.:/?#&=%+@!$*,;~-]+"
_ATTRIBUTE_PART = f"\\[ *{_NAME} *(?:= *(?:\"[^\"\\]]*\"|'[^'\\]]*'|{_BARE_VALUE}))? *\\]"
_SIMPLE = f"(?:\\.{_NAME}|#{_NAME}|{_ATTRIBUTE_PART})"
_COMPOUND_PART = f"(?:(?:[A-Za-z][A-Za-z0-9_-]*|\\*){_SIMPLE}*|{_SIMPLE}+)"
SELECTOR_PATTERN = f"^ *{_COMPOUND_PART}(?: *> *{_COMPOUND_PART}| +{_COMPOUND_PART})* *$"
# A quoted value in the chain: any character but a quote, or an escaped one.
_VALUE_CHAR = r'(?:[^"\\]|\\.)'


@dataclass(frozen=True)
class Compound:
    tag: str | None
    classes: tuple[str, ...]
    attributes: tuple[tuple[str, str | None], ...]  # (chain attribute, value or None = present)


def _chain_value(value: str) -> str:
    """A value as the chain stores it (quotes escaped), as a regex literal."""
    return re.escape(value.replace('"', '\\"'))


def _attribute(name: str, value: str | None) -> tuple[str, str | None]:
    return (name if name in ("href", "text") else f"attr__{name}", value)


def _compound_parse(text: str, *, param: str) -> Compound:
    match = _COMPOUND.fullmatch(text)
    if match is None or not text:
        raise invalid(param, f"Unsupported CSS selector part {text!r}: use tags, .class, #id, [attr=value].")
    tag = match.group("tag")
    classes, attributes = [], []
    for part in re.findall(r"\.[\w-]+|#[\w-]+|\[[^\]]*\]", match.group("rest")):
        if part.startswith("."):
            classes.append(part[1:])
        elif part.startswith("#"):
            attributes.append(("attr__id", part[1:]))
        else:
            attribute = _ATTRIBUTE.fullmatch(part)
            if attribute is None:
                raise invalid(param, f"Unsupported attribute selector {part!r}.")
            name, *values = attribute.groups()
            value = next((item for item in values if item is not None), None)
            attributes.append(_attribute(name, value))
    return Compound(None if tag in (None, "*") else tag.lower(), tuple(classes), tuple(attributes))


def _selector_split(selector: str, *, param: str) -> list[tuple[str, str]]:
    """``[(combinator, compound text), …]`` left to right; the first combinator is unused."""
    parts: list[tuple[str, str]] = []
    current, combinator, depth, quote = "", " ", 0, ""
    for char in selector.strip():
        if quote or (char in "\"'" and depth):
            quote = "" if char == quote else (quote or char)
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and (char.isspace() or char in ">+~,"):
            if char in "+~,":
                raise invalid(
                    param, f"The selector combinator {char!r} is not supported (use spaces and '>')."
                )
            if current:
                parts.append((combinator, current))
                current, combinator = "", " "
            combinator = ">" if char == ">" else combinator
            continue
        current += char
    if current:
        parts.append((combinator, current))
    if not parts or depth or quote:
        raise invalid(param, f"Invalid CSS selector {selector!r}.")
    return parts


def _segment(compound: Compound) -> str:
    """A regex matching one element of the chain, from its first character to before its ``;``."""
    checks = [rf"(?=[^:;]*\.{re.escape(name)}(?:[.:;]|$))" for name in compound.classes]
    for name, value in compound.attributes:
        literal = "" if value is None else _chain_value(value) + '"'
        checks.append(rf'(?=[^;]*[:"]{re.escape(name)}="{literal})')
    tag = rf"{re.escape(compound.tag)}(?=[.:;]|$)" if compound.tag else ""
    return "".join(checks) + tag + _SEGMENT_TAIL


def selector_regex(selector: str, *, param: str = "properties") -> str:
    """The chain regex of a CSS selector (see the module docstring); 400 when unsupported."""
    parts = [
        (combinator, _compound_parse(text, param=param))
        for combinator, text in _selector_split(selector, param=param)
    ]
    if not re.fullmatch(SELECTOR_PATTERN, selector):  # what the parser reads beyond the grammar
        raise invalid(
            param,
            f"Unsupported CSS selector {selector!r}: use tags, .class, #id, [attr=value] (ASCII names), "
            "joined by spaces or '>'.",
        )
    *ancestors, (_, target) = parts
    pattern = "(?:^|;)" + _segment(target)
    following = parts[-1][0]  # the combinator between the target and its nearest ancestor part
    for combinator, compound in reversed(ancestors):
        gap = ";" if following == ">" else r"(?:;[^;]*)*?;"
        pattern += gap + _segment(compound)
        following = combinator
    return pattern


def _value_regex(value: Any, *, param: str) -> str:
    """A user's regular expression searched within one quoted value: a leading ``^`` / trailing
    ``$`` anchor it to the value's start / end (anchors elsewhere are not supported)."""
    if not isinstance(value, str):
        raise invalid(param, f"A regular expression must be a string, got {value!r}.")
    start = "" if value.startswith("^") else f"{_VALUE_CHAR}*"
    body = value.removeprefix("^")
    end = '"' if body.endswith("$") and not body.endswith("\\$") else ""
    body = body.removesuffix("$") if end else body
    return f"{start}(?:{body}){end}"


def _attribute_regex(name: str, operator: str, value: Any, *, param: str) -> str:
    """A regex finding a ``name="…"`` attribute of some element whose value matches."""
    prefix = rf'(?:^|[:"])(?:attr__)?{name}="' if name == "href" else rf'(?:^|[:"]){name}="'
    if operator == "is_set":
        return prefix
    if operator == "exact":
        return (
            prefix + "(?:" + "|".join(_chain_value(value_as_text(item)) for item in values_list(value)) + ')"'
        )
    if operator == "icontains":
        needles = "|".join(_chain_value(value_as_text(item)) for item in values_list(value))
        return prefix + f"{_VALUE_CHAR}*(?:{needles}){_VALUE_CHAR}*" + '"'
    if operator == "regex":
        return prefix + _value_regex(value, param=param)
    raise invalid(param, f"Operator {operator!r} does not apply to element {name!r}.")


def element_chain_regex(key: str, operator: str, value: Any, *, param: str) -> tuple[str, bool]:
    """``(regex, case_insensitive)`` of a positive element filter on the chain."""
    if key == "selector":
        if operator != "exact":
            raise invalid(param, f"Element selectors take 'exact' or 'is_not', not {operator!r}.")
        return "|".join(
            f"(?:{selector_regex(_string(item, param), param=param)})" for item in values_list(value)
        ), False
    if key == "tag_name":
        if operator != "exact":
            raise invalid(param, f"Element tag names take 'exact' or 'is_not', not {operator!r}.")
        tags = "|".join(re.escape(_string(item, param).lower()) for item in values_list(value))
        return rf"(?:^|;)(?:{tags})(?:[.:;]|$)", False
    if key in ("text", "href"):
        if operator not in _TEXT_OPERATORS:
            raise invalid(param, f"Operator {operator!r} does not apply to element {key!r}.")
        return _attribute_regex(key, operator, value, param=param), operator == "icontains"
    raise invalid(param, f"Unknown element filter {key!r} in '{param}' (use one of {ELEMENT_KEYS}).")


def _string(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid(param, f"Element selectors and tag names are strings, got {value!r}.")
    return value


def _checked(pattern: str, *, param: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise invalid(param, f"Invalid element filter: {error}.") from None
    return pattern


def element_event_condition(key: str, operator: str, value: Any, *, param: str) -> Q:
    """A condition on ``SessionEvent`` rows: the event's chain matches (or, negated, does not)."""
    positive = _NEGATIVE.get(operator, operator)
    pattern, insensitive = element_chain_regex(key, positive, value, param=param)
    chain = json_text("properties", CHAIN_PROPERTY)
    lookup = IRegex if insensitive else Regex
    matched = Q(lookup(chain, _checked(pattern, param=param)))
    return (~matched | Q(IsNull(chain, True))) if operator in _NEGATIVE else matched


def element_property_condition(key: str, operator: str, value: Any, *, param: str) -> Q:
    """A condition on recordings: some event of the session matches (negated: none does)."""
    positive = _NEGATIVE.get(operator, operator)
    events = SessionEvent.objects.filter(
        environment_id=OuterRef("environment_id"), session_id=OuterRef("session_id")
    ).filter(element_event_condition(key, positive, value, param=param))
    return ~Q(Exists(events)) if operator in _NEGATIVE else Q(Exists(events))
