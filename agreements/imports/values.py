"""Turning one spreadsheet cell into a value, or into a sentence saying what is wrong.

Each `parse_*` function takes what the reader produced (text from a CSV; text, numbers,
dates from an XLSX) and returns a clean value or raises `CellProblem` with a message that
completes "row N, column X: …". `Lookups` holds the reference data (choices, pillars,
focus areas, users, organizations) loaded once per import, so 2,000 rows cost a handful
of queries, not thousands.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Hashable

from django.utils.translation import gettext as _, gettext_lazy
from django_countries import countries

from agreements.imports.columns import format_organization, parse_party, split_list
from agreements.imports.files import CellError, Formula, is_blank
from agreements.models import (
    AgreementKind,
    Confidentiality,
    FocusArea,
    Milestone,
    Organization,
    Party,
    Pillar,
    Status,
    User,
)

OrgKey = Hashable  # an Organization id, or ("new", normalised name, country) for one to create
MAX_AMOUNT_DIGITS = 18  # the value field holds 20 digits, two of them decimals
DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
GROUPED_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
PLAIN_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")
ROLE, PILLAR, FOCUS_AREA = gettext_lazy("party role"), gettext_lazy("pillar"), gettext_lazy("focus area")


class Unordered(tuple):
    """Entries in the order written (kept when saving), equal to the same entries in any order."""

    def __new__(cls, items=()):
        return super().__new__(cls, dict.fromkeys(items))  # drops repeats, keeps the first position

    def __eq__(self, other) -> bool:
        return isinstance(other, tuple) and set(self) == set(other)

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(frozenset(self))


class CellProblem(Exception):
    """What is wrong with one cell, in words that follow "row N, column X: "."""


def normalise(text: str) -> str:
    """Case, spaces, `_` and `-` do not matter when matching codes, labels and names."""
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


def normalise_name(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


# --- Plain values ----------------------------------------------------------------------------

def check_cell(value: Any) -> Any:
    if isinstance(value, Formula):
        raise CellProblem(_("is a formula (%(formula)s); the import takes values only. Replace it with its value "
                            "(Paste special › Values), or start the text with an apostrophe.")
                          % {"formula": value.text[:40]})
    if isinstance(value, CellError):
        raise CellProblem(_("holds the spreadsheet error %(code)s.") % {"code": value.code})
    return value


def parse_text(value: Any, max_length: int | None = None) -> str:
    value = check_cell(value)
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    text = str(value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if max_length and len(text) > max_length:
        raise CellProblem(_("is %(length)d characters long; at most %(limit)d fit.")
                          % {"length": len(text), "limit": max_length})
    return text


def parse_date(value: Any) -> datetime.date | None:
    value = check_cell(value)
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time():
            raise CellProblem(_("has a time of day (%(value)s); give the date only.") % {"value": value})
        value = value.date()
    if isinstance(value, datetime.date):
        return _sane_year(value)
    if isinstance(value, (int, float)):
        raise CellProblem(_("is the number %(value)s, not a date: format the cell as a date or write YYYY-MM-DD.")
                          % {"value": value})
    match = DATE_RE.match(str(value).strip())
    try:
        return _sane_year(datetime.date.fromisoformat(match.group(1))) if match else _bad_date(value)
    except ValueError:
        raise CellProblem(_("“%(value)s” is not a real date.") % {"value": value}) from None


def _bad_date(value: Any):
    raise CellProblem(_("“%(value)s” is not a date in the form YYYY-MM-DD (e.g. 2025-12-19).") % {"value": value})


def _sane_year(day: datetime.date) -> datetime.date:
    if not 1945 <= day.year <= 2100:
        raise CellProblem(_("the year %(year)d looks wrong.") % {"year": day.year})
    return day


def parse_amount(value: Any) -> Decimal | None:
    value = check_cell(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellProblem(_("is not a number."))
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f_]", "", str(value))
        text = text.replace(",", "") if GROUPED_RE.match(text) else text
        if not PLAIN_NUMBER_RE.match(text):
            raise CellProblem(_("“%(value)s” is not a plain number; write it like 1500000 or 2500000.50.")
                              % {"value": value})
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": value}) from None
    return _checked_amount(amount)


def _checked_amount(amount: Decimal) -> Decimal:
    if amount < 0:
        raise CellProblem(_("cannot be negative."))
    if amount != amount.quantize(Decimal("0.01")):
        raise CellProblem(_("has more than two decimals."))
    if amount >= Decimal(10) ** MAX_AMOUNT_DIGITS:
        raise CellProblem(_("is too large."))
    return amount.quantize(Decimal("0.01"))


def parse_currency(value: Any) -> str:
    text = parse_text(value).upper()
    if text and not re.fullmatch(r"[A-Z]{3}", text):
        raise CellProblem(_("“%(value)s” is not an ISO 4217 currency code such as JPY or USD.") % {"value": text})
    return text


# --- Choices and reference data --------------------------------------------------------------

def choice_map(choices) -> dict[str, str]:
    mapping = {}
    for code, label in choices:
        mapping[normalise(str(label))] = code
        mapping[normalise(code)] = code
    return mapping


def parse_choice(value: Any, mapping: dict[str, Any], what: str) -> Any:
    text = parse_text(value)
    if not text:
        return None
    try:
        return mapping[normalise(text)]
    except KeyError:
        raise CellProblem(_("“%(value)s” is not a known %(what)s.") % {"value": text, "what": what}) from None


class Lookups:
    """Reference data for one import, loaded with a few queries."""

    def __init__(self, *, create_organizations: bool = False) -> None:
        self.create_organizations = create_organizations
        self.kinds = choice_map(AgreementKind.choices)
        self.statuses = choice_map(Status.choices)
        self.confidentialities = choice_map(Confidentiality.choices)
        self.states = choice_map(Milestone.State.choices)
        self.roles = choice_map(Party.Role.choices)
        self.pillars = _by_code_and_name(Pillar.objects.all())
        self.focus_areas = _by_code_and_name(FocusArea.objects.all())
        self.deactivated: dict[int, str] = {}  # user id → username, as met in the file
        self._users_by_username: dict[str, list[tuple]] = {}
        self._users_by_email: dict[str, list[tuple]] = {}
        for row in User.objects.values_list("pk", "username", "email", "is_active"):
            self._users_by_username.setdefault(row[1].casefold(), []).append(row)
            if row[2]:
                self._users_by_email.setdefault(row[2].casefold(), []).append(row)
        self._orgs: dict[tuple[str, str], int] = {}
        self._orgs_by_short: dict[tuple[str, str], list[int]] = {}
        for pk, name, short, country in Organization.objects.values_list("pk", "name", "short_name", "country"):
            self._orgs[(normalise_name(name), country)] = pk
            if short:
                self._orgs_by_short.setdefault((normalise_name(short), country), []).append(pk)
        self.new_organizations: dict[OrgKey, tuple[str, str]] = {}  # key → (name as first written, country)

    # --- users ---

    def user(self, value: Any) -> int | None:
        text = parse_text(value)
        if not text:
            return None
        rows = self._users_by_username.get(text.casefold()) or self._users_by_email.get(text.casefold()) or []
        exact = [row for row in rows if row[1] == text]
        rows = exact or rows
        if not rows:
            raise CellProblem(_("no user “%(value)s”: give a username or an e-mail address.") % {"value": text})
        if len(rows) > 1:
            raise CellProblem(_("“%(value)s” matches several users; give the username.") % {"value": text})
        pk, username, _email, active = rows[0]
        if not active:  # fine where the owner stays as it is (an export re-imported); refused where set
            self.deactivated[pk] = username
        return pk

    # --- organizations ---

    def organization(self, name: str, country: str) -> OrgKey:
        if not countries.alpha2(country):
            raise CellProblem(_("“%(country)s” is not an ISO 3166 country code (e.g. JP, KZ, UZ).")
                              % {"country": country})
        key = (normalise_name(name), country)
        if key in self._orgs:
            return self._orgs[key]
        by_short = self._orgs_by_short.get(key, [])
        if len(by_short) == 1:
            return by_short[0]
        if not self.create_organizations:
            raise CellProblem(_("unknown organization “%(org)s”. Add it in the admin first, or import with "
                                "“create missing organizations” (--create-organizations).")
                              % {"org": format_organization(name, country)})
        new_key = ("new",) + key
        self.new_organizations.setdefault(new_key, (re.sub(r"\s+", " ", name).strip(), country))
        return new_key

    def lead_organization(self, value: Any) -> OrgKey | None:
        text = parse_text(value)
        if not text:
            return None
        name, country, role = _party_parts(text, lead=True)
        return self.organization(name, country)

    def parties(self, value: Any) -> Unordered:
        entries = []
        problems = []
        for item in split_list(parse_text(value)):
            try:
                name, country, role_text = _party_parts(item)
                role = parse_choice(role_text, self.roles, ROLE) if role_text else Party.Role.SIGNATORY
                entries.append((self.organization(name, country), role))
            except CellProblem as problem:
                problems.append(str(problem))
        if problems:
            raise CellProblem(" ".join(problems))
        return Unordered(entries)

    # --- pillars and focus areas ---

    def pillar(self, value: Any) -> int | None:
        found = parse_choice(value, self.pillars, PILLAR)
        return found.pk if found else None

    def focus_area_ids(self, value: Any) -> frozenset[int]:
        return frozenset(parse_choice(item, self.focus_areas, FOCUS_AREA).pk
                         for item in split_list(parse_text(value)))


def _by_code_and_name(queryset) -> dict[str, Any]:
    mapping = {}
    for obj in queryset:
        mapping[normalise(obj.name)] = obj
        mapping[normalise(obj.code)] = obj
    return mapping


def _party_parts(text: str, *, lead: bool = False) -> tuple[str, str, str | None]:
    try:
        name, country, role = parse_party(text)
    except ValueError:
        example = "Japan International Cooperation Agency (JP)" + ("" if lead else " [implementing]")
        raise CellProblem(_("“%(value)s” should look like “%(example)s”.")
                          % {"value": text, "example": example}) from None
    if lead and role is not None:
        raise CellProblem(_("“%(value)s”: the lead organization has no role; write “Name (CC)”.") % {"value": text})
    return name, country, role


def deactivated_owner(lookups: Lookups, owner: int | None) -> str | None:
    """The refusal when a row would make a deactivated user an owner (see Lookups.user)."""
    if owner in lookups.deactivated:
        return _("the user “%(value)s” is deactivated.") % {"value": lookups.deactivated[owner]}
    return None
