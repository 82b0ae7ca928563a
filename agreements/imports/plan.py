"""Checking a whole import before anything is written: the plan.

Every row of both sheets is read and checked, and every problem collected (not only the
first), before `agreements.imports` writes a thing. The plan says for each row what will
happen: create, update (which columns) or nothing.

Matching rules (README, "Bulk import and export"):

- A filled `reference` names an existing agreement the importer may change. One in the
  tracker's `CAJ-<year>-NNN` series that does not exist is a typo (an error); any other
  reference that does not exist is the file's own numbering: the agreement is created
  under it, and found by it when the file is imported again. A reference that exists but
  names a restricted agreement the importer may not change is refused as such (never
  "leave it blank", which would duplicate it); its contents are not compared.
- The same reference on two rows is a duplicate pair: both rows are named.
- A blank `reference` creates an agreement — unless one with the same title and date of
  signature already exists and is identical in every column of the row; then the row is
  "unchanged". That is what makes re-importing the same file change nothing. If such an
  agreement exists but differs, the row is refused with its reference, so a correction
  is never silently applied to the wrong agreement nor silently duplicated.
- A column missing from the file leaves that field alone on existing agreements; a blank
  cell in a present column clears the field (or, for choices that cannot be empty, keeps
  it).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable

from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from openpyxl.utils import get_column_letter

from agreements import references as tracker_references
from agreements import workflow
from agreements.imports import sources
from agreements.imports.columns import (
    AGREEMENT_COLUMNS,
    AGREEMENT_READ_ONLY,
    MILESTONE_COLUMNS,
    MILESTONE_READ_ONLY,
    Column,
    names,
    normalise_header,
)
from agreements.imports.existing import agreements_by_title, current_values, load_by_reference
from agreements.imports.files import Sheet, is_blank
from agreements.imports.report import Problem
from agreements.imports.values import (
    CellProblem,
    Lookups,
    Unordered,
    deactivated_owner,
    normalise_name,
    parse_amount,
    parse_choice,
    parse_currency,
    parse_text,
    slash_order,
)
from agreements.models import Agreement, Milestone, Status

# What a choice column holds, for "“x” is not a known …" (lazy: translated only when a cell is wrong).
KIND, CONFIDENTIALITY, STATE, STATUS = (gettext_lazy("kind of agreement"), gettext_lazy("confidentiality"),
                                         gettext_lazy("milestone state"), gettext_lazy("status"))

PARSERS: dict[str, Callable[[Any, Lookups], Any]] = {
    "title": lambda value, lookups: parse_text(value, 300),
    "kind": lambda value, lookups: parse_choice(value, lookups.kinds, KIND),
    "pillar": lambda value, lookups: lookups.pillar(value),
    "focus_areas": lambda value, lookups: lookups.focus_area_ids(value),
    "signed_on": lambda value, lookups: lookups.date(value),
    "signed_at": lambda value, lookups: parse_text(value, 100),
    "parties": lambda value, lookups: lookups.parties(value),
    "lead_organization": lambda value, lookups: lookups.lead_organization(value),
    "owner": lambda value, lookups: lookups.user(value),
    "value": lambda value, lookups: parse_amount(value),
    "currency": lambda value, lookups: parse_currency(value),
    "end_date": lambda value, lookups: lookups.date(value),
    "confidentiality": lambda value, lookups: parse_choice(value, lookups.confidentialities, CONFIDENTIALITY),
    "summary": lambda value, lookups: parse_text(value),
    "confidence": lambda value, lookups: sources.parse_confidence(value),
    "sources": lambda value, lookups: sources.parse_sources(value),
}
MILESTONE_PARSERS: dict[str, Callable[[Any, Lookups], Any]] = {
    "title": lambda value, lookups: parse_text(value, 300),
    "due_on": lambda value, lookups: lookups.date(value),
    "owner": lambda value, lookups: lookups.user(value),
    "state": lambda value, lookups: parse_choice(value, lookups.states, STATE),
    "done_on": lambda value, lookups: lookups.date(value),
    "waiver_reason": lambda value, lookups: parse_text(value),
}
NEVER_BLANK = {"title", "kind", "pillar"}  # a blank cell is an error
KEEP_WHEN_BLANK = {"confidentiality", "status", "state"}  # a blank cell keeps the current value / the default
NEW_DEFAULTS = {"focus_areas": frozenset(), "signed_on": None, "signed_at": "", "parties": Unordered(),
                "lead_organization": None, "owner": None, "value": None, "currency": "", "end_date": None,
                "confidentiality": Agreement.Confidentiality.INTERNAL, "summary": "", "confidence": "", "sources": ()}
# Workflow conditions that are facts about the data, with the column that fixes them. (Rights
# and the four-eyes rule are about people, and are checked by workflow.transition.)
CONDITION_COLUMNS = {
    workflow.needs_signature_date: "signed_on", workflow.needs_two_parties: "parties",
    workflow.needs_owner: "owner", workflow.needs_milestones_closed: "status",
}


@dataclass
class AgreementRow:
    row: int | None  # None: an existing agreement named only by milestone rows
    reference: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    existing: Agreement | None = None
    visible: bool = True
    action: str = ""  # created | updated | unchanged
    changes: list[str] = field(default_factory=list)
    status_path: list[str] = field(default_factory=list)
    note: str = ""
    failed: bool = False
    blank_reference: bool = False  # a new agreement, or one found by title and date
    own_reference: bool = False  # a new agreement under the file's own reference (not CAJ-<year>-NNN)
    milestones: list["MilestoneRow"] = field(default_factory=list)
    created: Agreement | None = None  # filled by the writer
    logs: list = field(default_factory=list)  # TransitionLog rows replayed for a new agreement

    @property
    def agreement(self) -> Agreement | None:
        return self.existing or self.created

    def resulting(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        return current_values(self.existing)[name] if self.existing else NEW_DEFAULTS.get(name)

    @property
    def resulting_status(self) -> str:
        return self.status or (self.existing.status if self.existing else Status.SIGNED)

    @property
    def year(self) -> int:
        signed_on = self.resulting("signed_on")
        return signed_on.year if signed_on else timezone.localdate().year


@dataclass
class MilestoneRow:
    row: int
    target: AgreementRow
    values: dict[str, Any] = field(default_factory=dict)
    existing: Milestone | None = None
    action: str = ""
    changes: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)  # the existing milestone's values, to show old → new


@dataclass
class Plan:
    user: Any
    lookups: Lookups
    agreements: list[AgreementRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    targets: dict[str, AgreementRow] = field(default_factory=dict)  # existing, by reference
    problems: list[Problem] = field(default_factory=list)
    with_milestones: bool = True  # the file has a milestones sheet (existing milestones are loaded to match it)
    folded: dict[str, AgreementRow] = field(default_factory=dict)  # the same, by casefolded reference

    def add_target(self, reference: str, row: "AgreementRow") -> None:
        self.targets[reference] = row
        self.folded[reference.casefold()] = row

    def problem(self, message: str, row: int | None = None, column: str | None = None, sheet: str = "agreements"):
        self.problems.append(Problem(str(message), row, column, sheet))


# --- Headers -----------------------------------------------------------------------------------

def column_index(plan: Plan, sheet: Sheet, columns: tuple[Column, ...],
                 read_only: tuple[Column, ...]) -> dict[str, int]:
    """Position of each template column; problems for unknown, repeated and missing ones."""
    known, ignored, index = set(names(columns)), set(names(read_only)), {}
    width = max([len(sheet.header)] + [len(cells) for _number, cells in sheet.rows])
    for position in range(width):
        raw = sheet.header[position] if position < len(sheet.header) else None
        name = normalise_header(raw if isinstance(raw, str) else "")
        if not name:
            if any(position < len(cells) and not is_blank(cells[position]) for _number, cells in sheet.rows):
                plan.problem(_("this column has values but no name in the header row."), sheet.header_row,
                             get_column_letter(position + 1), sheet.name)
        elif name in index:
            plan.problem(_("appears twice in the header row."), sheet.header_row, name, sheet.name)
        elif name in known:
            index[name] = position
        elif name not in ignored:
            plan.problem(_("is not a column of the template (the columns are: %(columns)s).")
                         % {"columns": ", ".join(names(columns))}, sheet.header_row, str(raw).strip(), sheet.name)
    for column in columns:
        if column.required and column.name not in index:
            plan.problem(_("this required column is missing from the header row."), sheet.header_row, column.name,
                         sheet.name)
    return index


def cell(cells: list[Any], index: dict[str, int], name: str) -> Any:
    position = index.get(name)
    return cells[position] if position is not None and position < len(cells) else None


def parse_row(plan: Plan, sheet: Sheet, number: int, cells: list, index: dict[str, int],
              parsers: dict[str, Callable]) -> tuple[dict[str, Any], bool]:
    """The present columns' values; problems recorded. Returns (values, ok)."""
    values, ok = {}, True
    plan.lookups.row_parties = []
    for name, parse in parsers.items():
        if name not in index:
            continue
        raw = cell(cells, index, name)
        try:
            value = parse(raw, plan.lookups)
        except CellProblem as problem:
            plan.problem(str(problem), number, name, sheet.name)
            ok = False
            continue
        if name in NEVER_BLANK and value in (None, ""):
            plan.problem(_("is required."), number, name, sheet.name)
            ok = False
        elif not (name in KEEP_WHEN_BLANK and value is None):
            values[name] = value
    return values, ok


