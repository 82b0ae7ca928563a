"""The dashboard as a workbook ("Export XLSX" on /reports/): one sheet per panel holding exactly
the figures on the screen, with the screen's labels in the user's language (statuses, pillars,
countries, health in words — never import codes).

Built from the same `figures.Dashboard` the template renders (and the same cache), so the two
cannot disagree; no query of its own. Sheet names are the panels' headings cut to Excel's 31
characters; the full heading, the date and the filters head every sheet.
"""
from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from agreements.reports.figures import Dashboard, Matrix

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
HEADER_ROW = 4  # rows 1–2: heading and context; row 3 empty


class Sheets:
    """Adds sheets with a heading, the context line and a table; keeps names unique and legal."""

    def __init__(self, context: str):
        self.book = Workbook()
        self.book.remove(self.book.active)
        self.context = context
        self.names: set[str] = set()

    def add(self, heading: str, header: list[str], rows: list[list], *, widths: dict[int, int] | None = None,
            totals: list | None = None):
        sheet = self.book.create_sheet(self.sheet_name(heading))
        text(sheet.cell(1, 1), heading).font = TITLE
        text(sheet.cell(2, 1), self.context)
        for column, label in enumerate(header, start=1):
            cell = text(sheet.cell(HEADER_ROW, column), label)
            cell.font, cell.alignment = BOLD, Alignment(wrap_text=True, vertical="top")
        for row_number, row in enumerate(rows + ([totals] if totals else []), start=HEADER_ROW + 1):
            for column, value in enumerate(row, start=1):
                cell = put(sheet.cell(row_number, column), value)
                if column == 1 or (totals and row is totals):
                    cell.font = BOLD
        for column in range(1, len(header) + 1):
            width = (widths or {}).get(column, 16 if column > 1 else 30)
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)
        return sheet

    def sheet_name(self, heading: str) -> str:
        base = FORBIDDEN_IN_SHEET_NAMES.sub(" ", heading).strip("'")[:31].strip()
        name, n = base, 2
        while name.lower() in self.names:
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        self.names.add(name.lower())
        return name


def text(cell, value: str):
    """A string cell that stays a string (a label starting with "=" is never a formula)."""
    cell.value = str(value)
    cell.data_type = "s"
    return cell


def put(cell, value):
    if isinstance(value, (int, Decimal, float)) and not isinstance(value, bool):
        cell.value = value
        if isinstance(value, Decimal):
            cell.number_format = "#,##0.##"
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif value is None:
        cell.value = None
    else:
        text(cell, value)
    return cell


def matrix_rows(matrix: Matrix) -> list[list]:
    return [[row.label, *(cell.count for cell in row.cells), row.total.count] for row in matrix.rows]


def context_line(dash: Dashboard, generated_at: datetime.datetime, prepared_for: str) -> str:
    when = _("As of %(when)s") % {"when": formats.date_format(generated_at, "DATETIME_FORMAT")}
    if dash.summary:
        filters = "; ".join(f"{label}: {', '.join(str(v) for v in values)}" for label, values in dash.summary)
        scope = f"{_('Filters:')} {filters}"
    else:
        scope = _("No filters: every agreement you may see.")
    return f"{when} · {_('prepared for %(name)s') % {'name': prepared_for}} · {scope}"


