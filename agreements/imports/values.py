"""Turning one spreadsheet cell into a value, or into a sentence saying what is wrong.

Each `parse_*` function takes what the reader produced (text from a CSV; text, numbers,
dates from an XLSX) and returns a clean value or raises `CellProblem` with a message that
completes "row N, column X: …". `Lookups` holds the reference data (choices, pillars,
focus areas, users, organizations) loaded once per import, so 2,000 rows cost a handful
of queries, not thousands.
"""
from __future__ import annotations

import datetime
import difflib
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Hashable

from django.utils.translation import gettext as _, gettext_lazy
import pycountry

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
DAY_FIRST_RE = re.compile(r"^(\d{1,2})([./\-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]00:00(?::00)?)?$")
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
    """Case, spaces and punctuation do not matter when matching codes, labels and names
    (“Green & Resilience”, “green-resilience” and “GREEN AND RESILIENCE” are one)."""
    text = re.sub(r"\s*&\s*", " and ", str(text).casefold())
    return " ".join(re.findall(r"\w+", text.replace("_", " ")))


def without_parentheses(text: str) -> str:
    """“Energy and resource development (incl. critical minerals)” → “Energy and resource development”."""
    return re.sub(r"\s*\([^)]*\)", " ", text).strip()


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


def parse_date(value: Any, order: str | None = None) -> datetime.date | None:
    """An ISO date, a real spreadsheet date, or day first (see `_day_first`); `order` is what
    the file's dates with “/” say (`slash_order`)."""
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
    text = str(value).strip()
    match = DATE_RE.match(text)
    try:
        if match:
            return _sane_year(datetime.date.fromisoformat(match.group(1)))
        day_first = DAY_FIRST_RE.match(text)
        if day_first:
            return _day_first(text, day_first, order)
    except ValueError:
        raise CellProblem(_("“%(value)s” is not a real date.") % {"value": value}) from None
    raise CellProblem(_("“%(value)s” is not a date in the form YYYY-MM-DD (e.g. 2025-12-19) or day.month.year "
                        "(19.12.2025).") % {"value": value})


def slash_order(text: Any) -> str | None:
    """What a date written with “/” says about the file's order: "dmy" (20/12/2025), "mdy"
    (12/20/2025, refused) or None (both parts up to 12, or not such a date)."""
    match = DAY_FIRST_RE.match(str(text).strip()) if isinstance(text, str) else None
    if not match or match.group(2) != "/":
        return None
    first, second = int(match.group(1)), int(match.group(3))
    return "dmy" if first > 12 >= second else "mdy" if second > 12 >= first else None


def _day_first(text: str, match: re.Match, order: str | None) -> datetime.date:
    """20.12.2025, 20-12-2025, 20/12/2025, 20.12.25: day first, as Central Asia, Russia, Japan's
    partners in Europe write it. With “/” a date such as 05/06/2025 could be American (month
    first): it is read day first only when the file's other “/” dates show that order."""
    first, separator, second, year = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
    if len(year) == 2:
        year = ("20" if int(year) < 50 else "19") + year
    if separator == "/" and second > 12 >= first:
        raise CellProblem(_("“%(value)s” puts the month first (%(second)d cannot be a month); write it as "
                            "YYYY-MM-DD or day first (%(dotted)s).")
                          % {"value": text, "second": second, "dotted": f"{second:02d}.{first:02d}.{year}"})
    if separator == "/" and first <= 12 and second <= 12 and first != second and order != "dmy":
        raise CellProblem(_("“%(value)s” could be %(one)s or %(other)s: no other date in the file shows whether the "
                            "day or the month comes first. Write it as YYYY-MM-DD, or day first with dots "
                            "(%(dotted)s).")
                          % {"value": text, "one": f"{year}-{second:02d}-{first:02d}",
                             "other": f"{year}-{first:02d}-{second:02d}",
                             "dotted": f"{first:02d}.{second:02d}.{year}"})
    return _sane_year(datetime.date(int(year), second, first))


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


CURRENCY_SIGNS = {"¥": "JPY", "JP¥": "JPY", "円": "JPY", "$": "USD", "US$": "USD", "€": "EUR", "£": "GBP",
                  "₸": "KZT", "₽": "RUB", "RUR": "RUB", "₩": "KRW", "元": "CNY", "SUM": "UZS", "SOM": "KGS",
                  "СУМ": "UZS", "СОМ": "KGS", "ТЕНГЕ": "KZT", "ИЕНА": "JPY", "ИЕН": "JPY", "ДОЛЛАР": "USD"}


def parse_currency(value: Any) -> str:
    """An ISO 4217 code (pycountry's list); anything else is refused with the code meant."""
    text = parse_text(value).upper()
    if not text or pycountry.currencies.get(alpha_3=text) is not None:
        return text
    guesses = currency_guesses(text)
    message = _("“%(value)s” is not an ISO 4217 currency code such as JPY or USD.") % {"value": text}
    if guesses:
        message += " " + did_you_mean(guesses)
    raise CellProblem(message)


