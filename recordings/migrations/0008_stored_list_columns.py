"""Stored list columns (issue 14): ``expires_at`` (stamped here for existing rows, by the rule of
``recordings.expiry``), the generated ``duration`` and ``activity_score`` (the database computes
them for every existing row as it adds them), and the indexes of the list's common orders."""

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
import recordings.expressions
from django.db import migrations, models


BACKFILL_POSTGRESQL = """
UPDATE recordings_sessionrecording r
SET expires_at = (date_trunc('day', r.start_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
    + make_interval(days => coalesce(r.retention_period_days, e.session_recording_retention_days)::int)
FROM recordings_api_environment e
WHERE e.id = r.environment_id AND NOT r.persisted
"""
BACKFILL_SQLITE = """
UPDATE recordings_sessionrecording
SET expires_at = datetime(date(start_time), '+' || coalesce(retention_period_days, (
    SELECT e.session_recording_retention_days FROM recordings_api_environment e
    WHERE e.id = recordings_sessionrecording.environment_id)) || ' days')
WHERE NOT persisted
"""


def expires_at_backfill(apps, schema_editor):
    """Midnight UTC of the start day + the recording's (else its environment's) retention; NULL
    (left as added) for persisted recordings."""
    vendor = schema_editor.connection.vendor
    schema_editor.execute(BACKFILL_POSTGRESQL if vendor == "postgresql" else BACKFILL_SQLITE)


ACTIVITY_INDEX = (
    "CREATE INDEX IF NOT EXISTS recording_env_activity ON recordings_sessionrecording"
    " (environment_id, activity_score DESC{nulls}, start_time DESC, id DESC)"
)


def activity_index(apps, schema_editor):
    """The activity score order as the list sorts it (DESC NULLS LAST). PostgreSQL says so;
    SQLite cannot in an index, and its DESC already puts NULLs last."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(ACTIVITY_INDEX.format(nulls=" NULLS LAST" if postgresql else ""))


def activity_index_drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS recording_env_activity")


PERSON_EMAIL_INDEX = (
    "CREATE INDEX IF NOT EXISTS person_email_trgm ON recordings_person"
    " USING gin (upper((properties ->> 'email')) gin_trgm_ops)"
)


def person_email_index(apps, schema_editor):
    """PostgreSQL: a trigram index on the persons' email as ``icontains`` compares it (upper
    case), which also gives the planner statistics for that expression (the person filters of
    lists were planned as if almost no person matched)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(PERSON_EMAIL_INDEX)


def person_email_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_email_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('recordings', '0007_sentry_ingestion'),
        ('recordings_api', '0004_sentry_ingestion'),
    ]

    operations = [
        migrations.AddField(
            model_name='sessionrecording',
            name='expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(expires_at_backfill, migrations.RunPython.noop),
        migrations.AddField(
            model_name='sessionrecording',
            name='activity_score',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(django.db.models.functions.math.Round(models.ExpressionWrapper(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.functions.comparison.Cast(models.F('active_milliseconds'), models.FloatField()), '/', models.Value(1000.0)), '+', django.db.models.functions.comparison.Cast(models.F('click_count'), models.FloatField())), '+', django.db.models.functions.comparison.Cast(models.F('keypress_count'), models.FloatField())), '+', django.db.models.functions.comparison.Cast(models.F('console_error_count'), models.FloatField())), '*', models.Value(100.0)), '/', django.db.models.functions.comparison.NullIf(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.functions.comparison.Cast(models.F('mouse_activity_count'), models.FloatField()), '+', django.db.models.expressions.CombinedExpression(django.db.models.functions.math.Floor(django.db.models.expressions.CombinedExpression(recordings.expressions.ImmutableEpochSeconds(models.F('end_time')), '+', models.Value(0.0005)), output_field=models.FloatField()), '-', django.db.models.functions.math.Floor(django.db.models.expressions.CombinedExpression(recordings.expressions.ImmutableEpochSeconds(models.F('start_time')), '+', models.Value(0.0005)), output_field=models.FloatField()))), '+', django.db.models.functions.comparison.Cast(models.F('console_error_count'), models.FloatField())), '+', django.db.models.functions.comparison.Cast(models.F('console_log_count'), models.FloatField())), '+', django.db.models.functions.comparison.Cast(models.F('console_warn_count'), models.FloatField())), models.Value(0.0))), output_field=models.FloatField()), 2, output_field=models.FloatField()), models.FloatField()), output_field=models.FloatField(null=True)),
        ),
        migrations.AddField(
            model_name='sessionrecording',
            name='duration',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(django.db.models.expressions.CombinedExpression(django.db.models.functions.math.Floor(django.db.models.expressions.CombinedExpression(recordings.expressions.ImmutableEpochSeconds(models.F('end_time')), '+', models.Value(0.0005)), output_field=models.FloatField()), '-', django.db.models.functions.math.Floor(django.db.models.expressions.CombinedExpression(recordings.expressions.ImmutableEpochSeconds(models.F('start_time')), '+', models.Value(0.0005)), output_field=models.FloatField())), models.IntegerField()), output_field=models.IntegerField()),
        ),
        migrations.AddIndex(
            model_name='sessionrecording',
            index=models.Index(fields=['environment', '-duration', '-start_time', '-id'], name='recording_env_duration'),
        ),
        migrations.RunPython(activity_index, activity_index_drop),
        migrations.AddIndex(
            model_name='sessionrecording',
            index=models.Index(fields=['environment', '-console_error_count', '-start_time', '-id'], name='recording_env_errors'),
        ),
        migrations.AddIndex(
            model_name='sessionrecording',
            index=models.Index(fields=['environment', 'start_url'], name='recording_env_start_url'),
        ),
        migrations.RunPython(person_email_index, person_email_index_drop),
    ]
