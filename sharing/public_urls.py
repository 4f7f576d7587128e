"""Public (non-API) URLs of sharing, mounted at the site root."""

from django.urls import URLPattern, path, re_path

from sharing.assets import replay_asset
from sharing.pages import embedded_recording_page, shared_recording_page, staff_recording_page

# Tokens are URL-safe base64 (no dots), so a trailing ".json" is the format suffix. Anything
# else after /shared/ reaches the view, which answers unknown tokens with the 404 page.
_TOKEN = r"(?P<token>[^/]{1,400}?)(?P<extension>\.json)?/?"

urlpatterns: list[URLPattern] = [
    path("sharing-assets/<str:version>/<str:name>", replay_asset, name="sharing_asset"),
    re_path(rf"^shared/{_TOKEN}$", shared_recording_page, name="shared_recording"),
    re_path(rf"^embedded/{_TOKEN}$", embedded_recording_page, name="embedded_recording"),
    # Staff only (the recordings admin's Watch link): the same player through the admin session.
    re_path(
        r"^watch/(?P<environment_id>[0-9]{1,18})/(?P<session_id>[^/]{1,200})/?$",
        staff_recording_page,
        name="staff_recording_watch",
    ),
]
