"""System checks of the database the app runs on (`manage.py check --database default`; `migrate`
runs them too, before it migrates).

Warnings, not errors: an error would stop the very `migrate` that repairs the triggers, and without
them nothing is wrong on screen — the dashboard cache switches itself off (agreements.data_version)."""
from __future__ import annotations

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database)
def data_version_triggers(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Every table the reports read carries its data-version trigger (agreements.data_version)."""
    from agreements import data_version

    errors = []
    for alias in databases or []:
        for table in data_version.missing(connections[alias]):
            errors.append(checks.Warning(
                f"Table {table} has no data-version trigger on database '{alias}': the dashboard is computed "
                f"on every view (not cached) until they are back.",
                hint="Run `manage.py migrate` (it re-creates missing triggers); a migration that rebuilt "
                     "the table dropped them.",
                id="agreements.W001"))
    return errors