def currency_guesses(text: str) -> list[str]:
    """YEN → JPY, Tenge → KZT, ¥ → JPY, JYP → JPY."""
    found = [CURRENCY_SIGNS[text]] if text in CURRENCY_SIGNS else []
    folded = normalise(text)
    for currency in pycountry.currencies:
        words = normalise(currency.name).split()
        if folded and (folded == normalise(currency.name) or folded in words or folded.rstrip("s") in words):
            found.append(currency.alpha_3)
    if not found:
        found = difflib.get_close_matches(text, [c.alpha_3 for c in pycountry.currencies], n=3, cutoff=0.6)
    return list(dict.fromkeys(found))[:3]


def did_you_mean(names: list[str]) -> str:
    return _("Did you mean %(names)s?") % {"names": _(" or ").join(f"“{name}”" for name in names)}


COUNTRY_NAMES = {"turkey": "TR", "russia": "RU", "uk": "GB", "great britain": "GB", "korea": "KR",
                 "kyrgyz republic": "KG", "kirghizia": "KG"}  # names in common use that ISO spells otherwise


def country_code(text: str) -> str | None:
    """An ISO 3166 country: its alpha-2 code, from alpha-2, alpha-3 or the English name; None if none."""
    text = text.strip()
    if len(text) == 2:
        found = pycountry.countries.get(alpha_2=text.upper())
    elif len(text) == 3:
        found = pycountry.countries.get(alpha_3=text.upper())
    else:
        try:
            found = pycountry.countries.lookup(COUNTRY_NAMES.get(text.casefold(), text))
        except LookupError:
            found = None
    return found.alpha_2 if found is not None else None


# --- Choices and reference data --------------------------------------------------------------

class Choices(dict):
    """Normalised code or label → value, and the names to suggest when a cell matches none.

    A label also matches without its parenthesis (“Energy and resource development” for
    “Energy and resource development (incl. critical minerals)”) unless that shorter form
    would name two things."""

    def __init__(self, entries) -> None:  # (code, label, value)
        super().__init__()
        self.names: dict[str, str] = {}  # normalised form → the name to show
        short: dict[str, set] = {}
        entries = list(entries)
        for code, label, value in entries:
            for name in (str(label), str(code)):
                self.setdefault(normalise(name), value)
                self.names.setdefault(normalise(name), name)
            for alias in [without_parentheses(str(label))] + slash_alternatives(str(label)):
                short.setdefault(normalise(alias), set()).add(code)
        for key, codes in short.items():
            if len(codes) == 1 and key and key not in self:
                self[key] = next(value for code, _label, value in entries if code in codes)

    def suggestions(self, text: str) -> list[str]:
        close = difflib.get_close_matches(normalise(text), list(self.names), n=3, cutoff=0.6)
        folded = normalise(text)
        if folded:  # a word of the label written alone (“energy”), when few labels hold it
            holding = [key for key in self.names if folded in key.split() or key.startswith(folded)]
            close += holding if len(holding) <= 3 else []
        return list(dict.fromkeys(self.names[key] for key in close))[:3]


def slash_alternatives(label: str) -> list[str]:
    """“Joint statement/declaration” → “Joint statement”, “Joint declaration”;
    “Supply/offtake contract” → “Supply contract”, “offtake contract”."""
    match = re.search(r"(\S+)/(\S+)", label)
    if not match:
        return []
    before, after = label[:match.start()], label[match.end():]
    return [f"{before}{word}{after}".strip() for word in (match.group(1), match.group(2))]


def choice_map(choices) -> Choices:
    return Choices((code, label, code) for code, label in choices)


