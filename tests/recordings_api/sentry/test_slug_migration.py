"""Migration 0005 backfills unique slugs on existing organizations and environments."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("recordings_api", "0004_sentry_ingestion")]
AFTER = [("recordings_api", "0005_organization_environment_slugs")]


@pytest.mark.django_db(transaction=True)
def test_backfill_gives_every_row_a_unique_slug() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organization = apps.get_model("recordings_api", "Organization")
    Project = apps.get_model("recordings_api", "Project")
    Environment = apps.get_model("recordings_api", "Environment")
    orgs = [Organization.objects.create(id=uuid.uuid4(), name=name) for name in ("Acme", "Acme", "42")]
    for number, org in enumerate(orgs, start=1):
        Project.objects.create(id=number, organization=org, name="Web shop")
        Environment.objects.create(id=number, project_id=number, name="Production", api_token=f"phc_{number}")
    Environment.objects.create(id=10, project_id=1, name="Staging", api_token="phc_10")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    slugs = dict(apps.get_model("recordings_api", "Organization").objects.values_list("id", "slug"))
    assert [slugs[org.id] for org in orgs] == ["acme", "acme-2", "org-42"]
    environments = dict(apps.get_model("recordings_api", "Environment").objects.values_list("id", "slug"))
    assert environments == {1: "web-shop", 2: "web-shop-2", 3: "web-shop-3", 10: "web-shop-staging"}
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
