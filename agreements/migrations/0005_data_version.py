"""The data version the dashboard cache is keyed on (models.DataVersion, report_cache.py):
triggers on every table the reports read give it a new random token whenever one of them changes.

PostgreSQL: a deferred constraint trigger per row, so the token is written at commit, after every
other lock of the transaction (no lock-order deadlocks), and once per transaction (a transaction-
local setting remembers it); TRUNCATE counts too. SQLite (one writer at a time): a plain trigger
per row. A random token rather than a counter: after a backup is restored, later writes can never
arrive at a number a cache already holds for other data. tests/test_reports_cache.py checks that every table the dashboard queries
has the trigger: a new table read by the reports needs a migration adding it here."""
from django.db import migrations, models

TABLES = [
    "agreements_agreement", "agreements_agreement_focus_areas", "agreements_agreement_team",
    "agreements_milestone", "agreements_progressupdate", "agreements_transitionlog", "agreements_party",
    "agreements_organization", "agreements_pillar", "agreements_focusarea", "agreements_reminderpolicy",
    "agreements_user", "agreements_user_groups", "auth_group",
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION agreements_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('agreements.data_version_xid', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('agreements.data_version_xid', txid_current()::text, true);
        INSERT INTO agreements_dataversion (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
        ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    RETURN NULL;
END $$;
"""


# Signing in writes the user's last_login (and a password change its hash): neither shows on a
# report, and counting them would empty the cache every time somebody signs in.
NOT_REPORTED = {"agreements_user": {"last_login", "password"}}


def events(apps, table: str) -> str:
    """INSERT OR UPDATE OR DELETE, with the UPDATE limited to the columns a report may show."""
    if table not in NOT_REPORTED:
        return "INSERT OR UPDATE OR DELETE"
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    columns = [f.column for f in model._meta.concrete_fields if f.column not in NOT_REPORTED[table]]
    return f"INSERT OR UPDATE OF {', '.join(columns)} OR DELETE"


# Not INSERT OR REPLACE: the outer statement's conflict clause overrides a trigger's, and Django's
# m2m add() is an INSERT OR IGNORE, which would keep the old token. Neither of these can conflict.
SQLITE_BUMP = ("UPDATE agreements_dataversion SET token = lower(hex(randomblob(16))) WHERE id = 1; "
               "INSERT INTO agreements_dataversion (id, token) SELECT 1, lower(hex(randomblob(16))) "
               "WHERE NOT EXISTS (SELECT 1 FROM agreements_dataversion WHERE id = 1);")


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE CONSTRAINT TRIGGER data_version AFTER {events(apps, table)} ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION agreements_bump_data_version()")
            schema_editor.execute(
                f"CREATE TRIGGER data_version_truncate AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION agreements_bump_data_version()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in events(apps, table).split(" OR "):
                schema_editor.execute(
                    f"CREATE TRIGGER data_version_{table}_{event.split()[0].lower()} AFTER {event} ON {table} BEGIN "
                    f"{SQLITE_BUMP} END")


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS data_version ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS data_version_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS agreements_bump_data_version()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event}")


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0004_performance"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=32)),
            ],
            options={"verbose_name": "data version"},
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