def parse_choice(value: Any, mapping: dict[str, Any], what: str) -> Any:
    text = parse_text(value)
    if not text:
        return None
    found = mapping.get(normalise(text))
    if found is None:  # “Loan agreement (yen loan)”: a remark in brackets after the name
        found = mapping.get(normalise(without_parentheses(text))) if "(" in text else None
    if found is not None:
        return found
    message = _("“%(value)s” is not a known %(what)s.") % {"value": text, "what": what}
    guesses = mapping.suggestions(text) if isinstance(mapping, Choices) else []
    if guesses:
        message += " " + did_you_mean(guesses)
    raise CellProblem(message)


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
        self._by_name_anywhere: dict[str, set] = {}  # normalised name or short name → keys, any country
        self.org_names: dict[OrgKey, tuple[str, str, str]] = {}  # key → (name, short name, country)
        for pk, name, short, country in Organization.objects.values_list("pk", "name", "short_name", "country"):
            self._orgs[(normalise_name(name), country)] = pk
            self.org_names[pk] = (name, short, str(country))
            self._by_name_anywhere.setdefault(normalise_name(name), set()).add(pk)
            if short:
                self._orgs_by_short.setdefault((normalise_name(short), country), []).append(pk)
                self._by_name_anywhere.setdefault(normalise_name(short), set()).add(pk)
        self.row_parties: list[OrgKey] = []  # the parties of the row being read (the lead may be one of them)
        self.slash_order: str | None = None  # "dmy" / "mdy": what the file's dates with “/” say
        self.day_first_read = False  # a date was read day first (the report says so)
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

    def organization(self, name: str, country: str | None) -> OrgKey:
        """By name or short name, any case and spacing; the country may be left out when the
        name is that of one organization only (those the same file creates included)."""
        if country is None:
            return self._organization_anywhere(name)
        if not country_code(country) or len(country) != 2:
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
        if new_key not in self.new_organizations:
            self.new_organizations[new_key] = (re.sub(r"\s+", " ", name).strip(), country)
            self.org_names[new_key] = (self.new_organizations[new_key][0], "", country)
            self._by_name_anywhere.setdefault(key[0], set()).add(new_key)
        return new_key

    def _organization_anywhere(self, name: str) -> OrgKey:
        found = self._by_name_anywhere.get(normalise_name(name), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            countries_ = sorted({self.org_names[key][2] for key in found})
            raise CellProblem(_("“%(name)s” is the name of organizations in several countries (%(countries)s); add "
                                "the country, e.g. “%(example)s”.")
                              % {"name": name, "countries": ", ".join(countries_),
                                 "example": format_organization(name, countries_[0])})
        close = difflib.get_close_matches(normalise_name(name), list(self._by_name_anywhere), n=3, cutoff=0.8)
        guesses = [self.describe_organization(next(iter(self._by_name_anywhere[key]))) for key in close]
        message = _("unknown organization “%(org)s”. Write it as “Name (CC)” with its ISO 3166 country code, e.g. "
                    "“%(example)s”, so it can be found or created.") % {"org": name,
                                                                        "example": format_organization(name, "JP")}
        if guesses:
            message += " " + did_you_mean(guesses)
        raise CellProblem(message)

    def describe_organization(self, key: OrgKey) -> str:
        name, _short, country = self.org_names.get(key, ("?", "", "?"))
        return format_organization(name, country)

    def lead_organization(self, value: Any) -> OrgKey | None:
        text = parse_text(value)
        if not text:
            return None
        name, country, role = _party_parts(text, lead=True)
        if country is None:  # one of the row's parties, by name or short name?
            wanted = normalise_name(name)
            for key in self.row_parties:
                full, short, _country = self.org_names.get(key, ("", "", ""))
                if wanted in (normalise_name(full), normalise_name(short)):
                    return key
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
        self.row_parties = [key for key, _role in entries]
        return Unordered(entries)

    # --- dates ---

    def date(self, value: Any) -> datetime.date | None:
        day = parse_date(value, self.slash_order)
        if day is not None and isinstance(value, str) and DAY_FIRST_RE.match(value.strip()):
            self.day_first_read = True
        return day

    # --- pillars and focus areas ---

    def pillar(self, value: Any) -> int | None:
        found = parse_choice(value, self.pillars, PILLAR)
        return found.pk if found else None

    def focus_area_ids(self, value: Any) -> frozenset[int]:
        return frozenset(parse_choice(item, self.focus_areas, FOCUS_AREA).pk
                         for item in split_list(parse_text(value)))


def _by_code_and_name(queryset) -> Choices:
    return Choices((obj.code, obj.name, obj) for obj in queryset)


def _party_parts(text: str, *, lead: bool = False) -> tuple[str, str | None, str | None]:
    """(name, country or None, role or None). The country is a last parenthesis holding an ISO
    3166 code (alpha-2 or alpha-3) or an English country name; any other parenthesis is part of
    the name (“Japan International Cooperation Agency (JICA)”)."""
    try:
        name, country, role = parse_party(text)
    except ValueError:
        name, country, role = _loose_party(text)
    if not name:
        example = "Japan International Cooperation Agency (JP)" + ("" if lead else " [implementing]")
        raise CellProblem(_("“%(value)s” should look like “%(example)s”.")
                          % {"value": text, "example": example})
    if lead and role is not None:
        raise CellProblem(_("“%(value)s”: the lead organization has no role; write “Name (CC)”.") % {"value": text})
    return name, country, role


LOOSE_PARTY_RE = re.compile(r"^(?P<name>[^\[\]]*?)\s*(?:\((?P<country>[^()]*)\))?\s*(?:\[(?P<role>[^\]]*)\])?$")


def _loose_party(text: str) -> tuple[str, str | None, str | None]:
    match = LOOSE_PARTY_RE.match(text.strip())
    if not match:
        return "", None, None
    name, country, role = match.group("name").strip(), match.group("country"), match.group("role")
    if country is not None:
        code = country_code(country) if len(country.strip()) != 2 else None
        if code:
            country = code
        else:  # not a country: the parenthesis belongs to the name
            name, country = f"{name} ({country.strip()})", None
    return name, country, role.strip() if role is not None else None


def deactivated_owner(lookups: Lookups, owner: int | None) -> str | None:
    """The refusal when a row would make a deactivated user an owner (see Lookups.user)."""
    if owner in lookups.deactivated:
        return _("the user “%(value)s” is deactivated.") % {"value": lookups.deactivated[owner]}
    return None
