"""Credentials never leave the request: not into links the API returns, not into any log line.

What counts as a credential: personal API keys (``phx_…``, wherever they appear, and the
``personal_api_key`` parameter) and sharing tokens (the ``sharing_access_token`` parameter and
the token in ``/shared/…`` and ``/embedded/…`` paths). Project tokens (``phc_…``) are not
redacted: they are public by design (every page running posthog-js carries its own), they only
allow sending data, and operators need them in logs to tell which project a capture was for.

``RedactingFormatter`` is the formatter of every handler (``LOGGING``): it redacts the whole
formatted line, message, arguments and traceback alike, for the app's own loggers, Django's,
and gunicorn's access and error logs.
"""

from __future__ import annotations

import logging
import re

from rest_framework.utils.urls import remove_query_param

CREDENTIAL_QUERY_PARAMETERS = ("personal_api_key", "sharing_access_token")
REDACTED = "[redacted]"

_PATTERNS = (
    (re.compile(r"phx_[0-9A-Za-z]+"), f"phx_{REDACTED}"),
    (
        re.compile(r"(?P<name>(?:personal_api_key|sharing_access_token)(?:=|%3D))[^&\s\"';]+", re.IGNORECASE),
        rf"\g<name>{REDACTED}",
    ),
    (re.compile(r"(?P<page>/(?:shared|embedded)/)[A-Za-z0-9_\-]{8,}"), rf"\g<page>{REDACTED}"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def url_without_credentials(url: str) -> str:
    """``url`` minus every credential query parameter (links the API hands back)."""
    for name in CREDENTIAL_QUERY_PARAMETERS:
        url = remove_query_param(url, name)
    return url


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
