"""Trigram indexes for the search box (issue 20), on PostgreSQL only.

`q=` matches `UPPER(column) LIKE UPPER('%word%')` (Django's icontains) on agreements, milestones
and progress updates; without an index the milestone and update parts each read their whole table
(the large ones: ~4 and ~3 rows per agreement). pg_trgm's GIN indexes on the same expressions let
PostgreSQL answer them with index scans; they cost writes (README, Performance). SQLite keeps the
plain scan. pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
"""
from django.db import migrations

# Not the agreements' own columns: they are ORed with the EXISTS parts, so PostgreSQL reads the
# agreements in one pass anyway (measured: such an index was never used) and it only costs writes.
INDEXES = [
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
        ("agreements", "0021_focal_points"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
