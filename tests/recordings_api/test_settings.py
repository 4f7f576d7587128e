"""Settings fail at boot with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

ROOT = Path(__file__).resolve().parents[2]


def boot(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TESTING", "SECRET_KEY"}}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print('booted')",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_mode_requires_a_secret_key() -> None:
    result = boot(DEBUG="0")
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY is required" in result.stderr


def test_production_mode_boots_with_a_secret_key(tmp_path: Path) -> None:
    result = boot(DEBUG="0", SECRET_KEY="x" * 50, VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "booted" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OBJECT_STORAGE_ENDPOINT": "http://127.0.0.1:9000"}, "must be set together"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"LIVE_BUFFER_FLUSH_IDLE_SECONDS": "soon"}, "LIVE_BUFFER_FLUSH_IDLE_SECONDS must be an integer"),
    ],
)
def test_malformed_values_fail_at_boot(env: dict[str, str], message: str, tmp_path: Path) -> None:
    result = boot(**{"DEBUG": "1", "VAR_DIR": str(tmp_path), **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_cookie_and_hsts_settings_come_from_the_environment(tmp_path: Path) -> None:
    script = (
        "import django; from django.conf import settings as s; django.setup(); "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "TESTING"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
        SECURE_SSL_REDIRECT="1",
        SECURE_PROXY_SSL_HEADER="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


def test_hsts_is_sent_on_secure_requests_behind_a_trusted_proxy(client: Client, settings: Settings) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Not a probe: /_health and /_readyz are answered before the security middleware.
    secure = Client().get("/", HTTP_X_FORWARDED_PROTO="https")
    plain = Client().get("/")
    assert secure["Strict-Transport-Security"] == "max-age=3600"
    assert "Strict-Transport-Security" not in plain
