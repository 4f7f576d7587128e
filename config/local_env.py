"""Writes the checkout's local ``.env`` once: ``python -m config.local_env [PATH]``.

``make run`` calls it before anything else. The file holds ``DEBUG=1`` and a freshly generated
``SECRET_KEY``; settings read it (without overriding variables already set in the environment),
so every ``manage.py`` command works in a development checkout without typing ``DEBUG=1``. An
existing file is never rewritten: the key, and the sessions it signs, survive restarts. The file
is git-ignored; production sets real environment variables instead (see ``.env.example``).

Runs without Django (settings cannot load before the file exists).
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

TEMPLATE = """\
# Local development settings, written once by `make run` (git-ignored; never used in production).
# Read by config/settings.py; variables already set in the environment win.
DEBUG=1
SECRET_KEY={secret_key}
"""


def local_env_write(path: Path) -> bool:
    """Create ``path`` with DEBUG=1 and a new SECRET_KEY unless it exists; True when written."""
    if path.exists():
        return False
    path.write_text(TEMPLATE.format(secret_key=secrets.token_urlsafe(50)))
    path.chmod(0o600)
    return True


def main(argv: list[str]) -> None:
    path = Path(argv[1]) if len(argv) > 1 else BASE_DIR / ".env"
    if local_env_write(path):
        print(f"wrote {path} (DEBUG=1 and a generated SECRET_KEY)")


if __name__ == "__main__":
    main(sys.argv)
