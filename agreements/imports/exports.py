"""Exports of agreements and milestones, in the import template (so export → edit → import
round-trips), as CSV or XLSX.

Plain functions for any view: the caller passes an agreements queryset it has already
narrowed (`AgreementFilter(request.GET, queryset=policy.visible_agreements(user))`), and
gets a response back. The manager reports and the admin both use them.

- `agreements_csv_response(qs)` / `milestones_csv_response(qs)`: streamed
  (StreamingHttpResponse); rows come from `.iterator()` with prefetching in chunks, so
  memory and the number of queries per chunk stay constant however many rows there are.
- `xlsx_response(qs)`: one workbook, sheets `agreements` and `milestones`, written by
  openpyxl in write-only mode (rows streamed to a temporary file, not held in memory);
  real dates and numbers, a bold frozen header, column widths.

The template columns come first, in template order; read-only columns follow
(`columns.AGREEMENT_READ_ONLY`), which the importer ignores. Text cells beginning with
`=`, `+`, `-`, `@`, tab or CR get a leading apostrophe so no spreadsheet runs them as a
formula (the importer removes it again).
"""
from __future__ import annotations

import csv
import datetime
import tempfile
from decimal import Decimal
from typing import Any, Iterable, Iterator

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from agreements import policy
from agreements.batches import CHUNK
from agreements.filters import AgreementFilter
from agreements.imports import sources
from agreements.imports.columns import (
    AGREEMENT_COLUMNS,
    AGREEMENT_READ_ONLY,
    MILESTONE_COLUMNS,
    MILESTONE_READ_ONLY,
    format_organization,
    format_party,
    names,
)
from agreements.imports.files import neutralise
from agreements.models import Agreement, AgreementKind, Confidentiality, FocusArea, Milestone, Party, Pillar, Status

AGREEMENT_HEADER = names(AGREEMENT_COLUMNS) + names(AGREEMENT_READ_ONLY)
MILESTONE_HEADER = names(MILESTONE_COLUMNS) + names(MILESTONE_READ_ONLY)
WIDTHS = {"reference": 15, "title": 50, "parties": 60, "lead_organization": 40, "summary": 60, "focus_areas": 30,
          "agreement_title": 50, "waiver_reason": 30, "last_update": 17}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Rows (plain Python values: str, date, datetime, Decimal, int, None) ---------------------------

def export_queryset(agreements: QuerySet, today: datetime.date) -> QuerySet:
    """The caller's agreements with everything a row needs, in a constant number of queries per chunk."""
    overdue = (Milestone.objects.overdue(today).filter(agreement=OuterRef("pk")).order_by()
               .values("agreement").annotate(n=Count("pk")).values("n"))
    parties = Prefetch("parties", queryset=Party.objects.select_related("organization").order_by("id"))
    queryset = agreements.select_related("pillar", "owner", "lead_organization")
    queryset = queryset.prefetch_related("focus_areas", parties, "sources")
    queryset = queryset.annotate(overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)))
    return queryset if queryset.query.order_by else queryset.order_by("reference")


def agreement_row(agreement: Agreement) -> list[Any]:
    lead, owner, last = agreement.lead_organization, agreement.owner, agreement.last_progress_at
    parties = [format_party(p.organization.name, p.organization.country.code, p.role) for p in agreement.parties.all()]
    return [
        agreement.reference, agreement.title, agreement.kind, agreement.pillar.code,
        "; ".join(area.code for area in agreement.focus_areas.all()), agreement.signed_on, agreement.signed_at,
        "; ".join(parties), format_organization(lead.name, lead.country.code) if lead else "",
        owner.username if owner else "",
        agreement.value, agreement.currency, agreement.end_date, agreement.confidentiality, agreement.status,
        agreement.summary, *sources.export_cells(agreement),
        # read-only
        str(agreement.get_status_display()), str(agreement.get_health_display()), agreement.percent_complete,
        timezone.localtime(last).replace(tzinfo=None, second=0, microsecond=0) if last else None,
        agreement.overdue_count,
    ]


def agreement_rows(agreements: QuerySet, today: datetime.date | None = None) -> Iterator[list[Any]]:
    for agreement in export_queryset(agreements, today or timezone.localdate()).iterator(chunk_size=CHUNK):
        yield agreement_row(agreement)


def milestone_rows(agreements: QuerySet, today: datetime.date | None = None) -> Iterator[list[Any]]:
    today = today or timezone.localdate()
    milestones = (Milestone.objects.filter(agreement__in=agreements.order_by().values("pk"))
                  .select_related("agreement", "owner").order_by("agreement__reference", "due_on", "id"))
    for milestone in milestones.iterator(chunk_size=CHUNK):
        yield [
            milestone.agreement.reference, milestone.title, milestone.due_on,
            milestone.owner.username if milestone.owner else "", milestone.state, milestone.done_on,
            milestone.waiver_reason,
            milestone.agreement.title, "yes" if milestone.is_overdue(today) else "no",
        ]


# --- CSV -------------------------------------------------------------------------------------------

