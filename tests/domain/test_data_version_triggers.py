"""The data-version triggers the dashboard cache relies on (agreements/data_version.py) are on every
table the reports read, on the engine in use; a migration that drops one (SQLite rebuilds a table to
alter it) is repaired by `migrate`, named by the system check, and never lets the cache go stale."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from agreements import data_version
from agreements.models import Agreement
from tests.factories import AgreementFactory
from tests.reports.test_reports_cache import committed, look


def drop_triggers(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER data_version ON {table}")
        else:
            for event in data_version.EVENTS:
                cursor.execute(f"DROP TRIGGER data_version_{table}_{event}")


@pytest.fixture(autouse=True)
def figures_not_pages(settings):
    """`look` reads the figures the view computed (its context): the whole-page cache in front of it
    (agreements.web.page_cache) is off here, as in tests/reports/test_reports_cache.py."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def fresh_verdict():
    """complete() remembers its answer per process: forget it around the test."""
    data_version._complete.clear()
    yield
    data_version._complete.clear()


def test_every_report_table_carries_its_trigger_after_migrate(db):
    assert set(data_version.TABLES) <= set(connection.introspection.table_names())
    assert data_version.missing(connection) == []


def test_the_system_check_names_a_table_without_its_trigger(db):
    drop_triggers("agreements_agreement")
    with pytest.raises(SystemCheckError, match="agreements_agreement has no data-version trigger"):
        call_command("check", databases=["default"], fail_level="WARNING")
    data_version.restore_missing()
    call_command("check", databases=["default"], fail_level="WARNING")  # passes again


def test_migrate_puts_back_the_triggers_a_table_rebuild_dropped(db):
    drop_triggers("agreements_milestone")
    assert data_version.missing(connection) == ["agreements_milestone"]
    call_command("migrate", verbosity=0)
    assert data_version.missing(connection) == []


@committed
def test_a_table_rebuild_drops_the_triggers_and_migrate_puts_them_back(fresh_verdict):
    """What migration 0006 did to agreements_agreement on SQLite, and any AlterField would do."""
    field = Agreement._meta.get_field("signed_at")
    changed = field.clone()
    changed.set_attributes_from_name("signed_at")
    changed.db_comment = "place of signature"
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(Agreement, field, changed)
        if connection.vendor == "sqlite":  # PostgreSQL alters the column in place
            assert data_version.missing(connection) == ["agreements_agreement"]
        call_command("migrate", verbosity=0)
        assert data_version.missing(connection) == []
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(Agreement, changed, field)
        data_version.restore_missing()


@committed
def test_the_dashboard_is_computed_every_time_while_a_trigger_is_missing(client, manager, fresh_verdict):
    AgreementFactory()
    look(client, manager)
    cached = look(client, manager)[1]  # with every trigger: the second look comes from the cache
    drop_triggers("agreements_agreement")
    data_version._complete.clear()
    try:
        look(client, manager)  # asks once whether every trigger is there
        computed = look(client, manager)[1]
        assert computed > cached and look(client, manager)[1] == computed
    finally:
        data_version.restore_missing()
