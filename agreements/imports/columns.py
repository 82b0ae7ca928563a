"""The bulk import/export template: which columns, what each holds, how values are written.

One definition serves the importer (what it accepts), the exporter (what it writes, in
the same order, so an export re-imports), the downloadable template and its help sheet,
and the admin import page. A new column also needs its parser (import_plan.PARSERS), its
current value (import_existing.current_values) and, for a plain field, imports.FIELD_NAMES;
tests/test_import_roundtrip.py fails until export and import agree.

Lists inside a cell (focus areas, parties) are separated by `;`. A party is written
`Organization name (CC) [role]`: CC is the ISO 3166 alpha-2 country code, the role is
optional (default signatory).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool  # must be present in the header row (its cells may still be blank where allowed)
    help: str | Promise
    example: str = ""


AGREEMENT_COLUMNS: tuple[Column, ...] = (
    Column("reference", True, _("Blank: a new agreement; its reference is generated (CAJ-<year of signature>-NNN). "
                                "Filled: the existing agreement to update, or your own reference for a new one "
                                "(e.g. MOFA-KZ-014), found by it next time."), ""),
    Column("title", True, _("Required. Up to 300 characters."), "Memorandum of cooperation on critical minerals"),
    Column("kind", True, _("Required. Code or label, e.g. mou or “Memorandum of understanding”."), "moc"),
    Column("pillar", True, _("Required. Code or name, e.g. green-resilience or “Green and Resilience”."),
           "green-resilience"),
    Column("focus_areas", False, _("Codes or names separated by “;”. May be blank."), "energy-resources"),
    Column("signed_on", True, _("Date of signature: YYYY-MM-DD, day first (20.12.2025) or an Excel date. Required "
                                "unless the status is draft."),
           "2025-12-19"),
    Column("signed_at", False, _("Place of signature."), "Tokyo"),
    Column("parties", True, _("Entries “Organization name (CC) [role]” separated by “;”. CC: ISO 3166 country code. "
                              "Role: signatory (default), implementing, financier or guarantor. A signed agreement "
                              "needs at least two."),
           "Japan Organization for Metals and Energy Security (JP); Ministry of Industry and Construction (KZ)"),
    Column("lead_organization", False, _("“Organization name (CC)”, or the name alone when it is one of the parties. "
                                         "May be blank."),
           "Japan Organization for Metals and Energy Security (JP)"),
    Column("owner", True, _("Username or e-mail of the responsible officer. Required unless the status is draft."),
           "officer"),
    Column("value", False, _("Amount, a plain number such as 1500000000 or 2500000.50. Needs a currency."), ""),
    Column("currency", False, _("ISO 4217 code of the value, e.g. JPY or USD."), ""),
    Column("end_date", False, _("YYYY-MM-DD or an Excel date; not before the signature."), ""),
    Column("confidentiality", False, _("internal (default: every signed-in user) or restricted (owner, team and "
                                       "managers)."), "internal"),
    Column("status", False, _("Code or label; default signed for a new agreement. For an existing agreement a "
                              "different status goes through the workflow with your rights."), "signed"),
    Column("summary", False, _("Free text."), ""),
    Column("confidence", False, _("How well the sources support the record: high, medium or low. May be blank."),
           ""),
    Column("sources", False, _("Public pages the record rests on: entries “title | address” separated by “;”. "
                               "May be blank."), ""),
)

MILESTONE_COLUMNS: tuple[Column, ...] = (
    Column("reference", True, _("The agreement's reference. For an agreement created by the same import (blank "
                                "reference), its exact title."), "CAJ-2025-017"),
    Column("title", True, _("Required. A milestone of the same agreement with this title is updated, else one is "
                            "added. Milestones missing from the file are left alone."), "Feasibility study delivered"),
    Column("due_on", True, _("Required. YYYY-MM-DD or an Excel date."), "2026-06-30"),
    Column("owner", False, _("Username or e-mail; blank: the agreement's owner."), ""),
    Column("state", False, _("planned (default), done or waived."), "planned"),
    Column("done_on", False, _("Required when the state is done."), ""),
    Column("waiver_reason", False, _("Required when the state is waived."), ""),
)

# Columns an export adds after the template columns. They describe the agreement as it
# is (computed or set by the workflow and progress updates); the importer ignores them.
AGREEMENT_READ_ONLY: tuple[Column, ...] = (
    Column("status_label", False, _("Read-only: the status in words.")),
    Column("health", False, _("Read-only: health from the latest progress update.")),
    Column("percent_complete", False, _("Read-only: from the latest progress update.")),
    Column("last_update", False, _("Read-only: date and time of the latest progress update.")),
    Column("overdue_milestones", False, _("Read-only: planned milestones past their due date.")),
)
MILESTONE_READ_ONLY: tuple[Column, ...] = (
    Column("agreement_title", False, _("Read-only: the agreement's title.")),
    Column("overdue", False, _("Read-only: yes when planned and past its due date.")),
)


def names(columns: tuple[Column, ...]) -> list[str]:
    return [column.name for column in columns]


def normalise_header(text: object) -> str:
    """“Signed on ” → “signed_on”: people retype headers with capitals and spaces."""
    return re.sub(r"[\s\-]+", "_", str(text or "").strip().lower())


# --- Values written inside a cell ----------------------------------------------------------

PARTY_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<country>[A-Za-z]{2})\)\s*(?:\[(?P<role>[^\]]*)\])?$")


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def format_organization(name: str, country: str) -> str:
    return f"{name} ({country})"


def format_party(name: str, country: str, role: str) -> str:
    return f"{name} ({country}) [{role}]"


def parse_party(text: str) -> tuple[str, str, str | None]:
    """“Name (CC) [role]” → (name, CC, role or None). Raises ValueError when it is not that shape.

    The country is the *last* parenthesised pair of letters, so names that contain
    parentheses themselves (“Japan International Cooperation Agency (JICA) (JP)”) work."""
    match = PARTY_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    role = match.group("role")
    return match.group("name").strip(), match.group("country").upper(), role.strip() if role is not None else None