class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (datetime.date, Decimal, int)):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    return neutralise(str(value))


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """A UTF-8 BOM (so Excel reads the file as UTF-8), the header, then the rows, in blocks."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    block = []
    for row in rows:
        block.append(writer.writerow([csv_text(value) for value in row]))
        if len(block) >= 200:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)


def _streamed(lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def agreements_csv_response(agreements: QuerySet, filename: str = "agreements.csv") -> StreamingHttpResponse:
    return _streamed(csv_lines(AGREEMENT_HEADER, agreement_rows(agreements)), filename)


def milestones_csv_response(agreements: QuerySet, filename: str = "milestones.csv") -> StreamingHttpResponse:
    return _streamed(csv_lines(MILESTONE_HEADER, milestone_rows(agreements)), filename)


# --- XLSX ------------------------------------------------------------------------------------------

def xlsx_cell(sheet, value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))  # control characters are not allowed in XLSX
    if isinstance(value, (datetime.date, datetime.datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime.datetime) else "yyyy-mm-dd"
        return cell
    return value


def add_sheet(book: Workbook, title: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"  # must be set before the first row in write-only mode, as must widths
    for position, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = WIDTHS.get(name, 14)
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])


def write_xlsx(agreements: QuerySet, stream) -> None:
    book = Workbook(write_only=True)
    add_sheet(book, "agreements", AGREEMENT_HEADER, agreement_rows(agreements))
    add_sheet(book, "milestones", MILESTONE_HEADER, milestone_rows(agreements))
    book.save(stream)


def xlsx_response(agreements: QuerySet, filename: str = "agreements.xlsx") -> FileResponse:
    stream = tempfile.TemporaryFile()  # closed by the response once sent
    write_xlsx(agreements, stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


# --- The empty template (downloadable from the admin's import page) -----------------------------------

def template_csv_response(sheet: str = "agreements") -> StreamingHttpResponse:
    header = names(MILESTONE_COLUMNS) if sheet == "milestones" else names(AGREEMENT_COLUMNS)
    return _streamed(csv_lines(header, []), f"{sheet}-template.csv")


def accepted_values() -> list[tuple[str, list[tuple[str, str]]]]:
    """(column, [(code, label)]) for every column that takes a code: the help sheet and the admin page."""
    return [
        ("kind", [(code, str(label)) for code, label in AgreementKind.choices]),
        ("pillar", list(Pillar.objects.values_list("code", "name"))),
        ("focus_areas", [(a.code, f"{a.name} ({a.pillar.name})") for a in FocusArea.objects.select_related("pillar")]),
        ("confidentiality", [(code, str(label)) for code, label in Confidentiality.choices]),
        ("status", [(code, str(label)) for code, label in Status.choices]),
        ("parties: role", [(code, str(label)) for code, label in Party.Role.choices]),
        ("milestones: state", [(code, str(label)) for code, label in Milestone.State.choices]),
    ]


def template_workbook() -> Workbook:
    """Sheets `agreements` and `milestones` with the headers (drop-downs on the coded columns),
    and a `help` sheet: every column explained and every accepted code listed."""
    book = Workbook()
    book.remove(book.active)
    values = accepted_values()
    for title, columns in (("agreements", AGREEMENT_COLUMNS), ("milestones", MILESTONE_COLUMNS)):
        sheet = book.create_sheet(title)
        sheet.append(names(columns))
        sheet.freeze_panes = "A2"
        for position, column in enumerate(columns, start=1):
            sheet.cell(1, position).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(position)].width = WIDTHS.get(column.name, 16)
            codes = dict(values).get(column.name if title == "agreements" else f"milestones: {column.name}")
            if codes and column.name != "focus_areas":
                _drop_down(sheet, position, [code for code, _label in codes])
    _help_sheet(book.create_sheet("help"), values)
    return book


def _drop_down(sheet, position: int, codes: list[str]) -> None:
    """A suggestion list only: labels are accepted too, so other values are not refused here."""
    if len(",".join(codes)) > 250:
        return  # Excel refuses (as a damaged file) an inline list longer than 255 characters
    letter = get_column_letter(position)
    validation = DataValidation(type="list", formula1='"' + ",".join(codes) + '"', allow_blank=True,
                                showErrorMessage=False)
    validation.add(f"{letter}2:{letter}5000")
    sheet.add_data_validation(validation)


def _help_sheet(sheet, values) -> None:
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 22, 40
    sheet.column_dimensions["C"].width = 100
    sheet.append([_("sheet"), _("column"), _("what it holds")])
    for title, columns in (("agreements", AGREEMENT_COLUMNS), ("milestones", MILESTONE_COLUMNS)):
        for column in columns:
            required = " " + str(_("(column required)")) if column.required else ""
            sheet.append([title, column.name + required, str(column.help)])
    sheet.append([])
    sheet.append([_("accepted values"), _("code"), _("label (accepted too, any case)")])
    for column, codes in values:
        for code, label in codes:
            sheet.append([column, code, label])
    for row in (1, sheet.max_row - sum(len(c) for _n, c in values)):
        for cell in sheet[row]:
            cell.font = Font(bold=True)


def template_xlsx_response() -> FileResponse:
    stream = tempfile.TemporaryFile()
    template_workbook().save(stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename="agreements-template.xlsx", content_type=XLSX_TYPE)


EXPORTS = {"csv": agreements_csv_response, "xlsx": xlsx_response, "milestones-csv": milestones_csv_response}


def export_response(request: HttpRequest, fmt: str) -> HttpResponse:
    """The agreements behind a list or a report figure, as a file: the list's filter parameters,
    the same visibility — for the site's download links and the admin's alike. Invalid parameters
    are refused (400) rather than ignored, so an export never silently holds more than the person
    asked for."""
    if fmt not in EXPORTS:
        raise Http404
    filterset = AgreementFilter(request.GET or None, queryset=policy.visible_agreements(request.user), request=request)
    if filterset.is_bound and not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        return HttpResponse(_("These filters are not valid: %(problems)s") % {"problems": problems},
                            status=400, content_type="text/plain; charset=utf-8")
    rows = filterset.qs
    return EXPORTS[fmt](rows if rows.query.order_by else rows.order_by("reference"))
