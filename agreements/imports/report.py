"""What an import says back: each problem as "row N, column X: what is wrong", and per row
what was (or, in a dry run, would be) created, updated or left unchanged."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _, ngettext

MAX_PROBLEMS = 1000  # a wrong file of 20,000 rows must not produce a report nobody can read


@dataclass(frozen=True)
class Problem:
    message: str
    row: int | None = None
    column: str | None = None
    sheet: str = "agreements"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("milestones row %(row)d") % {"row": self.row} if self.sheet == "milestones"
                         else _("row %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Outcome:
    sheet: str
    row: int
    reference: str
    action: str  # created | updated | unchanged
    changes: list[str] = field(default_factory=list)
    note: str = ""
    own_reference: bool = False  # created under the file's own reference
    title: str = ""  # a milestone's title
    fields: list = field(default_factory=list)  # agreements.imports.changes.Change: column, old → new


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems_left_out: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add(self, problem: Problem) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems_left_out += 1
        else:
            self.problems.append(problem)

    def count(self, sheet: str, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.sheet == sheet and outcome.action == action)

    def counts(self, sheet: str = "agreements") -> dict[str, int]:
        return {action: self.count(sheet, action) for action in ("created", "updated", "unchanged")}

    def summary(self) -> str:
        """One paragraph a person reads first."""
        if not self.ok:
            total = len(self.problems) + self.problems_left_out
            return _("%(count)d problem(s) found in %(source)s: nothing was written. Fix them and import again.") % {
                "count": total, "source": self.source}
        agreements, milestones = self.counts("agreements"), self.counts("milestones")
        text = _("Agreements: %(created)d created, %(updated)d updated, %(unchanged)d unchanged. "
                 "Milestones: %(m_created)d created, %(m_updated)d updated, %(m_unchanged)d unchanged.") % {
            **agreements, "m_created": milestones["created"], "m_updated": milestones["updated"],
            "m_unchanged": milestones["unchanged"]}
        own = sum(1 for o in self.outcomes if o.own_reference and o.action == "created")
        if own:
            text += " " + ngettext("%(count)d created with the file's own reference.",
                                   "%(count)d created with the file's own references.", own) % {"count": own}
        if self.organizations_created:
            text += " " + _("Organizations created: %(count)d.") % {"count": len(self.organizations_created)}
        if self.dry_run:
            text = _("Dry run, nothing was written. It would give: %(text)s") % {"text": text}
        return text

    def change_lines(self) -> list[str]:
        """Each updated row and, under it, each changed column: old → new (a blank shown as “(blank)”)."""
        lines = []
        for outcome in self.outcomes:
            if outcome.action != "updated":
                continue
            what = (_("milestones row %(row)d, %(reference)s “%(title)s”") if outcome.sheet == "milestones"
                    else _("row %(row)d, %(reference)s")) % {"row": outcome.row, "reference": outcome.reference,
                                                              "title": outcome.title}
            lines.append(_("%(what)s: updated") % {"what": what})
            for change in outcome.fields:
                lines.append("  " + _("%(column)s: %(old)s → %(new)s") % {
                    "column": change.column, "old": f"“{change.old}”" if change.old else _("(blank)"),
                    "new": f"“{change.new}”" if change.new else _("(blank)")})
        return lines

    def lines(self) -> list[str]:
        """The problems as text lines, the ones left out counted at the end."""
        lines = [str(problem) for problem in self.problems]
        if self.problems_left_out:
            lines.append(_("… and %(count)d more problems.") % {"count": self.problems_left_out})
        return lines
