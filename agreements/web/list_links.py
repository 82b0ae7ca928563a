"""Links of the agreement list that keep the filters in the URL: sortable column headers and
the "active filter" chips, each of which removes one value. A filtered, sorted list is thus
always a URL someone can bookmark or send (the reports link to it the same way)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from agreements import dates
from agreements.dates import date_range
from agreements.filters import FlagCheckbox

SORTABLE = [
    ("reference", _("Reference")), ("title", _("Title")), ("status", _("Status")), ("health", _("Health")),
    ("owner", _("Owner")), ("signed_on", pgettext_lazy("column: date of signature", "Signed")), ("updated", _("Last update")),
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


# Filters the list applies but its form does not show (the dashboard's and the digest's drill-downs):
# carried as hidden inputs so that applying another filter keeps them; their chip removes them.
HIDDEN_FILTERS = ("currency", "milestone_due", "milestone_done", "status_changed", "progress_posted", "stage", "ref")
# Date ranges read as one phrase: "Milestone done 1–31 Aug 2026".
RANGE_PHRASES = {
    "milestone_due": _("Milestone due %(range)s"),
    "milestone_done": _("Milestone done %(range)s"),
    "status_changed": _("Status changed %(range)s"),
    "progress_posted": _("Progress update posted %(range)s"),
}


def parameter_names(name: str, field: forms.Field) -> list[str]:
    """The query parameters a form field reads (a date range reads `<name>_after`, `<name>_before`)."""
    suffixes = getattr(field.widget, "suffixes", None)
    return [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]


def active_filters(query: QueryDict, form: forms.Form) -> list[Chip]:
    """One removable chip per filter value in force — every parameter the list applies, in words."""
    chips = []
    for name, field in form.fields.items():
        if name in NOT_FILTERS:
            continue
        params = parameter_names(name, field)
        invalid = name in form.errors
        if len(params) > 1:
            values = [query.get(param, "").strip() for param in params]
            if any(values):
                chips.append(Chip(_range_text(name, field, *values), _without(query, params), invalid))
            continue
        for value in query.getlist(name):
            if value.strip():
                remaining = query.copy()
                remaining.setlist(name, [v for v in query.getlist(name) if v != value])
                text = _person_text(field, value) if name in PEOPLE_FILTERS else _chip_text(field, value)
                chips.append(Chip(text, _without(remaining, []), invalid))
    return chips


PEOPLE_FILTERS = ("owner", "member")


def _person_text(field: forms.Field, username: str) -> str:
    """"Owner: Olga Officer" rather than a username (one query for the chip)."""
    from agreements.models import User

    if username == "me":
        return labelled(field, _("me"))
    person = User.objects.filter(username=username).first()
    return labelled(field, person or username)


def kept_filters(query: QueryDict, form: forms.Form) -> list[tuple[str, str]]:
    """(parameter, value) of the filters in force that the form has no control for."""
    return [(param, value) for name in HIDDEN_FILTERS if name in form.fields
            for param in parameter_names(name, form.fields[name]) for value in query.getlist(param) if value.strip()]


def _without(query: QueryDict, params: list[str]) -> str:
    remaining = query.copy()
    for param in [*params, "page"]:
        remaining.pop(param, None)
    return _url(remaining)


def labelled(field: forms.Field, value) -> str:
    """"Owner: Olga Officer" — the separator is the language's (Japanese: 担当者：…)."""
    return str(_("%(field)s: %(value)s") % {"field": field.label, "value": value})


def _chip_text(field: forms.Field, value: str) -> str:
    if isinstance(field.widget, FlagCheckbox):
        flag = FlagCheckbox().value_from_datadict({"v": value}, {}, "v")
        return str(field.label) if flag is not False else str(_("Not: %(field)s") % {"field": field.label})
    if value == "me":
        return labelled(field, _("me"))
    choices = getattr(field, "choices", None)
    if choices is None:
        choices = getattr(field.widget, "choices", None)
    if choices is not None:  # (django-filter's lazy choices cannot be tested for truth)
        labels = {str(key): label for key, label in choices}
        return labelled(field, labels.get(value, value))
    if isinstance(field, forms.DateField):
        return labelled(field, _date_text(value))
    return labelled(field, value)


def parse_day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _date_text(value: str) -> str:
    day = parse_day(value)
    return dates.short(day) if day else value


def _range_text(name: str, field: forms.Field, start: str, end: str) -> str:
    first, last = parse_day(start), parse_day(end)
    if (start and not first) or (end and not last):  # not dates: say what was asked, as it was written
        return labelled(field, f"{start or '…'} – {end or '…'}")
    phrase = RANGE_PHRASES.get(name, _("%(field)s %(range)s"))
    return str(phrase) % {"range": date_range(first, last), "field": field.label}