# --- Building the plan ---------------------------------------------------------------------------

def start_plan(user, agreements: Sheet, milestones: Sheet | None, *, create_organizations: bool = False
               ) -> tuple[Plan, dict[str, int], dict[str, int]]:
    """Check both headers and load the agreements the file names (marked visible or not)."""
    plan = Plan(user, Lookups(create_organizations=create_organizations), with_milestones=milestones is not None)
    index = column_index(plan, agreements, AGREEMENT_COLUMNS, AGREEMENT_READ_ONLY)
    m_index = column_index(plan, milestones, MILESTONE_COLUMNS, MILESTONE_READ_ONLY) if milestones else {}
    if not plan.problems:  # under a wrong header rows cannot be read reliably
        references = _references(agreements, index) | (_references(milestones, m_index) if milestones else set())
        found = load_by_reference(user, references, milestones=plan.with_milestones)
        for ref, agreement in found.items():
            plan.add_target(ref, AgreementRow(None, ref, existing=agreement, visible=agreement.visible))
        plan.lookups.slash_order = _slash_order([(agreements, index, ("signed_on", "end_date"))] + (
            [(milestones, m_index, ("due_on", "done_on"))] if milestones else []))
    return plan, index, m_index


def _slash_order(sheets) -> str | None:
    """Dates written 05/06/2025 are read in the order the file's unambiguous ones show (20/12/2025:
    day first); when those disagree or there are none, the ambiguous ones are refused."""
    seen = set()
    for sheet, index, columns in sheets:
        for _number, cells in sheet.rows:
            for name in columns:
                order = slash_order(cell(cells, index, name))
                if order:
                    seen.add(order)
    return seen.pop() if len(seen) == 1 else None


