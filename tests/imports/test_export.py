"""Exports, read back with csv and openpyxl: the template's columns, real types, no formulas."""
from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements import policy
from agreements.actions.progress import record_progress
from agreements.imports import exports
from agreements.imports.columns import AGREEMENT_COLUMNS, MILESTONE_COLUMNS, names
from agreements.models import Agreement
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory

TODAY = datetime.date(2026, 2, 1)


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], line)) for line in rows[1:]]


@pytest.fixture
def exported(officer):
    lead = OrganizationFactory(name="Japan Bank for International Cooperation", country="JP")
    agreement = AgreementFactory(reference="CAJ-2025-001", title="=HYPERLINK(\"http://evil\")", owner=officer,
                                 value=Decimal("1500000000.00"), currency="JPY", lead_organization=lead,
                                 summary="-1 risk\n+2 plan", signed_at="@Tokyo", end_date=datetime.date(2030, 1, 1))
    MilestoneFactory(agreement=agreement, title="Loan signed", due_on=datetime.date(2026, 1, 15))
    MilestoneFactory(agreement=agreement, title="First disbursement", due_on=datetime.date(2026, 9, 1))
    return agreement


@time_machine.travel(datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.timezone.utc))
def test_agreements_csv_has_the_template_columns_then_read_only_ones(exported, manager, move_to):
    move_to(exported, "in_progress")
    record_progress(exported, by=manager, percent_complete=40, health="at_risk", summary="Slow.")
    response = exports.agreements_csv_response(Agreement.objects.all())
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="agreements.csv"'
    rows = csv_rows(response)
    assert rows[0][:len(AGREEMENT_COLUMNS)] == names(AGREEMENT_COLUMNS)
    line = as_dicts(rows)[0]
    assert line["reference"] == "CAJ-2025-001"
    assert line["title"] == "'=HYPERLINK(\"http://evil\")"  # neutralised
    assert (line["summary"], line["signed_at"]) == ("'-1 risk\n+2 plan", "'@Tokyo")
    assert (line["signed_on"], line["end_date"], line["value"], line["currency"]) == ("2025-12-19", "2030-01-01",
                                                                                      "1500000000.00", "JPY")
    assert line["lead_organization"] == "Japan Bank for International Cooperation (JP)"
    assert line["parties"].count("[signatory]") == 2 and line["owner"] == "owner_officer"
    assert (line["status"], line["status_label"], line["health"], line["percent_complete"]) == (
        "in_progress", "In progress", "At risk", "40")
    assert line["overdue_milestones"] == "1" and line["last_update"].startswith("2026-02-01")


@time_machine.travel(datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.timezone.utc))
def test_milestones_csv_lists_each_milestone_with_its_agreement(exported):
    rows = csv_rows(exports.milestones_csv_response(Agreement.objects.all()))
    assert rows[0][:len(MILESTONE_COLUMNS)] == names(MILESTONE_COLUMNS)
    lines = as_dicts(rows)
    assert [(m["reference"], m["title"], m["due_on"], m["state"], m["overdue"]) for m in lines] == [
        ("CAJ-2025-001", "Loan signed", "2026-01-15", "planned", "yes"),
        ("CAJ-2025-001", "First disbursement", "2026-09-01", "planned", "no")]
    assert lines[0]["agreement_title"] == "'=HYPERLINK(\"http://evil\")"


@time_machine.travel(datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.timezone.utc))
def test_xlsx_has_two_sheets_with_real_dates_numbers_and_a_frozen_bold_header(exported):
    response = exports.xlsx_response(Agreement.objects.all())
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert 'filename="agreements.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(content(response)))
    assert book.sheetnames == ["agreements", "milestones"]
    sheet = book["agreements"]
    header = [c.value for c in sheet[1]]
    assert header[:len(AGREEMENT_COLUMNS)] == names(AGREEMENT_COLUMNS)
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["B"].width == 50
    line = dict(zip(header, [c for c in sheet[2]]))
    assert line["signed_on"].value == datetime.datetime(2025, 12, 19)
    assert line["signed_on"].number_format == "yyyy-mm-dd"
    assert line["value"].data_type == "n" and line["value"].value == 1500000000
    assert line["title"].data_type == "s" and line["title"].value == "'=HYPERLINK(\"http://evil\")"
    assert line["overdue_milestones"].value == 1
    milestones = book["milestones"]
    assert [c.value for c in milestones[1]][:len(MILESTONE_COLUMNS)] == names(MILESTONE_COLUMNS)
    assert milestones["C2"].value == datetime.datetime(2026, 1, 15) and milestones.max_row == 3


