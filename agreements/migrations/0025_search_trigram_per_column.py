"""The search box's trigram indexes, one per searched column (issue 20), on PostgreSQL only.

0023 put the three searched expressions of a milestone (title, evidence, waiver reason) in one GIN
index. The search ORs them, so PostgreSQL would have scanned that index three times, and its cost
estimate for that (3 × 1,504 at 20,000 agreements) exceeded reading the 83,000 milestones (3,532):
it read them all, ~53 ms of every search (`EXPLAIN ANALYZE`, README "Performance", seventh pass).
Three indexes, each on its own expression, are estimated at 120 in all and used (0.2 ms).

The agreements' own columns (reference, title, summary) get theirs too, now that the search asks
for them as a `pk IN (…)` part of their own (agreements.filters.search_condition): ORed with the
EXISTS parts they were read row by row, which 0023 found no index could help. The progress updates'
index of 0023 is used as it is and stays.
"""
from django.db import migrations

OLD = "agreements_milestone_search_trgm"
OLD_COLUMNS = ["upper(title::text)", "upper(evidence)", "upper(waiver_reason)"]
INDEXES = [
    ("agreements_milestone_title_trgm", "agreements_milestone", "upper(title::text)"),
    ("agreements_milestone_evidence_trgm", "agreements_milestone", "upper(evidence)"),
    ("agreements_milestone_waiver_trgm", "agreements_milestone", "upper(waiver_reason)"),
    ("agreements_agreement_reference_trgm", "agreements_agreement", "upper(reference::text)"),
    ("agreements_agreement_title_trgm", "agreements_agreement", "upper(title::text)"),
    ("agreements_agreement_summary_trgm", "agreements_agreement", "upper(summary)"),
]


def per_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")


def one_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    columns = ", ".join(f"({expression}) gin_trgm_ops" for expression in OLD_COLUMNS)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD} ON agreements_milestone USING gin ({columns})")
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0024_page_cache_triggers"),
    ]

    operations = [
        migrations.RunPython(per_column, one_index),
    ]