def duplicate_references(plan: Plan, sheet: Sheet, index: dict[str, int]) -> set[int]:
    """Rows naming the same reference as another row: each is told the other's number."""
    rows: dict[str, list[int]] = {}
    for number, cells in sheet.rows:
        value = cell(cells, index, "reference")
        if isinstance(value, str) and value.strip():
            rows.setdefault(value.strip().casefold(), []).append(number)
    failed = set()
    for numbers in rows.values():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = ", ".join(str(other) for other in numbers if other != number)
            plan.problem(_("the same reference as row %(others)s: a duplicate pair. Give each agreement one row "
                           "(delete one of them, or give one its own reference).") % {"others": others},
                         number, "reference")
        failed |= set(numbers)
    return failed


def plan_agreements(plan: Plan, sheet: Sheet, index: dict[str, int]) -> None:
    duplicates = duplicate_references(plan, sheet, index)
    for number, cells in sheet.rows:
        row = _agreement_row(plan, sheet, number, cells, index, duplicate=number in duplicates)
        plan.agreements.append(row)
    _match_new_rows(plan)
    for row in plan.agreements:
        if not row.failed:
            _decide(plan, row)


def check_new_conditions(plan: Plan) -> None:
    """Run once the milestones are attached (closure needs them done or waived)."""
    for row in plan.agreements:
        if not row.failed and row.action == "created":
            _check_new_conditions(plan, row)


def _references(sheet: Sheet, index: dict[str, int]) -> set[str]:
    found = set()
    for _number, cells in sheet.rows:
        value = cell(cells, index, "reference")
        if isinstance(value, str) and value.strip():
            found |= {value.strip(), value.strip().upper(), value.strip().lower()}
    return found


def find_target(plan: Plan, text: str) -> AgreementRow | None:
    return plan.targets.get(text) or plan.targets.get(text.upper()) or plan.folded.get(text.casefold())


def in_tracker_series(reference: str) -> bool:
    """CAJ-<year>-NNN (any case): references the tracker hands out, never the file's own."""
    text = reference.strip().upper()
    return bool(tracker_references.NUMBER_RE.match(text) or re.match(r"^CAJ[\s\-_/.]*\d", text))


