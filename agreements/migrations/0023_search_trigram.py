"""Trigram indexes for the search box (issue 20), on PostgreSQL only.

`q=` matches `UPPER(column) LIKE UPPER('%word%')` (Django's icontains) on agreements, milestones
and progress updates; without an index each is a read of the whole table (milestones and updates
are the large ones). pg_trgm's GIN indexes on the same expressions let PostgreSQL answer the
milestone and update parts with index scans. SQLite keeps the plain scan. pg_trgm is a trusted
extension (PostgreSQL 13+): the database's owner may create it.
"""
from django.db import migrations

INDEXES = [
    ("agreements_agreement_search_trgm", "agreements_agreement",
     ["upper(reference::text)", "upper(title::text)", "upper(summary)"]),
    ("agreements_milestone_search_trgm", "agreements_milestone",
     ["upper(title::text)", "upper(evidence)", "upper(waiver_reason)"]),
    ("agreements_progressupdate_search_trgm", "agreements_progressupdate",
     ["upper(summary)", "upper(next_steps)"]),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expressions in INDEXES:
        columns = ", ".join(f"({expression}) gin_trgm_ops" for expression in expressions)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({columns})")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _expressions in INDEXES:  # the extension stays: other databases' objects may use it
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0019_rollup_public"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
