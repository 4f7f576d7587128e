"""Scripts and styles of the public replay page, served by the app itself (no CDN).

Only the files listed in ``ASSETS`` are served: rrweb-player's UMD build and stylesheet from
the pinned npm package (``NODE_MODULES_DIR``; installed by ``npm ci``) and this app's own page
script and stylesheet. Serving them here keeps the page working in every deployment mode
(runserver, gunicorn with or without collected static files). The URL carries the asset
version, so the long cache lifetime is safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

_APP_STATIC = Path(__file__).resolve().parent / "static" / "sharing"
_OWN_ASSETS = ("replay.js", "replay-data.js", "replay-controls.js", "replay.css")
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _rrweb_player_dist() -> Path:
    return Path(settings.NODE_MODULES_DIR) / "rrweb-player" / "dist"


def _asset_paths() -> dict[str, Path]:
    return {
        "rrweb-player.js": _rrweb_player_dist() / "rrweb-player.umd.cjs",
        "rrweb-player.css": _rrweb_player_dist() / "style.css",
        **{name: _APP_STATIC / name for name in _OWN_ASSETS},
    }


def asset_version() -> str:
    """rrweb-player's installed version plus a digest of our files (cache busting per change).

    Recomputed per call (a few KB read): an edited ``replay.js`` gets a new URL at once.
    """
    package = Path(settings.NODE_MODULES_DIR) / "rrweb-player" / "package.json"
    try:
        player_version = str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        logger.warning("rrweb_player_missing", extra={"path": str(package)})
        player_version = "missing"
    digest = hashlib.sha256()
    for name in _OWN_ASSETS:
        digest.update((_APP_STATIC / name).read_bytes())
    return f"{player_version}-{digest.hexdigest()[:12]}"


@require_safe
def replay_asset(request: HttpRequest, version: str, name: str) -> FileResponse:
    path = _asset_paths().get(name)
    if path is None or not path.is_file():
        raise Http404("No such asset.")
    content_type = _CONTENT_TYPES.get(path.suffix, _CONTENT_TYPES[".js"])  # ".cjs" is JavaScript too
    response = FileResponse(path.open("rb"), content_type=content_type)
    immutable = version == asset_version()
    response["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    # Embedded pages load these cross-site in an iframe context; they hold nothing secret.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
