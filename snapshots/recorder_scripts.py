"""The scripts posthog-js lazy-loads from its assets host (``lazy-recorder.js``, ``recorder.js``, …).

Served straight from the npm packages the project installs (``settings.NODE_MODULES_DIR``):
every installed copy of ``posthog-js`` (``posthog-js``, and aliases such as ``posthog-js-1300``)
contributes its ``dist/`` under its own version.

- ``/static/{version}/{name}.js`` — that version's file, or 404 when that version is not
  installed (posthog-js then falls back to the unversioned URL). Cached for a year, immutable.
- ``/static/{name}.js[?v={version}]`` — the file of the ``v`` version when installed, else of the
  pinned ``posthog-js``. Cached for a year when ``v`` matched, an hour otherwise.

Only plain file names directly inside ``dist/`` ending in ``.js`` or ``.js.map`` are served:
anything else (``..``, sub-directories, other extensions, unknown files) is a JSON 404.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from snapshots.capture.responses import json_error, read_only_method_check, with_cors

SCRIPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.js(\.map)?$")
DEFAULT_PACKAGE = "posthog-js"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"


@dataclass(frozen=True)
class ScriptFile:
    path: Path
    version: str


@lru_cache(maxsize=8)
def installed_posthog_dists(node_modules: str) -> dict[str, Path]:
    """``{version: dist dir}`` of every installed posthog-js copy, the pinned one under ``""`` too."""
    dists: dict[str, Path] = {}
    root = Path(node_modules)
    for package_json in sorted(root.glob("posthog-js*/package.json")):
        try:
            manifest = json.loads(package_json.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("name") != "posthog-js" or not isinstance(manifest.get("version"), str):
            continue
        dist = (package_json.parent / "dist").resolve()
        dists.setdefault(manifest["version"], dist)
        if package_json.parent.name == DEFAULT_PACKAGE:
            dists[""] = dist
    return dists


def script_file_find(*, name: str, version: str | None) -> ScriptFile | None:
    """The file to serve for ``name`` of ``version`` (None: the pinned package), or None."""
    if not SCRIPT_NAME.match(name) or ".." in name:
        return None
    dists = installed_posthog_dists(str(settings.NODE_MODULES_DIR))
    dist = dists.get(version if version is not None else "")
    if dist is None:
        return None
    path = (dist / name).resolve()
    if path.parent != dist or not path.is_file():
        return None
    served_version = version or next((v for v, d in dists.items() if d == dist and v), "")
    return ScriptFile(path=path, version=served_version)


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    return json_error(
        request, status=404, type_="invalid_request", code="not_found", detail="No such script."
    )


def _serve(request: HttpRequest, script: ScriptFile, *, cache_control: str) -> HttpResponseBase:
    stat = script.path.stat()
    etag = f'"{script.version}-{stat.st_size}-{stat.st_mtime_ns}"'
    response: HttpResponse | FileResponse
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        content_type = "application/json" if script.path.suffix == ".map" else "application/javascript"
        response = FileResponse(script.path.open("rb"), content_type=f"{content_type}; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return with_cors(request, response)


@csrf_exempt
def versioned_script(request: HttpRequest, version: str, name: str) -> HttpResponseBase:
    early = read_only_method_check(request)
    if early is not None:
        return early
    script = script_file_find(name=name, version=version)
    if script is None:
        return not_found(request)
    return _serve(request, script, cache_control=IMMUTABLE_CACHE)


@csrf_exempt
def script(request: HttpRequest, name: str) -> HttpResponseBase:
    early = read_only_method_check(request)
    if early is not None:
        return early
    requested = request.GET.get("v")
    found = script_file_find(name=name, version=requested) if requested else None
    if found is not None:
        return _serve(request, found, cache_control=IMMUTABLE_CACHE)
    fallback = script_file_find(name=name, version=None)
    if fallback is None:
        return not_found(request)
    return _serve(request, fallback, cache_control=SHORT_CACHE)
