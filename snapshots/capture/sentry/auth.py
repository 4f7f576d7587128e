"""Which client key an envelope authenticates with (reference §1.3, Relay's rules).

Accepted forms: ``X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7, …``; ``Authorization:
Sentry …`` (same format); ``Authorization: Basic base64(public_key:…)``; ``sentry_key`` (and
``sentry_version``) in the query string, as the browser SDK sends them; and, on the envelope
endpoint, the envelope header's ``dsn`` (SDKs behind a ``tunnel``). More than one of the request
forms is an error (401 "multiple authorization payloads detected"); the envelope's DSN must agree
with the request's key when both are present. Failures raise ``AuthInvalid`` with Relay's status:
401 for missing, multiple or unparsable auth, 400 for a malformed public key, an unsupported
protocol version or a DSN naming another project.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

PUBLIC_KEY = re.compile(r"^[0-9a-f]{32}$")
MAX_PROTOCOL_VERSION = 8  # Relay handles protocol versions up to 8; the browser SDK sends 7


class AuthInvalid(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SentryAuth:
    public_key: str
    version: int | None = None
    client: str = ""


def _version(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        version = int(value)
    except ValueError:
        raise AuthInvalid(400, f"unsupported protocol version ({value})") from None
    if version > MAX_PROTOCOL_VERSION or version < 1:
        raise AuthInvalid(400, f"unsupported protocol version ({version})")
    return version


def _checked_key(value: str | None) -> str:
    if not value:
        raise AuthInvalid(401, "missing authorization information")
    key = value.strip().lower()
    if not PUBLIC_KEY.match(key):
        raise AuthInvalid(400, "bad sentry DSN public key")
    return key


def _pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        pairs[name.strip().lower()] = value.strip().strip('"')
    return pairs


def _sentry_header(value: str) -> SentryAuth:
    if value[:7].lower() != "sentry ":
        raise AuthInvalid(401, "bad x-sentry-auth header")
    pairs = _pairs(value[7:])
    if "sentry_key" not in pairs:
        raise AuthInvalid(401, "bad x-sentry-auth header")
    return SentryAuth(
        _checked_key(pairs["sentry_key"]),
        _version(pairs.get("sentry_version")),
        pairs.get("sentry_client", ""),
    )


def _basic(value: str) -> SentryAuth:
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthInvalid(401, "bad authorization header") from None
    return SentryAuth(_checked_key(decoded.split(":", 1)[0]))


def request_auth(*, headers: Mapping[str, str], query: Mapping[str, str]) -> SentryAuth | None:
    """The key the request's headers or query carry; None when they carry none."""
    found: list[SentryAuth] = []
    if headers.get("X-Sentry-Auth"):
        found.append(_sentry_header(headers["X-Sentry-Auth"]))
    authorization = headers.get("Authorization") or ""
    if authorization[:7].lower() == "sentry ":
        found.append(_sentry_header(authorization))
    elif authorization[:6].lower() == "basic ":
        found.append(_basic(authorization))
    if query.get("sentry_key"):
        found.append(
            SentryAuth(
                _checked_key(query["sentry_key"]),
                _version(query.get("sentry_version")),
                query.get("sentry_client", ""),
            )
        )
    if len(found) > 1:
        raise AuthInvalid(401, "multiple authorization payloads detected")
    return found[0] if found else None


def dsn_auth(dsn: object, *, project_id: int) -> SentryAuth:
    """The key of an envelope header's ``dsn``; its project must be the URL's."""
    if not isinstance(dsn, str):
        raise AuthInvalid(401, "bad envelope authentication header")
    parts = urlsplit(dsn.strip())
    if parts.scheme not in ("http", "https") or not parts.username:
        raise AuthInvalid(401, "bad envelope authentication header")
    last_segment = parts.path.rstrip("/").rsplit("/", 1)[-1]
    digits = re.match(r"^\d+", last_segment)
    if digits is None or int(digits.group()) != project_id:
        raise AuthInvalid(400, "the envelope's DSN names another project")
    return SentryAuth(_checked_key(parts.username))


def auth_resolve(request_side: SentryAuth | None, envelope_dsn: object, *, project_id: int) -> SentryAuth:
    """The one key of the request (see the module docstring)."""
    envelope_side = dsn_auth(envelope_dsn, project_id=project_id) if envelope_dsn is not None else None
    if request_side and envelope_side and request_side.public_key != envelope_side.public_key:
        raise AuthInvalid(401, "the envelope's DSN and the request name different keys")
    auth = request_side or envelope_side
    if auth is None:
        raise AuthInvalid(401, "missing authorization information")
    return auth
