"""A development checkout: `make run` writes .env once, and manage.py commands then work
without DEBUG=1 in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.local_env import local_env_write

ROOT = Path(__file__).resolve().parents[2]


def test_local_env_is_written_once_with_a_generated_key(tmp_path: Path) -> None:
    path = tmp_path / ".env"

    assert local_env_write(path) is True
    first = path.read_text()
    assert local_env_write(path) is False

    assert path.read_text() == first
    lines = dict(line.split("=", 1) for line in first.splitlines() if line and not line.startswith("#"))
    assert lines["DEBUG"] == "1"
    assert len(lines["SECRET_KEY"]) >= 50
    assert path.stat().st_mode & 0o077 == 0


def test_manage_py_commands_work_from_the_local_env_without_debug_exported(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    local_env_write(env_file)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": str(env_file),
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(ROOT / "manage.py"), *args]
        return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)

    assert manage("migrate", "--noinput").returncode == 0
    assert manage("bootstrap_demo").returncode == 0
    created = manage("create_personal_api_key", "--email", "demo@example.com", "--scopes", "*")
    without_env = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        cwd=ROOT,
        env={**environment, "ENV_FILE": str(tmp_path / "missing.env")},
        capture_output=True,
        text=True,
        check=False,
    )

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].startswith("phx_")
    assert without_env.returncode != 0
    assert "SECRET_KEY is required" in without_env.stderr
