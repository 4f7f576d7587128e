"""``python -m config.deploy_check``: ``manage.py check --deploy`` with the production variables.

The app containers of ``docker-compose.yml`` get the environment of its ``x-app-environment``
block, with ``${VAR}`` references filled from the operator's ``.env`` (documented by
``.env.example``). This check builds exactly that environment from the two committed files and
runs the check in a child process that sees nothing else (not the checkout's development
``.env``, not the shell). Placeholder secrets (``change-me…``) become random values of
production strength. Exits with the check's status; warnings fail (``--fail-level WARNING``).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
PLACEHOLDER_PREFIX = "change-me"
_REFERENCE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def env_file_values(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of ``path`` (comments and blank lines skipped, quotes stripped)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``, ``$$``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        unset = current is None or (current == "" and op is not None and op.startswith(":"))
        if op and op.endswith("?") and unset:
            raise SystemExit(f"{name} is required: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return current or ""

    return _REFERENCE.sub(replace, value)


def app_environment(compose_path: Path, env_path: Path) -> dict[str, str]:
    variables = {
        name: secrets.token_urlsafe(50) if value.startswith(PLACEHOLDER_PREFIX) else value
        for name, value in env_file_values(env_path).items()
    }
    compose: dict[str, Any] = yaml.safe_load(compose_path.read_text())
    declared: dict[str, Any] = compose["x-app-environment"]
    environment = {name: interpolate(str(value), variables) for name, value in declared.items()}
    environment.update(
        PATH=os.environ.get("PATH", ""),
        HOME=os.environ.get("HOME", "/tmp"),
        ENV_FILE=os.devnull,  # never the checkout's development .env
        VAR_DIR=str(Path(os.environ.get("TMPDIR", "/tmp")) / "recordings-deploy-check"),
    )
    return environment


def main(argv: list[str]) -> int:
    compose_path = Path(argv[1]) if len(argv) > 1 else BASE_DIR / "docker-compose.yml"
    env_path = Path(argv[2]) if len(argv) > 2 else BASE_DIR / ".env.example"
    command = [sys.executable, str(BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"]
    environment = app_environment(compose_path, env_path)
    return subprocess.run(command, env=environment, cwd=BASE_DIR, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
