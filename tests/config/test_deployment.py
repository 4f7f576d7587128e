"""The deployment files: docker-compose.yml against the Compose Specification, pinned images,
secrets only from .env, healthchecks, the Dockerfile's stages, and a clean `check --deploy`."""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from config.deploy_check import env_file_values

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
ONE_OFF = {"migrate"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|DSN", re.IGNORECASE)
PINNED_TAG = re.compile(r"^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$")


def test_compose_file_validates_against_the_compose_specification() -> None:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())

    errors = [error.message for error in jsonschema.Draft202012Validator(schema).iter_errors(COMPOSE)]

    assert errors == []


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_registry_image_is_pinned_to_a_version(name: str) -> None:
    service = SERVICES[name]
    if "build" in service:
        assert service["image"] == "recordings-service:local"  # built here from the pinned Dockerfile
        return
    assert PINNED_TAG.match(service["image"]), service["image"]


def test_dockerfile_base_images_are_pinned_and_node_stays_out_of_the_runtime() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[1:]
    images = [stage.split()[0] for stage in stages]
    runtime = stages[-1]

    assert len(stages) >= 2
    assert all(PINNED_TAG.match(image) for image in images), images
    assert not images[-1].startswith("node")
    assert not re.search(r"\b(nodejs|npm)\b", runtime.replace("node_modules", ""))
    assert re.search(r'^CMD \["gunicorn"', runtime, flags=re.MULTILINE)
    assert "USER nobody" in runtime
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize("name", sorted(set(SERVICES) - ONE_OFF))
def test_long_running_services_restart_and_have_a_healthcheck(name: str) -> None:
    service = SERVICES[name]

    assert service["restart"] == "unless-stopped"
    assert service["healthcheck"]["test"]


def test_worker_and_beat_healthchecks_check_celery_itself() -> None:
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert "beat-alive" in SERVICES["beat"]["healthcheck"]["test"]
    assert "HeartbeatScheduler" in " ".join(SERVICES["beat"]["command"])
    assert "/_readyz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_only_the_proxy_port_is_published() -> None:
    """Clients reach the app only through nginx (slow clients cost no gunicorn thread)."""
    published = {name for name, service in SERVICES.items() if service.get("ports")}

    assert published == {"proxy"}


def _values(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [pair for key, value in node.items() for pair in _values(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [pair for index, value in enumerate(node) for pair in _values(value, f"{path}[{index}]")]
    return [(path, str(node))]


def test_nothing_secret_is_written_in_the_compose_file() -> None:
    literal_secrets = [
        (path, value)
        for path, value in _values(COMPOSE)
        if SECRET_NAME.search(path.rsplit(".", 1)[-1]) and not re.fullmatch(r"\$\{\w+[^}]*\}", value)
    ]

    assert literal_secrets == []


def test_every_required_variable_is_documented_in_env_example() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", (ROOT / "docker-compose.yml").read_text()))
    documented = env_file_values(ROOT / ".env.example")

    assert required and required <= set(documented)


def test_check_deploy_is_clean_with_the_documented_production_variables() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "config.deploy_check"], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
