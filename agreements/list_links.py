"""Links of the agreement list that keep the filters in the URL: sortable column headers and
the "active filter" chips, each of which removes one value. A filtered, sorted list is thus
always a URL someone can bookmark or send (the reports link to it the same way)."""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from agreements.filters import FlagCheckbox

SORTABLE = [
    ("reference", _("Reference")), ("title", _("Title")), ("status", _("Status")), ("health", _("Health")),
    ("owner", _("Owner")), ("signed_on", _("Signed")), ("updated", _("Last update")),
]
NOT_FILTERS = {"sort", "page"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    url: str
    direction: str | None  # for aria-sort: "ascending", "descending" or None


@dataclass(frozen=True)
class Chip:
    text: str
    remove_url: str
    invalid: bool = False  # ignored by the list (the form says why)


def _url(query: QueryDict) -> str:
    return f"?{query.urlencode()}" if query else "?"


def sort_columns(query: QueryDict) -> dict[str, Column]:
    current = query.get("sort") or "reference"
    columns = {}
    for key, label in SORTABLE:
        direction = "ascending" if current == key else "descending" if current == f"-{key}" else None
        changed = query.copy()
        changed["sort"] = f"-{key}" if direction == "ascending" else key
        changed.pop("page", None)
        columns[key] = Column(key, str(label), _url(changed), direction)
    return columns


def active_filters(query: QueryDict, form: forms.Form) -> list[Chip]:
    chips = []
    for name, field in form.fields.items():
        if name in NOT_FILTERS:
            continue
        for value in query.getlist(name):
            if not value.strip():
                continue
            remaining = query.copy()
            remaining.setlist(name, [v for v in query.getlist(name) if v != value])
            remaining.pop("page", None)
            chips.append(Chip(_chip_text(field, value), _url(remaining), invalid=name in form.errors))
    return chips


def _chip_text(field: forms.Field, value: str) -> str:
    if isinstance(field.widget, FlagCheckbox):
        flag = FlagCheckbox().value_from_datadict({"v": value}, {}, "v")
        return str(field.label) if flag is not False else f"{_('Not')}: {field.label}"
    if value == "me":
        return f"{field.label}: {_('me')}"
    choices = getattr(field, "choices", None)
    if choices is not None:  # (django-filter's lazy choices cannot be tested for truth)
        labels = {str(key): label for key, label in choices}
        return f"{field.label}: {labels.get(value, value)}"
    return f"{field.label}: {value}"
