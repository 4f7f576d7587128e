"""orjson-backed JSON renderer and parser, the API's defaults."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Mapping
from typing import IO, Any

import orjson
from django.utils.functional import Promise
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID | bytes):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_INT64 = 2**63


def _big_ints_as_floats(value: Any) -> Any:
    """``value`` with integers beyond 64 bits as floats, the same JSON numbers: PostgreSQL's JSONB
    writes a stored ``1e20`` back as ``100000000000000000000``, which orjson refuses."""
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < 2**64:
        try:
            return float(value)
        except OverflowError:  # beyond any double: the digits, as text
            return str(value)
    if isinstance(value, Mapping):
        return {key: _big_ints_as_floats(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_big_ints_as_floats(item) for item in value]
    return value


def json_dumps(data: Any, *, indent: bool = False) -> bytes:
    option = _OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
    try:
        return orjson.dumps(data, default=_default, option=option)
    except orjson.JSONEncodeError as error:
        if "64-bit" not in str(error):
            raise
        return orjson.dumps(_big_ints_as_floats(data), default=_default, option=option)


def _indent_requested(accepted_media_type: str | None, renderer_context: Any) -> bool:
    """``Accept: application/json; indent=N`` or the browsable API's ``indent`` context, N > 0."""
    if accepted_media_type:
        for parameter in accepted_media_type.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "indent":
                try:
                    return int(value.strip()) > 0
                except ValueError:
                    return False
    indent = (renderer_context or {}).get("indent")
    return isinstance(indent, int) and indent > 0


class OrjsonRenderer(BaseRenderer):
    """JSON through orjson. Compact by default; indented when the client asks for it
    (``Accept: application/json; indent=4``) and in the browsable API. orjson indents by two
    spaces whatever N is."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        return json_dumps(data, indent=_indent_requested(accepted_media_type, renderer_context))


# ``name=value`` pairs joined by ``&``: what ``curl -d name=value`` sends, whatever the header says.
_FORM_ENCODED = re.compile(rb"[A-Za-z0-9_.\-\[\]%]+=[^&]*(&[A-Za-z0-9_.\-\[\]%]+=[^&]*)*")
FORM_UNDER_JSON_HEADER = (
    "The body is form-encoded ({field}=…) but its Content-Type is application/json. Send JSON, e.g. "
    """-d '{{"{field}": "…"}}', or send the form with Content-Type: application/x-www-form-urlencoded."""
)


class OrjsonParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Any = None) -> Any:
        """The JSON body (``{}`` when empty); 400 otherwise, saying so when it is a form body
        sent under a JSON header (as the published ``curl -H 'Content-Type: application/json'
        -d name="string"`` examples do)."""
        body = stream.read() if stream is not None else b""
        if not body:
            return {}
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            if _FORM_ENCODED.fullmatch(body.strip()):
                field = body.split(b"=", 1)[0].decode("ascii", "replace")
                raise ParseError(FORM_UNDER_JSON_HEADER.format(field=field)) from None
            raise ParseError(f"JSON parse error - {error}") from None
