"""Public (non-API) URLs of sharing, mounted at the site root."""

from django.urls import URLPattern, path, re_path

from sharing.assets import replay_asset
from sharing.pages import embedded_recording_page, shared_recording_page

# Tokens are URL-safe base64 (no dots), so ".json" can only be the format suffix.
_TOKEN = r"(?P<token>[A-Za-z0-9_-]{1,400})(?P<extension>\.json)?/?"

urlpatterns: list[URLPattern] = [
    path("sharing-assets/<str:version>/<str:name>", replay_asset, name="sharing_asset"),
    re_path(rf"^shared/{_TOKEN}$", shared_recording_page, name="shared_recording"),
    re_path(rf"^embedded/{_TOKEN}$", embedded_recording_page, name="embedded_recording"),
]
