"""Bad files get a clear message, never a traceback, and nothing is written."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from agreements.imports.files import FileRefused, read_path
from agreements.imports.importer import import_agreements
from agreements.models import Agreement
from tests.imports.import_files import HEADER, csv_bytes, row, rows_of, upload, workbook, xlsx_bytes

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def run(user, data: bytes, name: str = "agreements.csv", **options):
    return import_agreements(user, upload(data, name), **options)


def only_problem(report) -> str:
    assert not report.ok
    assert len(report.problems) == 1, report.lines()
    return str(report.problems[0])


# --- Encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_utf8_is_read_with_or_without_bom(data_entry, bom):
    data = csv_bytes([row(title="Меморандум о сотрудничестве 協力覚書")], bom=bom)
    report = run(data_entry, data)
    assert report.ok, report.lines()
    assert Agreement.objects.get().title == "Меморандум о сотрудничестве 協力覚書"


def test_utf16_with_bom_from_excel_unicode_text_is_read(data_entry):
    text = "\t".join(HEADER) + "\r\n" + "\t".join(str(v) for v in row(title="Тест").values()) + "\r\n"
    report = run(data_entry, b"\xff\xfe" + text.encode("utf-16-le"), "agreements.txt")
    assert report.ok, report.lines()
    assert Agreement.objects.get().title == "Тест"


def test_windows_1251_is_recognised_and_read_without_mojibake(data_entry):
    data = csv_bytes([row(title="Меморандум о сотрудничестве", signed_at="Ташкент")], encoding="cp1251")
    report = run(data_entry, data)
    assert report.ok, report.lines()
    assert Agreement.objects.get().title == "Меморандум о сотрудничестве"
    assert any("recognised as Cyrillic Windows-1251" in note for note in report.notes)


def test_windows_1251_is_read_when_the_encoding_is_given(data_entry):
    data = csv_bytes([row(title="Меморандум о сотрудничестве")], encoding="cp1251")
    report = run(data_entry, data, encoding="cp1251")
    assert report.ok, report.lines()
    assert Agreement.objects.get().title == "Меморандум о сотрудничестве"
    assert any("Windows-1251" in note for note in report.notes)


def test_windows_1252_is_refused_then_read_when_told(data_entry):
    data = csv_bytes([row(title="Accord de coopération économique")], encoding="cp1252")
    assert "is not UTF-8 text" in only_problem(run(data_entry, data))
    assert run(data_entry, data, encoding="cp1252").ok
    assert Agreement.objects.get().title == "Accord de coopération économique"


def test_a_utf8_file_wrongly_declared_windows_1251_is_still_read_as_utf8(data_entry):
    data = csv_bytes([row(title="Меморандум")])
    assert run(data_entry, data, encoding="cp1251").ok
    assert Agreement.objects.get().title == "Меморандум"


# --- CSV shapes ----------------------------------------------------------------------------

def test_semicolon_separated_csv_is_read_and_said_so(data_entry):
    report = run(data_entry, csv_bytes([row(), row(title="Second one")], delimiter=";"))
    assert report.ok, report.lines()
    assert Agreement.objects.count() == 2
    assert any("semicolon" in note for note in report.notes)
    assert Agreement.objects.get(title="Second one").parties.count() == 2  # “;” inside quoted cells kept


def test_blank_lines_are_skipped_and_row_numbers_stay_those_of_the_sheet(data_entry):
    lines = csv_bytes([row(title="First"), row(title="Second", kind="no such kind")]).decode().splitlines()
    data = "\r\n".join([lines[0], "", lines[1], ",,,", "", lines[2], "", ""]).encode()
    message = only_problem(run(data_entry, data))
    assert message.startswith("row 6, column kind:")


def test_blank_lines_alone_do_not_stop_an_import(data_entry):
    lines = csv_bytes([row(title="First"), row(title="Second")]).decode().splitlines()
    data = "\n".join(["", lines[0], "", lines[1], "", "", lines[2], ""]).encode()
    assert run(data_entry, data).ok
    assert Agreement.objects.count() == 2


def test_duplicate_references_inside_the_file_are_reported(data_entry, agreement):
    data = csv_bytes([row(reference=agreement.reference), row(reference=agreement.reference, title="Other")])
    assert run(data_entry, data).lines() == [
        "row 2, column reference: the same reference as row 3: a duplicate pair. Give each agreement one row (delete "
        "one of them, or give one its own reference).",
        "row 3, column reference: the same reference as row 2: a duplicate pair. Give each agreement one row (delete "
        "one of them, or give one its own reference)."]


def test_the_same_new_agreement_twice_in_a_file_is_reported(data_entry):
    message = only_problem(run(data_entry, csv_bytes([row(), row()])))
    assert message.startswith("row 3, column title:") and "row 2" in message


def test_a_missing_required_column_is_named(data_entry):
    header = [name for name in HEADER if name != "pillar"]
    message = only_problem(run(data_entry, csv_bytes([row()], header)))
    assert message == "row 1, column pillar: this required column is missing from the header row."


def test_an_unknown_column_is_refused_but_export_columns_are_ignored(data_entry):
    report = run(data_entry, csv_bytes([row()], HEADER + ["titel"]))
    assert "row 1, column titel: is not a column of the template" in only_problem(report)
    data = csv_bytes([row(health="On track", status_label="Signed")], HEADER + ["status_label", "health"])
    report = run(data_entry, data)
    assert report.ok, report.lines()


def test_values_in_a_column_without_a_header_are_not_silently_dropped(data_entry):
    lines = csv_bytes([row()]).decode().splitlines()
    data = "\n".join([lines[0] + ",", lines[1] + ",forgotten note", lines[1].replace("critical", "rare") + ",,extra"])
    assert [str(p) for p in run(data_entry, data.encode()).problems] == [
        "row 1, column S: this column has values but no name in the header row.",
        "row 1, column T: this column has values but no name in the header row."]


def test_headers_may_use_capitals_and_spaces(data_entry):
    header = [name.replace("_", " ").title() for name in HEADER]
    data = csv_bytes([{h: v for h, v in zip(header, row().values())}], header)
    assert run(data_entry, data).ok


def test_formulas_in_csv_cells_are_refused(data_entry):
    message = only_problem(run(data_entry, csv_bytes([row(title="=HYPERLINK(\"http://x\",\"y\")")])))
    assert message.startswith("row 2, column title: is a formula")


def test_an_apostrophe_protected_cell_is_text(data_entry):
    assert run(data_entry, csv_bytes([row(title="'=Study of the Aral Sea basin")])).ok
    assert Agreement.objects.get().title == "=Study of the Aral Sea basin"


def test_an_empty_file_and_a_header_only_file(data_entry):
    assert "is empty" in only_problem(run(data_entry, b"  \n"))
    report = run(data_entry, csv_bytes([]))
    assert report.ok and report.counts() == {"created": 0, "updated": 0, "unchanged": 0}


def test_something_that_is_not_a_spreadsheet_is_refused(data_entry):
    assert "neither a CSV nor an XLSX" in only_problem(run(data_entry, b"%PDF-1.7\x00\x01\x02 binary", "report.pdf"))


# --- XLSX ----------------------------------------------------------------------------------

def test_xlsx_dates_numbers_and_text_are_read(data_entry):
    import datetime

    sheet = rows_of([row(signed_on=datetime.datetime(2025, 12, 19), value=1500000000, currency="JPY",
                         end_date=datetime.date(2030, 12, 31), signed_at=2025)], HEADER)
    assert run(data_entry, xlsx_bytes({"agreements": sheet}), "a.xlsx").ok
    agreement = Agreement.objects.get()
    assert (agreement.signed_on, agreement.end_date) == (datetime.date(2025, 12, 19), datetime.date(2030, 12, 31))
    assert agreement.value == 1500000000 and agreement.signed_at == "2025"


def test_formulas_in_xlsx_cells_are_refused(data_entry):
    message = only_problem(run(data_entry, workbook([row(value="=2*750000000", currency="JPY")]), "a.xlsx"))
    assert message.startswith("row 2, column value: is a formula (=2*750000000)")


def test_a_workbook_without_an_agreements_sheet_and_two_filled_sheets_is_refused(data_entry):
    data = xlsx_bytes({"Sheet1": rows_of([row()], HEADER), "Sheet2": [["x"]]})
    assert ("has no sheet called “agreements” and 2 sheets hold data (Sheet1, Sheet2): rename the one to import "
            "“agreements”.") in only_problem(run(data_entry, data, "a.xlsx"))


def test_the_downloaded_template_filled_in_is_read(data_entry):
    from agreements.imports.exports import template_workbook

    book = template_workbook()
    book["agreements"].append(list(row().values()))
    book["milestones"].delete_rows(1)  # an empty milestones sheet is no milestones sheet
    stream = io.BytesIO()
    book.save(stream)
    report = run(data_entry, stream.getvalue(), "template.xlsx")
    assert report.ok, report.lines()
    assert Agreement.objects.count() == 1


def test_a_workbook_with_one_sheet_of_another_name_is_read(data_entry):
    assert run(data_entry, xlsx_bytes({"Лист1": rows_of([row()], HEADER)}), "a.xlsx").ok


def test_a_corrupt_xlsx_is_refused(data_entry):
    data = workbook([row()])
    for broken in (data[: len(data) // 2], b"PK\x03\x04" + b"garbage" * 50):
        message = only_problem(run(data_entry, broken, "a.xlsx"))
        assert "damaged or not a real .xlsx" in message


def test_a_damaged_sheet_inside_a_valid_zip_is_refused(data_entry):
    data = rewrite_member(workbook([row()]), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c")
    assert "damaged or not a real .xlsx" in only_problem(run(data_entry, data, "a.xlsx"))


def test_a_password_protected_xlsx_is_refused_with_how_to_fix_it(data_entry):
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook([row()]))).encrypt("summit", encrypted)
    message = only_problem(run(data_entry, encrypted.getvalue(), "protected.xlsx"))
    assert "protected.xlsx is password-protected" in message and "remove the password" in message


def test_an_old_xls_file_is_refused(data_entry):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "old Excel 97-2003 (.xls)" in only_problem(run(data_entry, data, "old.xls"))


def test_a_zip_that_is_not_a_workbook_is_refused(data_entry):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    assert "not an Excel workbook" in only_problem(run(data_entry, stream.getvalue(), "sheet.ods"))


def test_xml_entities_are_refused_before_they_expand(data_entry):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    data = rewrite_member(workbook([row()]), "xl/worksheets/sheet1.xml", bomb)
    assert "XML entity or DTD declarations" in only_problem(run(data_entry, data, "bomb.xlsx"))


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# --- Sizes ---------------------------------------------------------------------------------

def test_an_oversized_file_is_refused_before_parsing(data_entry, settings):
    settings.IMPORT_MAX_BYTES = 2000
    message = only_problem(run(data_entry, csv_bytes([row(title=f"Agreement {n}") for n in range(40)])))
    assert "agreements.csv is" in message and "the limit is 2.0" in message
    assert not Agreement.objects.exists()


def test_an_oversized_file_on_disk_is_refused_by_its_size(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 1000
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(FileRefused, match="big.csv is 4.9"):
        read_path(str(path))


def test_an_xlsx_that_would_expand_too_far_is_refused_before_opening(data_entry, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = add_member(workbook([row()]), "xl/media/padding.bin", b"\x00" * (3 * 1024 * 1024))
    assert len(data) < 50_000  # small on disk: it is the expansion that is refused
    message = only_problem(run(data_entry, data, "bomb.xlsx"))
    assert "would expand to 3.0" in message


def test_too_many_rows_are_refused(data_entry, settings):
    settings.IMPORT_MAX_ROWS = 5
    message = only_problem(run(data_entry, csv_bytes([row(title=f"Agreement {n}") for n in range(6)])))
    assert "more than 5 rows" in message


# --- helpers -------------------------------------------------------------------------------

def rewrite_member(data: bytes, name: str, content: bytes) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, content if member.filename == name else source.read(member))
    return target.getvalue()


def add_member(data: bytes, name: str, content: bytes) -> bytes:
    target = io.BytesIO(data)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return target.getvalue()
