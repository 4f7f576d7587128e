from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_served_as_yaml_and_json(client: Client) -> None:
    as_yaml = yaml.safe_load(client.get("/api/schema/").content)
    as_json = json.loads(client.get("/api/schema/?format=json").content)
    assert as_yaml["openapi"].startswith("3.")
    assert as_json["paths"] == as_yaml["paths"]


def test_bearer_personal_key_scheme_is_declared(client: Client) -> None:
    schema = json.loads(client.get("/api/schema/?format=json").content)
    scheme = schema["components"]["securitySchemes"]["PersonalAPIKeyAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_both_route_families_are_documented_and_tagged(client: Client) -> None:
    schema = json.loads(client.get("/api/schema/?format=json").content)
    paths = schema["paths"]
    assert "/api/projects/{project_id}/session_recordings/" in paths
    assert "/api/environments/{environment_id}/session_recordings/" in paths
    checked = 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            checked += 1
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
            assert operation.get("description") or operation.get("summary"), (
                f"{method.upper()} {path} undescribed"
            )
    assert checked >= 50


@pytest.mark.parametrize("path", ["/api/schema/swagger-ui/", "/api/schema/redoc/"])
def test_docs_ui_is_served_without_a_cdn(client: Client, path: str) -> None:
    page = client.get(path).content.decode()
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "drf_spectacular_sidecar" in page or "/static-files/" in page


def test_every_api_operation_states_its_scope(client: Client) -> None:
    schema = json.loads(client.get("/api/schema/?format=json").content)
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/projects/", "/api/environments/")):
            continue
        for method, operation in operations.items():
            if method != "parameters":
                checked += 1
                assert "Required API key scope: `" in operation["description"], f"{method.upper()} {path}"
    assert checked >= 50


def test_every_api_operation_documents_its_errors_in_the_error_shape(client: Client) -> None:
    schema = json.loads(client.get("/api/schema/?format=json").content)
    error_keys = {"type", "code", "detail", "attr"}
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/projects/", "/api/environments/")):
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            checked += 1
            for code in ("401", "403", "404", "429"):
                response = operation["responses"].get(code)
                assert response, f"{method.upper()} {path} does not document {code}"
                ref = response["content"]["application/json"]["schema"]["$ref"]
                component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
                assert set(component["properties"]) == error_keys, f"{method.upper()} {path} {code}"
    assert checked >= 50
