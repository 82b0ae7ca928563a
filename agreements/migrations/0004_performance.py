"""Indexes found with bench/run.py at 20,000 agreements (README, "Performance"): the dashboard's
at-risk table read in order, the per-agreement milestone summaries of the lists, and the list's
"newest first" sorts."""
from django.db import migrations, models

# The list sorts with empty values last both ways (views.nulls_last): `signed_on DESC NULLS LAST`
# cannot be read from a plain index, so "most recently signed / updated first" sorted every
# visible agreement (30-50 ms at 20,000) to show 25. PostgreSQL only: SQLite has no NULLS LAST
# in index definitions (and sorts a few thousand rows quickly enough).
NEWEST_FIRST = [
    ("agreement_signed_desc", "signed_on"),
    ("agreement_updated_desc", "last_progress_at"),
]


def create_newest_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in NEWEST_FIRST:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON agreements_agreement ({column} DESC NULLS LAST, id)")


def drop_newest_first(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _column in NEWEST_FIRST:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0003_reminders'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='agreement',
            index=models.Index(fields=['-health', 'last_progress_at', 'reference'], name='agreement_risk'),
        ),
        migrations.AddIndex(
            model_name='milestone',
            index=models.Index(fields=['agreement', 'state', 'due_on'], name='milestone_agreement_state_due'),
        ),
        migrations.RunPython(create_newest_first, drop_newest_first),
    ]
