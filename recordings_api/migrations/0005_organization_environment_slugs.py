"""Unique slugs for organizations and environments (the Sentry face addresses them by slug).

Existing rows are backfilled as new rows get theirs: an organization's slug from its name, a
default environment's from its project's name, another environment's from
``{project name}-{environment name}``, with ``-2``, ``-3``… on collision. The backfill keeps
its own copy of the rules (a migration must not import code that may change later).
"""

import re
import unicodedata

import recordings_api.models.slugs
from django.db import migrations, models


def _slugify(text, fallback):
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text.lower())).strip("-_")[:42].strip("-_")
    if not stem:
        return fallback
    return f"{fallback}-{stem}" if stem.isdigit() else stem


def _unique(base, taken):
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(slug)
    return slug


def backfill(apps, schema_editor):
    Organization = apps.get_model("recordings_api", "Organization")
    Environment = apps.get_model("recordings_api", "Environment")
    taken = set()
    for organization in Organization.objects.order_by("created_at", "id"):
        organization.slug = _unique(_slugify(organization.name, "org"), taken)
        organization.save(update_fields=["slug"])
    taken = set()
    for environment in Environment.objects.select_related("project").order_by("id"):
        project = environment.project
        text = project.name if environment.id == project.id else f"{project.name}-{environment.name}"
        environment.slug = _unique(_slugify(text, "project"), taken)
        environment.save(update_fields=["slug"])


def _unindexed():
    return models.CharField(max_length=50, null=True)


def _slug_field():
    return models.SlugField(
        blank=True,
        unique=True,
        max_length=50,
        validators=[recordings_api.models.slugs.slug_validate],
        help_text="How the Sentry API (/api/0/) addresses it; filled from the name when left empty.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("recordings_api", "0004_sentry_ingestion"),
    ]

    operations = [
        migrations.AddField(model_name="organization", name="slug", field=_unindexed()),
        migrations.AddField(model_name="environment", name="slug", field=_unindexed()),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(model_name="organization", name="slug", field=_slug_field()),
        migrations.AlterField(model_name="environment", name="slug", field=_slug_field()),
    ]