def _agreement_row(plan: Plan, sheet: Sheet, number: int, cells: list, index: dict[str, int], *,
                   duplicate: bool = False) -> AgreementRow:
    row = AgreementRow(number)
    row.values, ok = parse_row(plan, sheet, number, cells, index, PARSERS)
    row.failed = not ok
    try:
        row.status = parse_choice(cell(cells, index, "status"), plan.lookups.statuses, STATUS)
    except CellProblem as problem:
        _fail(plan, row, str(problem), "status")
    try:
        row.reference = parse_text(cell(cells, index, "reference"), 32)
    except CellProblem as problem:
        _fail(plan, row, str(problem), "reference")
    if duplicate:
        row.failed = True
    elif row.reference:
        _attach_existing(plan, row)
    else:
        row.blank_reference = True
    return row


def _attach_existing(plan: Plan, row: AgreementRow) -> None:
    target = find_target(plan, row.reference)
    if target is None and in_tracker_series(row.reference):
        plan.problem(_("there is no agreement “%(reference)s”. References of the form CAJ-<year>-NNN are given by "
                       "the tracker, so this one is probably mistyped: check it against the agreement's page. (A "
                       "new agreement takes a blank reference or the file's own numbering.)")
                     % {"reference": row.reference}, row.row, "reference")
        row.failed = True
    elif target is None:
        row.own_reference = True  # the organisation's own numbering: a new agreement under it
        plan.add_target(row.reference, row)
    elif not target.visible:
        plan.problem(_("“%(reference)s” is a restricted agreement that you may not change (only its owner, its team "
                       "and managers may). Remove this row from the file, or ask a manager to import it. Do not blank "
                       "the reference: that would create a second copy.")
                     % {"reference": target.existing.reference}, row.row, "reference")
        row.failed = True
    elif target.row is not None:
        plan.problem(_("“%(reference)s” appears again (first in row %(first)d); give each agreement one row.")
                     % {"reference": row.reference, "first": target.row}, row.row, "reference")
        row.failed = True
    else:
        row.existing, row.reference = target.existing, target.existing.reference
        plan.add_target(row.reference, row)


def _claim(plan: Plan, row: AgreementRow) -> None:
    """A blank-reference row found to be an existing agreement: one row per agreement still holds."""
    target = plan.targets.get(row.reference)
    if target is not None and target.row is not None:
        _fail(plan, row, _("this is the same agreement as row %(first)d (%(reference)s).")
              % {"first": target.row, "reference": row.reference}, "title")
    else:
        plan.add_target(row.reference, row)


def _match_new_rows(plan: Plan) -> None:
    """Blank references: same title and signature date as another row, or as an existing agreement?"""
    new_rows = [row for row in plan.agreements if not row.reference and "title" in row.values]
    seen: dict[tuple, AgreementRow] = {}
    for row in new_rows:
        key = (normalise_name(row.values["title"]), row.values.get("signed_on"))
        if key in seen:
            plan.problem(_("same title and date of signature as row %(first)d; if they are different agreements, "
                           "tell them apart in the title.") % {"first": seen[key].row}, row.row, "title")
            row.failed = True
        seen.setdefault(key, row)
    own_rows = [row for row in plan.agreements if row.own_reference and not row.failed and "title" in row.values]
    candidates = agreements_by_title(plan.user, {row.values["title"] for row in new_rows + own_rows},
                                     milestones=plan.with_milestones)
    for row in new_rows:
        if not row.failed:
            key = (normalise_name(row.values["title"]), row.values.get("signed_on"))
            _match_one(plan, row, candidates.get(key, []))
    for row in own_rows:  # already recorded under another reference (say, imported before with a blank one)?
        key = (normalise_name(row.values["title"]), row.values.get("signed_on"))
        visible = [a for a in candidates.get(key, []) if a.visible]
        if visible:
            plan.problem(_("an agreement with this title and date of signature already exists: %(references)s. To "
                           "change it, put its reference in this row; to add another agreement, give this one a "
                           "different title.") % {"references": ", ".join(a.reference for a in visible)},
                         row.row, "reference")
            row.failed = True