def test_no_cell_of_an_export_is_a_formula(exported):
    book = openpyxl.load_workbook(io.BytesIO(content(exports.xlsx_response(Agreement.objects.all()))))
    assert all(cell.data_type != "f" for sheet in book for line in sheet.iter_rows() for cell in line)


def test_control_characters_that_xlsx_cannot_hold_are_dropped(exported):
    Agreement.objects.filter(pk=exported.pk).update(summary="bell\x07 and tab\tkept")
    book = openpyxl.load_workbook(io.BytesIO(content(exports.xlsx_response(Agreement.objects.all()))))
    header = [c.value for c in book["agreements"][1]]
    assert book["agreements"].cell(2, header.index("summary") + 1).value == "bell and tab\tkept"


def count_queries(produce) -> int:
    with CaptureQueriesContext(connection) as queries:
        produce()
    return len(queries)


@pytest.mark.parametrize("kind", ["csv", "milestones", "xlsx"])
def test_exports_use_a_constant_number_of_queries(officer, teammate, kind):
    def export():
        queryset = Agreement.objects.all()
        if kind == "csv":
            return content(exports.agreements_csv_response(queryset))
        if kind == "milestones":
            return content(exports.milestones_csv_response(queryset))
        return content(exports.xlsx_response(queryset))

    def add(count):
        for _ in range(count):
            agreement = AgreementFactory(owner=officer, lead_organization=OrganizationFactory())
            agreement.team.add(teammate)
            agreement.focus_areas.add(*agreement.pillar.focus_areas.all()[:2])
            MilestoneFactory(agreement=agreement)

    add(2)
    small = count_queries(export)
    add(10)
    assert count_queries(export) == small


def test_the_callers_filtered_queryset_is_what_is_exported(data_entry, agreement, restricted):
    rows = as_dicts(csv_rows(exports.agreements_csv_response(policy.visible_agreements(data_entry))))
    assert [line["reference"] for line in rows] == [agreement.reference]


def test_an_ordered_queryset_keeps_its_order(officer):
    for reference in ("CAJ-2025-002", "CAJ-2025-001", "CAJ-2025-003"):
        AgreementFactory(reference=reference)
    default = as_dicts(csv_rows(exports.agreements_csv_response(Agreement.objects.order_by())))
    reverse = as_dicts(csv_rows(exports.agreements_csv_response(Agreement.objects.order_by("-reference"))))
    assert [r["reference"] for r in default] == ["CAJ-2025-001", "CAJ-2025-002", "CAJ-2025-003"]
    assert [r["reference"] for r in reverse] == ["CAJ-2025-003", "CAJ-2025-002", "CAJ-2025-001"]


def test_the_templates_hold_the_headers_and_a_help_sheet(db):
    assert csv_rows(exports.template_csv_response()) == [names(AGREEMENT_COLUMNS)]
    assert csv_rows(exports.template_csv_response("milestones")) == [names(MILESTONE_COLUMNS)]
    book = openpyxl.load_workbook(io.BytesIO(content(exports.template_xlsx_response())))
    assert book.sheetnames == ["agreements", "milestones", "help"]
    assert [c.value for c in book["agreements"][1]] == names(AGREEMENT_COLUMNS)
    assert [c.value for c in book["milestones"][1]] == names(MILESTONE_COLUMNS)
    help_rows = [[c.value for c in line] for line in book["help"].iter_rows()]
    assert ["kind", "mou", "Memorandum of understanding"] in help_rows
    assert ["pillar", "green-resilience", "Green and Resilience"] in help_rows
    assert any(line[1] == "parties (column required)" for line in help_rows)
    validations = book["agreements"].data_validations.dataValidation
    assert any("mou" in v.formula1 for v in validations)


def test_datetimes_are_written_in_the_current_time_zone(exported):
    Agreement.objects.filter(pk=exported.pk).update(
        last_progress_at=datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.timezone.utc))
    with timezone.override("Asia/Tashkent"):
        line = as_dicts(csv_rows(exports.agreements_csv_response(Agreement.objects.all())))[0]
    assert line["last_update"] == "2026-02-01 04:30"
