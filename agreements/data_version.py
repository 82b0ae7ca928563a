"""The data-version triggers: which tables carry them, whether they are all there, and putting
back any a migration dropped.

The dashboard cache (agreements/reports/cache.py) and the page cache (agreements/web/page_cache.py)
are keyed on `DataVersion.token`, which database triggers change with every write to a table the
reports or the cached pages read (migrations 0005, 0024). A table without its trigger would let a
cached dashboard or page outlive a change. On SQLite that happens whenever a migration
rebuilds a table (SQLite's ALTER TABLE cannot change a column, so Django copies the table into a
new one, and triggers are not copied): migration 0006 did exactly that to `agreements_agreement`.
Three guards, so it cannot happen silently again:

- after every `migrate`, `restore_missing()` re-creates the triggers a migration dropped and says so
  (`agreements.apps`, post_migrate);
- the system check `agreements.W001` names any table still without its trigger
  (`manage.py check --database default`, and at the start of every `migrate`);
- the cache itself asks `complete()` once per process and database, and does not cache at all
  while a trigger is missing (figures are then computed every time: slower, never stale).
"""
from __future__ import annotations

import logging

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger("tracker.data_version")

TABLES = [
    "agreements_agreement", "agreements_agreement_focus_areas", "agreements_agreement_team", "agreements_publicfact",
    "agreements_milestone", "agreements_progressupdate", "agreements_transitionlog", "agreements_party",
    "agreements_organization", "agreements_pillar", "agreements_focusarea", "agreements_reminderpolicy",
    "agreements_user", "agreements_user_groups", "auth_group",
    "agreements_stage", "agreements_agreementstage", "agreements_dependency",
    # What the cached pages show beyond the reports (agreements.web.page_cache, migration 0024): the
    # agreement page's documents, sources, focal points, confirmations, acknowledgements and the
    # history its timeline reads; the header's notification badge; the list's saved views.
    "agreements_document", "agreements_sourcelink", "agreements_focalpoint", "agreements_confirmation",
    "agreements_acknowledgement", "agreements_historicalagreement", "agreements_historicalagreement_team",
    "agreements_historicalagreement_focus_areas", "agreements_historicalmilestone", "agreements_notification",
    "agreements_savedview",
]

# Signing in writes the user's last_login (and a password change its hash): neither shows on a
# report or a cached page, and counting them would empty the caches every time somebody signs in.
NOT_REPORTED = {"agreements_user": {"last_login", "password"}}
EVENTS = ("insert", "update", "delete")

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

# Not INSERT OR REPLACE: the outer statement's conflict clause overrides a trigger's, and Django's
# m2m add() is an INSERT OR IGNORE, which would keep the old token. Neither of these can conflict.
SQLITE_BUMP = ("UPDATE agreements_dataversion SET token = lower(hex(randomblob(16))) WHERE id = 1; "
               "INSERT INTO agreements_dataversion (id, token) SELECT 1, lower(hex(randomblob(16))) "
               "WHERE NOT EXISTS (SELECT 1 FROM agreements_dataversion WHERE id = 1);")


def _update_event(connection: BaseDatabaseWrapper, table: str) -> str:
    """UPDATE, limited to the columns a report may show (every column but NOT_REPORTED's)."""
    if table not in NOT_REPORTED:
        return "UPDATE"
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    return f"UPDATE OF {', '.join(c for c in columns if c not in NOT_REPORTED[table])}"


def _existing_tables(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor)) & set(TABLES)


def _watched(connection: BaseDatabaseWrapper) -> dict[str, set[str]]:
    """Table → the events its data-version triggers fire on."""
    watched: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT event_object_table, lower(event_manipulation) FROM information_schema.triggers "
                           "WHERE trigger_name = 'data_version' AND trigger_schema = current_schema()")
            rows = cursor.fetchall()
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'data_version_%'")
            rows = [(table, name.rsplit("_", 1)[-1]) for table, name in cursor.fetchall()]
    for table, event in rows:
        watched.setdefault(table, set()).add(event)
    return watched


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The report tables (of those that exist) lacking a trigger for any of insert, update, delete.
    Empty where the engine keeps no triggers of ours, or before migration 0005 made the token."""
    if connection.vendor not in ("postgresql", "sqlite") or "agreements_dataversion" not in \
            connection.introspection.table_names():
        return []
    watched = _watched(connection)
    return sorted(t for t in _existing_tables(connection) if watched.get(t, set()) != set(EVENTS))


def install(connection: BaseDatabaseWrapper, tables: list[str]) -> None:
    """Create (or re-create) the triggers of `tables`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
        for table in tables:
            events = ("INSERT", _update_event(connection, table), "DELETE")
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS data_version ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS data_version_truncate ON {table}")
                cursor.execute(f"CREATE CONSTRAINT TRIGGER data_version AFTER {' OR '.join(events)} ON {table} "
                               f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
                               f"agreements_bump_data_version()")
                cursor.execute(f"CREATE TRIGGER data_version_truncate AFTER TRUNCATE ON {table} "
                               f"FOR EACH STATEMENT EXECUTE FUNCTION agreements_bump_data_version()")
                continue
            for name, event in zip(EVENTS, events):
                cursor.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{name}")
                cursor.execute(f"CREATE TRIGGER data_version_{table}_{name} AFTER {event} ON {table} "
                               f"BEGIN {SQLITE_BUMP} END")


def restore_missing(using: str = "default") -> list[str]:
    """Put back the triggers a migration dropped; returns the tables repaired."""
    connection = connections[using]
    tables = missing(connection)
    if tables:
        install(connection, tables)
        log.warning("data-version triggers re-created on %s (a migration rebuilt the table)", ", ".join(tables))
    return tables


_complete: dict[str, bool] = {}


def complete(using: str = "default") -> bool:
    """Every report table carries its trigger (asked once per process and database)."""
    if using not in _complete:
        absent = missing(connections[using])
        if absent:
            log.error("data-version triggers missing on %s: the dashboard and pages are not cached (run migrate)",
                      ", ".join(absent))
        _complete[using] = not absent
    return _complete[using]


def restore_triggers(apps, schema_editor) -> None:
    """The migration step that ends every migration rebuilding a reported table on SQLite (which
    drops the table's triggers), or adding tables to TABLES (0024): put back whatever is missing
    (0008, 0010, 0017–0019, 0021, 0024)."""
    install(schema_editor.connection, missing(schema_editor.connection))
