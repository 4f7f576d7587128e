"""Public (non-API) routes of the snapshots app: what posthog-js calls on its ``api_host``.

Trailing slashes are optional and any query string is accepted (SDK versions differ).
"""

from django.urls import URLPattern, re_path

from snapshots import recorder_scripts, remote_config
from snapshots.capture import views as capture_views

urlpatterns: list[URLPattern] = [
    re_path(r"^s/?$", capture_views.capture, name="capture_snapshots"),
    re_path(r"^e/?$", capture_views.capture, name="capture_events"),
    re_path(r"^i/v0/e/?$", capture_views.capture, name="capture_events_v0"),
    re_path(r"^batch/?$", capture_views.capture, name="capture_batch"),
    re_path(r"^capture/?$", capture_views.capture, name="capture_capture"),
    re_path(r"^track/?$", capture_views.capture, name="capture_track"),
    re_path(r"^array/(?P<token>[^/]+)/config$", remote_config.config_json, name="remote_config"),
    re_path(r"^array/(?P<token>[^/]+)/config\.js$", remote_config.config_js, name="remote_config_js"),
    re_path(r"^flags/?$", remote_config.flags, name="flags"),
    re_path(r"^decide/?$", remote_config.flags, name="decide"),
    re_path(
        r"^static/(?P<version>[0-9][0-9A-Za-z.+-]*)/(?P<name>[^/]+)$",
        recorder_scripts.versioned_script,
        name="recorder_script_versioned",
    ),
    re_path(r"^static/(?P<name>[^/]+)$", recorder_scripts.script, name="recorder_script"),
    # Anything else under /static/ (nested or encoded paths) is a JSON 404, never a file.
    re_path(r"^static/.*$", recorder_scripts.not_found, name="recorder_script_unknown"),
]
