"""Registry entries of the Sentry face's text and id-list attributes, and of click terms.

Declared here to keep ``registry`` readable; ``registry.RECORDING_FIELDS`` lists them. Imports
nothing from ``registry`` (the entries are plain ``RecordingField`` values of
``declarations``, which ``registry`` uses too), so there is no cycle.

- Sentry's other sort keys: ``finished_at``, ``project_id`` (and their camelCase forms); its
  ``id`` search term (kind id);
- text: the SDK-reported columns (``browser.name``, ``user.email``, ``environment`` — the SDK's
  string —, …), searchable and orderable on the Sentry face;
- strings: ``urls`` (every visited URL, in order), ``releases``, ``trace_ids``, ``error_ids``,
  ``warning_ids``, ``info_ids``;
- click: ``click.tag``, ``click.id``, ``click.class``, ``click.textContent``, ``click.role``,
  ``click.alt``, ``click.testid``, ``click.label`` (aria-label), ``click.title``,
  ``click.component_name``; selector: ``click.selector``, ``dead.selector``, ``rage.selector``.
  Click terms are search terms of both faces.
"""

from __future__ import annotations

from recordings.metrics.declarations import Face, FaceNames, RecordingField, column, names


def _text(name: str, sentry: FaceNames, *, orders: bool = True) -> RecordingField:
    return RecordingField(name, "text", column(name), orders=orders, filters=False, faces={"sentry": sentry})


def _strings(name: str, sentry: FaceNames) -> RecordingField:
    return RecordingField(name, "strings", lambda context: name, faces={"sentry": sentry})


def _both(*search: str) -> dict[Face, FaceNames]:
    return {"posthog": names(None, search=search), "sentry": names(None, search=search)}


def _click(attribute: str, term: str) -> RecordingField:
    return RecordingField(f"click_{attribute}", "click", lambda context: attribute, faces=_both(term))


def _selector(prefix: str, flags: dict[str, bool]) -> RecordingField:
    return RecordingField(
        f"{prefix}_selector", "selector", lambda context: flags, faces=_both(f"{prefix}.selector")
    )


# Sentry's sort keys that are neither metrics nor search terms (``project_id`` and the time range
# have their own parameters), and its replay id, which any UUID form of it finds.
SENTRY_ORDER_FIELDS: tuple[RecordingField, ...] = (
    RecordingField(
        "end_time",
        "timestamp",
        column("end_time"),
        orders=True,
        searches=False,
        faces={"sentry": names(None, "finished_at", "finishedAt")},
    ),
    RecordingField(
        "environment_id",
        "count",
        column("environment_id"),
        orders=True,
        searches=False,
        faces={"sentry": names(None, "project_id", "projectId")},
    ),
    RecordingField("replay_id", "id", column("session_id"), faces={"sentry": names(None, search=("id",))}),
)

SENTRY_TEXT_FIELDS: tuple[RecordingField, ...] = (
    _text("browser_name", names(None, "browser.name", "browser")),
    _text("browser_version", names(None, "browser.version")),
    _text("os_name", names(None, "os.name", "os_name", "os")),
    _text("os_version", names(None, "os.version")),
    _text("device_name", names(None, "device.name", search=("device",))),
    _text("device_brand", names(None, "device.brand")),
    _text("device_model", names(None, "device.model", search=("device.model_id",))),
    _text("device_family", names(None, "device.family")),
    _text("sdk_name", names(None, "sdk.name", search=("sdk",))),
    _text("sdk_version", names(None, "sdk.version")),
    _text("platform", names(None, "platform")),
    _text("dist", names(None, "dist")),
    _text("replay_type", names(None, "replay_type"), orders=False),
    _text("sdk_environment", names(None, "environment"), orders=False),
    _text("app_user_id", names(None, "user.id")),
    _text("app_user_email", names(None, "user.email")),
    _text("app_user_username", names(None, "user.username", search=("user",))),
    _text("app_user_ip", names(None, "user.ip_address", search=("user.ip",)), orders=False),
    _strings("visited_urls", names(None, "urls", search=("url",))),
    _strings("releases", names(None, "releases", search=("release",))),
    _strings("trace_ids", names(None, "trace_ids", search=("trace_id", "trace"))),
    _strings("error_ids", names(None, "error_ids", search=("error_id",))),
    _strings("warning_ids", names(None, "warning_ids", search=("warning_id",))),
    _strings("info_ids", names(None, "info_ids", search=("info_id",))),
)

CLICK_FIELDS: tuple[RecordingField, ...] = (
    _click("tag", "click.tag"),
    _click("element_id", "click.id"),
    _click("classes", "click.class"),
    _click("text", "click.textContent"),
    _click("role", "click.role"),
    _click("alt", "click.alt"),
    _click("testid", "click.testid"),
    _click("aria_label", "click.label"),
    _click("title", "click.title"),
    _click("component_name", "click.component_name"),
    _selector("click", {}),
    _selector("dead", {"is_dead": True}),
    _selector("rage", {"is_rage": True}),
)