def dashboard_workbook(dash: Dashboard, *, generated_at: datetime.datetime, prepared_for: str) -> bytes:
    """The workbook's bytes: the panels of the page in its order. `generated_at` in the user's zone."""
    sheets = Sheets(context_line(dash, generated_at, prepared_for))
    head, ms = dash.headline, dash.milestones
    sheets.add(_("At a glance"), [_("Figure"), _("Number"), _("Agreements concerned")], [
        [capfirst(_("agreements")), head["total"].count, head["total"].agreements],
        [f'{capfirst(_("in implementation or beyond"))} (%)', dash.implementation_share, head["implementation"].count],
        [capfirst(_("milestones done to date")), ms["done"].count, ms["done"].agreements],
        [capfirst(_("milestones overdue")), ms["overdue"].count, ms["overdue"].agreements],
        [capfirst(_("milestones due in the next 30 days")), ms["upcoming"].count, ms["upcoming"].agreements],
        [capfirst(_("open agreements at risk or off track")), head["at_risk"].count, head["at_risk"].agreements],
        [capfirst(_("stale: signed or in progress, no update for 30 days")), head["stale"].count,
         head["stale"].agreements],
        [capfirst(_("closures waiting for approval")), head["closures"].count, head["closures"].agreements],
    ], widths={1: 52, 2: 12, 3: 22})

    matrix = dash.pillar_status
    sheets.add(_("Pillar × status"), [_("Pillar"), *(label for _key, label in matrix.columns), _("Total")],
               matrix_rows(matrix),
               totals=[_("All pillars"), *(f.count for f in matrix.totals), matrix.total.count if matrix.total else 0])
    sheets.add(_("Health of open agreements"), [_("Health"), _("Agreements")],
               [[label, figure.count] for _key, label, figure in dash.health])
    cp = dash.country_pillar
    sheets.add(_("Party country × pillar"), [_("Party country"), *(label for _key, label in cp.columns), _("Total")],
               matrix_rows(cp))
    fa = dash.focus_areas
    sheets.add(_("Focus areas"),
               [_("Focus area"), _("Pillar"), _("Agreements"), *(label for _key, label in fa.columns)],
               [[row.label, row.group, row.total.count, *(c.count for c in row.cells)] for row in fa.rows],
               widths={1: 36, 2: 28})
    money = dash.money
    pillars = [label for _key, label in money.columns]
    sheets.add(_("Value per currency"),
               [_("Currency"), *pillars, _("All pillars"), *(f'{p} — {_("Agreements")}' for p in pillars),
                f'{_("All pillars")} — {_("Agreements")}'],
               [[row.label, *(c.count for c in row.cells), row.total.count,
                 *(c.agreements for c in row.cells), row.total.agreements] for row in money.rows],
               widths={1: 12})
    sheets.add(_("Progress over time"),
               [_("Month"), _("Agreements signed"), _("Milestones due"), _("Milestones done"), _("Status changes")],
               [[formats.date_format(m.start, "YEAR_MONTH_FORMAT"), m.signed.count, m.due.count, m.done.count,
                 m.changes.count] for m in dash.months], widths={1: 18})
    no_owner = _("No owner")
    for heading, days, milestones in ((_("Overdue milestones"), _("Days late"), dash.overdue),
                                      (_("Milestones due in the next 30 days"), _("Days left"), dash.upcoming)):
        sheets.add(heading, [_("Due"), days, _("Milestone"), _("Agreement"), _("Reference"), _("Owner")], [
            [m.due_on, m.days, m.title, m.agreement.display_title, m.agreement.reference,
             str(m.owner or m.agreement.owner or no_owner)] for m in milestones],
            widths={1: 12, 2: 10, 3: 40, 4: 50, 5: 15, 6: 24})
    sheets.add(_("Agreements at risk or off track"),
               [_("Reference"), _("Agreement"), _("Health"), _("Status"), _("Pillar"), _("Last update"), _("Owner")], [
                   [a.reference, a.display_title, a.get_health_display(), a.get_status_display(), a.pillar.name,
                    timezone_date(a.last_progress_at) or _("never"), str(a.owner or no_owner)] for a in dash.at_risk],
               widths={1: 15, 2: 50, 6: 14, 7: 24})
    sheets.add(_("Data quality"), [_("Gap"), _("Agreements")],
               [[label, figure.count] for _gap, label, figure in dash.quality], widths={1: 60})
    out = io.BytesIO()
    sheets.book.save(out)
    return out.getvalue()


def timezone_date(moment: datetime.datetime | None) -> datetime.date | None:
    """The day of a moment in the current (the user's) time zone, as the page's |date shows it."""
    return timezone.localtime(moment).date() if moment else None