def _match_one(plan: Plan, row: AgreementRow, candidates: list[Agreement]) -> None:
    def identical(agreement: Agreement) -> bool:
        current = current_values(agreement)
        same_values = all(current[name] == value for name, value in row.values.items())
        return same_values and row.status in (None, agreement.status)

    visible = [a for a in candidates if a.visible]
    same = [a for a in candidates if identical(a)]
    if same:
        row.existing, row.visible = same[0], same[0] in visible
        row.note = _("already imported")
        if row.visible:
            row.reference = same[0].reference
            _claim(plan, row)
    elif visible:
        plan.problem(_("an agreement with this title and date of signature already exists: %(references)s. To change "
                       "it, put its reference in this row; to add another agreement, give this one a different title.")
                     % {"references": ", ".join(a.reference for a in visible)}, row.row, "reference")
        row.failed = True


def _decide(plan: Plan, row: AgreementRow) -> None:
    """created / updated / unchanged, with the changed columns and the status path."""
    if row.existing is None:
        row.action = "created"
        row.status_path = _path(plan, row, Status.DRAFT, row.resulting_status)
    else:
        current = current_values(row.existing)
        row.changes = [name for name, value in row.values.items() if current[name] != value]
        if row.status and row.status != row.existing.status:
            row.status_path = _path(plan, row, row.existing.status, row.status)
            row.changes.append("status")
        row.action = "updated" if row.changes else "unchanged"  # an invisible match is identical: unchanged
    if not row.failed and row.action != "unchanged":
        _check_result(plan, row)


def _path(plan: Plan, row: AgreementRow, start: str, target: str) -> list[str]:
    if start == target:
        return []
    try:
        return workflow.path_to(target, start=start)
    except workflow.TransitionError:
        plan.problem(_("a %(from)s agreement cannot become %(to)s.")
                     % {"from": Status(start).label.lower(), "to": Status(target).label.lower()}, row.row, "status")
        row.failed = True
        return []


def _check_result(plan: Plan, row: AgreementRow) -> None:
    """Rules about the agreement as it will be, reported on the column to fix."""
    changed = set(row.changes) | (set(row.values) if row.action == "created" else set())
    value, currency = row.resulting("value"), row.resulting("currency")
    signed_on, end_date = row.resulting("signed_on"), row.resulting("end_date")
    refusal = deactivated_owner(plan.lookups, row.resulting("owner")) if "owner" in changed else None
    if refusal:
        _fail(plan, row, refusal, "owner")
    if value is not None and not currency and changed & {"value", "currency"}:
        _fail(plan, row, _("give the currency of the value (e.g. JPY)."), "currency")
    if signed_on and end_date and end_date < signed_on and changed & {"signed_on", "end_date"}:
        _fail(plan, row, _("ends before it was signed (%(date)s).") % {"date": signed_on}, "end_date")
    if row.resulting_status != Status.DRAFT and "signed_on" in changed:
        if signed_on and signed_on > timezone.localdate() + datetime.timedelta(days=1):
            _fail(plan, row, _("the date of signature is in the future."), "signed_on")
    if row.existing is not None and row.resulting_status != Status.DRAFT:
        for check in workflow.SIGN.checks:  # what signing needed must stay true once signed
            column = CONDITION_COLUMNS[check]
            reason = check(_stand_in(row, []), plan.user)
            if reason and column in changed:
                _fail(plan, row, reason, column)


def _check_new_conditions(plan: Plan, row: AgreementRow) -> None:
    """A new agreement recorded at status S must meet the conditions of every step to S."""
    states = [m.values.get("state") or Milestone.State.PLANNED for m in row.milestones]
    stand_in, previous, reported = _stand_in(row, states), Status.DRAFT, set()
    for status in row.status_path:
        for check in workflow.WORKFLOW[previous][status].checks:
            reason = check(stand_in, plan.user) if check in CONDITION_COLUMNS else None
            if reason and reason not in reported:
                reported.add(reason)
                _fail(plan, row, reason, CONDITION_COLUMNS[check])
        previous = status


def _stand_in(row: AgreementRow, milestone_states: list[str]) -> SimpleNamespace:
    """What the workflow's condition functions read, built from the row (nothing saved yet)."""
    parties = [SimpleNamespace(organization_id=key) for key, _role in row.resulting("parties")]
    milestones = [SimpleNamespace(state=state) for state in milestone_states]
    return SimpleNamespace(
        pk=None, signed_on=row.resulting("signed_on"), owner_id=row.resulting("owner"), closure_requested_by_id=None,
        _prefetched_objects_cache={"parties": parties, "milestones": milestones},
    )


def _fail(plan: Plan, row: AgreementRow, message: str, column: str) -> None:
    plan.problem(message, row.row, column)
    row.failed = True
