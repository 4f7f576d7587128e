"""Sentry-face attributes from what an SDK says about the client: User-Agent, posthog-js properties.

- ``user_agent_attributes``: browser, OS and device from a User-Agent with uap-core's rules (the
  ``ua-parser`` library, the rules Sentry's Relay uses), cached per process. A headless Chrome
  ("HeadlessChrome") is Chrome; "Other" (uap's unknown) is left empty.
- ``posthog_properties_apply``: for posthog-js recordings, from their first event's properties
  (``$browser``, ``$browser_version``, ``$os``, ``$os_version``, ``$device`` → device name,
  ``$device_type`` → device family, ``$app_version`` → the release), where empty.
- ``posthog_block_apply``: the SDK (``$lib``/``$lib_version``), platform and replay type of a
  posthog-js block, and its URLs appended to ``visited_urls``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ua_parser import parse as ua_parse

from recordings.models import SessionRecording
from recordings.services.records import SessionBlock

MAX_VISITED_URLS = 1000
_BROWSER_ALIASES = {"HeadlessChrome": "Chrome"}


@dataclass(frozen=True)
class ClientAttributes:
    browser_name: str = ""
    browser_version: str = ""
    os_name: str = ""
    os_version: str = ""
    device_name: str = ""
    device_brand: str = ""
    device_model: str = ""
    device_family: str = ""


def _version(*parts: str | None) -> str:
    kept = []
    for part in parts:
        if part is None:
            break
        kept.append(part)
    return ".".join(kept)[:64]


def _known(value: str | None) -> str:
    return "" if not value or value == "Other" else value[:64]


@functools.lru_cache(maxsize=4096)
def user_agent_attributes(user_agent: str) -> ClientAttributes:
    if not user_agent:
        return ClientAttributes()
    result = ua_parse(user_agent)
    agent, os, device = result.user_agent, result.os, result.device
    return ClientAttributes(
        browser_name=_known(_BROWSER_ALIASES.get(agent.family, agent.family)) if agent else "",
        browser_version=_version(agent.major, agent.minor, agent.patch) if agent else "",
        os_name=_known(os.family) if os else "",
        os_version=_version(os.major, os.minor, os.patch) if os else "",
        device_name=_known(device.family) if device else "",
        device_brand=_known(device.brand) if device else "",
        device_model=_known(device.model) if device else "",
        device_family=_known(device.family) if device else "",
    )


def _text(properties: dict[str, Any], key: str) -> str:
    value = properties.get(key)
    return str(value)[:64] if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


_PROPERTY_COLUMNS = {
    "browser_name": "$browser",
    "browser_version": "$browser_version",
    "os_name": "$os",
    "os_version": "$os_version",
    "device_name": "$device",
    "device_family": "$device_type",
}


def posthog_properties_apply(recording: SessionRecording) -> None:
    properties = recording.first_event_properties
    if not isinstance(properties, dict):
        return
    for column, key in _PROPERTY_COLUMNS.items():
        if not getattr(recording, column):
            setattr(recording, column, _text(properties, key))
    release = _text(properties, "$app_version")
    if release and release not in (recording.releases or []):
        recording.releases = [*(recording.releases or []), release]


def posthog_block_apply(recording: SessionRecording, block: SessionBlock) -> None:
    if not recording.sdk_name and block.snapshot_library:
        recording.sdk_name = "posthog-js" if block.snapshot_library == "web" else block.snapshot_library[:128]
        recording.sdk_version = (block.snapshot_library_version or "")[:64]
    recording.platform = recording.platform or ("javascript" if block.snapshot_source == "web" else "other")
    recording.replay_type = recording.replay_type or "session"
    recording.segment_count += 1
    visited = list(recording.visited_urls or [])
    for url in block.metadata.urls:
        if url not in visited and len(visited) < MAX_VISITED_URLS:
            visited.append(url)
    recording.visited_urls = visited
    recording.url_count = len(visited)


POSTHOG_BLOCK_FIELDS: tuple[str, ...] = ("sdk_name", "sdk_version", "platform", "replay_type")
POSTHOG_BLOCK_FIELDS += ("segment_count", "visited_urls", "url_count")
POSTHOG_PROPERTY_FIELDS = (*_PROPERTY_COLUMNS, "releases")
