"""The milestones sheet of an import: which agreement, which existing milestone, what changes.

A milestone has no reference of its own, so a row finds its milestone by title within the
agreement: first one with the same title *and* due date, then one with the same title if
only one is left. Milestones missing from the file are never deleted (deleting
by omission loses work when someone imports a partial sheet).
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from agreements.imports.files import Sheet
from agreements.imports.plan import MILESTONE_PARSERS, AgreementRow, MilestoneRow, Plan, cell, find_target, parse_row
from agreements.imports.values import deactivated_owner, normalise_name, parse_text
from agreements.models import Milestone

SHEET = "milestones"


def plan_milestones(plan: Plan, sheet: Sheet, index: dict[str, int]) -> None:
    new_by_title: dict[str, list[AgreementRow]] = {}
    for row in plan.agreements:
        if row.blank_reference and "title" in row.values:
            new_by_title.setdefault(normalise_name(row.values.get("title", "")), []).append(row)
    for number, cells in sheet.rows:
        milestone = _milestone_row(plan, sheet, number, cells, index, new_by_title)
        if milestone is not None:
            milestone.target.milestones.append(milestone)
            plan.milestones.append(milestone)
    for target in {id(m.target): m.target for m in plan.milestones}.values():
        _match_existing(plan, target)
    for milestone in plan.milestones:
        if milestone.action != "failed":
            _decide(plan, milestone)


def _milestone_row(plan: Plan, sheet: Sheet, number: int, cells: list, index: dict[str, int],
                   new_by_title: dict[str, list[AgreementRow]]) -> MilestoneRow | None:
    values, ok = parse_row(plan, sheet, number, cells, index, MILESTONE_PARSERS)
    for name in ("title", "due_on"):
        if ok and values.get(name) in (None, ""):
            plan.problem(_("is required."), number, name, SHEET)
            ok = False
    target = _target(plan, number, parse_text(cell(cells, index, "reference")), new_by_title)
    if target is None:
        return None
    if target.failed and target.row is not None:
        return None  # its agreement row is wrong already; reported there
    return MilestoneRow(number, target, values, action="" if ok else "failed")


def _target(plan: Plan, number: int, text: str, new_by_title: dict[str, list[AgreementRow]]) -> AgreementRow | None:
    if not text:
        plan.problem(_("is required."), number, "reference", SHEET)
        return None
    target = find_target(plan, text)
    if target is not None and target.existing is not None and not target.visible and target.row is None:
        plan.problem(_("“%(reference)s” is a restricted agreement that you may not change (only its owner, its team "
                       "and managers may). Remove this row, or ask a manager to import it.")
                     % {"reference": target.existing.reference}, number, "reference", SHEET)
        return None
    if target is not None:
        return target
    rows = new_by_title.get(normalise_name(text), [])
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        plan.problem(_("several new agreements are called “%(title)s” (rows %(rows)s).")
                     % {"title": text, "rows": ", ".join(str(r.row) for r in rows)}, number, "reference", SHEET)
    else:
        plan.problem(_("there is no agreement “%(value)s” that you can see, and no new agreement with this title in "
                       "the agreements sheet.") % {"value": text}, number, "reference", SHEET)
    return None


def _match_existing(plan: Plan, target: AgreementRow) -> None:
    """Pair rows with existing milestones: same title and due date first, then same title alone."""
    rows = [m for m in target.milestones if m.action != "failed"]
    _no_duplicates(plan, rows)
    existing = target.existing.related.milestones if target.existing else []
    claimed: set[int] = set()
    for exact in (True, False):
        for row in rows:
            if row.existing is not None or row.action == "failed":
                continue
            found = [m for m in existing if m.pk not in claimed and _same(m, row, exact)]
            if len(found) == 1 or (exact and found):
                row.existing = found[0]
                claimed.add(found[0].pk)
            elif found:
                plan.problem(_("%(reference)s has several milestones called “%(title)s” with other due dates; "
                               "give the due date it has now, or rename one in the admin.")
                             % {"reference": target.reference, "title": row.values["title"]}, row.row, "title", SHEET)
                row.action = "failed"


def _same(milestone: Milestone, row: MilestoneRow, exact: bool) -> bool:
    if normalise_name(milestone.title) != normalise_name(row.values["title"]):
        return False
    return milestone.due_on == row.values["due_on"] if exact else True


def _no_duplicates(plan: Plan, rows: list[MilestoneRow]) -> None:
    seen: dict[tuple, int] = {}
    for row in rows:
        key = (normalise_name(row.values["title"]), row.values["due_on"])
        if key in seen:
            plan.problem(_("the same milestone as milestones row %(first)d.") % {"first": seen[key]}, row.row,
                         "title", SHEET)
            row.action = "failed"
        seen.setdefault(key, row.row)


def resulting(row: MilestoneRow) -> dict[str, Any]:
    """The milestone as it will be: file values over the existing ones (owner blank → agreement's owner)."""
    old = row.existing
    values = {
        "title": row.values["title"], "due_on": row.values["due_on"],
        "owner": row.values.get("owner") or row.target.resulting("owner"),
        "state": row.values.get("state") or (old.state if old else Milestone.State.PLANNED),
        "done_on": row.values.get("done_on"), "waiver_reason": row.values.get("waiver_reason"),
    }
    if "owner" not in row.values and old:
        values["owner"] = old.owner_id
    if values["state"] == Milestone.State.DONE and values["done_on"] is None and old and old.state == values["state"]:
        values["done_on"] = old.done_on
    if values["waiver_reason"] is None:
        values["waiver_reason"] = old.waiver_reason if old else ""
    return values


def current(milestone: Milestone) -> dict[str, Any]:
    return {"title": milestone.title.strip(), "due_on": milestone.due_on, "owner": milestone.owner_id,
            "state": milestone.state, "done_on": milestone.done_on, "waiver_reason": milestone.waiver_reason}


def _decide(plan: Plan, row: MilestoneRow) -> None:
    values = resulting(row)
    problems = _state_problems(row, values)
    for column, message in problems:
        plan.problem(message, row.row, column, SHEET)
    if problems:
        row.action = "failed"
        return
    row.values = values
    if row.existing is None:
        row.action = "created"
    else:
        old = row.before = current(row.existing)
        row.changes = [name for name, value in values.items() if old[name] != value]
        row.action = "updated" if row.changes else "unchanged"
    refusal = deactivated_owner(plan.lookups, values.get("owner")) if row.action == "created" or "owner" in row.changes else None
    if refusal:
        plan.problem(refusal, row.row, "owner", SHEET)
        row.action = "failed"
        return
    if row.action != "unchanged" and not row.target.visible:
        plan.problem(_("this agreement's milestones cannot be changed by you."), row.row, "reference", SHEET)
        row.action = "failed"


def _state_problems(row: MilestoneRow, values: dict[str, Any]) -> list[tuple[str, str]]:
    """The database insists: done ⇔ a done date; waived ⇒ a reason. Say so per cell first."""
    problems = []
    if values["state"] == Milestone.State.DONE and values["done_on"] is None:
        problems.append(("done_on", _("give the date the milestone was done.")))
    if values["state"] != Milestone.State.DONE:
        if row.values.get("done_on"):
            problems.append(("done_on", _("only a done milestone has a done date.")))
        values["done_on"] = None
    if values["state"] == Milestone.State.WAIVED and not values["waiver_reason"].strip():
        problems.append(("waiver_reason", _("say why the milestone is waived.")))
    return problems
