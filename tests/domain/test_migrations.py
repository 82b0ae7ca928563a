"""Migrations match the models, and the test suite knows every data migration."""
from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython

from tests.conftest import DATA_STEPS

SCHEMA_STEPS = {("0004_performance", "create_newest_first"),  # RunPython that only builds indexes
                ("0005_data_version", "install_triggers"),  # or triggers (TRUNCATE keeps them)
                ("0007_restore_data_version_triggers", "restore"), ("0008_languages", "restore_triggers"),
                ("0010_public_record", "restore_triggers"),
                ("0017_stages_dependencies", "restore_triggers"),
                ("0018_honest_health", "restore_triggers"),
                ("0019_rollup_public", "restore_triggers"),
                ("0021_focal_points", "restore_triggers"),
                ("0024_page_cache_triggers", "restore_triggers"),  # the page cache's tables
                ("0023_search_trigram", "create_trigram_indexes"),  # PostgreSQL's search indexes
                ("0025_search_trigram_per_column", "per_column")}


def test_models_have_no_unmigrated_changes(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_runpython_step_is_known_to_the_test_suite(db):
    """tests/conftest.py re-runs the data steps after transactional tests flush the tables; a new
    data migration missing from DATA_STEPS would leave such tests without its rows."""
    loader = MigrationLoader(connection)
    steps = {(name, op.code.__name__) for (app, name), migration in loader.disk_migrations.items() if app == "agreements"
             for op in migration.operations if isinstance(op, RunPython)}
    assert steps == set(DATA_STEPS) | SCHEMA_STEPS
