"""What a dry run shows for each updated agreement and milestone: every changed column,
old value → new value, written as the template writes it (codes, “Name (CC) [role]”,
usernames, YYYY-MM-DD), so the person checking the preview reads what the file says and
what the tracker holds side by side."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agreements.imports.columns import LIST_SEPARATOR, format_party
from agreements.imports.existing import current_values
from agreements.imports.values import Lookups


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str


class Describer:
    """Ids back to the names a person wrote, from what the import loaded already (no queries)."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.pillars = {obj.pk: obj.code for obj in lookups.pillars.values()}
        self.focus_areas = {obj.pk: obj.code for obj in lookups.focus_areas.values()}
        self.users = {row[0]: row[1] for rows in lookups._users_by_username.values() for row in rows}

    def text(self, column: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if column == "pillar":
            return self.pillars.get(value, str(value))
        if column == "focus_areas":
            return f"{LIST_SEPARATOR} ".join(sorted(self.focus_areas.get(pk, str(pk)) for pk in value))
        if column == "parties":
            return f"{LIST_SEPARATOR} ".join(self.party(key, role) for key, role in value)
        if column == "lead_organization":
            return self.lookups.describe_organization(value)
        if column == "owner":
            return self.users.get(value, str(value))
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value)

    def party(self, key: Any, role: str) -> str:
        name, _short, country = self.lookups.org_names.get(key, ("?", "", "?"))
        return format_party(name, country, role)


def agreement_changes(describer: Describer, row) -> list[Change]:
    """The columns an update changes (row.changes), each old → new."""
    if row.existing is None:
        return []
    current = current_values(row.existing)
    found = []
    for column in row.changes:
        if column == "status":
            found.append(Change(column, str(row.existing.status), str(row.status)))
        else:
            found.append(Change(column, describer.text(column, current[column]),
                                describer.text(column, row.values[column])))
    return found


def milestone_changes(describer: Describer, row, current: dict[str, Any]) -> list[Change]:
    return [Change(column, describer.text(column, current[column]), describer.text(column, row.values[column]))
            for column in row.changes]
