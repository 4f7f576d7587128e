"""A trigram index for the start URL filters (issue 14), PostgreSQL only.

``start_url`` ``icontains`` (PostHog's usual URL operator) compiles to
``UPPER(start_url::text) LIKE UPPER(%pattern%)``: a GIN ``gin_trgm_ops`` index on that very
expression lets PostgreSQL find the matching rows without scanning the environment, and gives
the planner statistics for it. On SQLite (the embedded mode) this migration does nothing.
"""

from django.db import migrations

START_URL_INDEX = (
    "CREATE INDEX IF NOT EXISTS recording_start_url_trgm ON recordings_sessionrecording"
    " USING gin (upper((start_url)::text) gin_trgm_ops)"
)


def start_url_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(START_URL_INDEX)


def start_url_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS recording_start_url_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ("recordings", "0008_stored_list_columns"),
    ]

    operations = [
        migrations.RunPython(start_url_index, start_url_index_drop),
    ]
