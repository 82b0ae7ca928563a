"""Files as people really make them (issue 16): each case with a file built the way the case
describes — own numbering, names without countries, labels written a little differently,
day-first dates, a title row, a sheet called Лист1, Cyrillic code pages, a workbook saved by
LibreOffice — and what the dry run shows (each changed column, old → new)."""
from __future__ import annotations

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from agreements.imports import exports
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, FocusArea, Milestone, Organization
from tests.conftest import skip_or_fail
from tests.factories import AgreementFactory, OrganizationFactory
from tests.imports.import_files import (
    HEADER,
    JAPAN,
    KAZAKHSTAN,
    MILESTONE_HEADER,
    csv_bytes,
    milestone,
    row,
    rows_of,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def run(user, data: bytes, name: str = "agreements.csv", **options):
    return import_agreements(user, upload(data, name), **options)


def lines(report) -> list[str]:
    assert not report.ok, "expected problems"
    return report.lines()


def ok(report):
    assert report.ok, report.lines()
    return report


# --- Own reference numbers -----------------------------------------------------------------

def test_own_references_create_the_agreements_and_find_them_again(data_entry):
    rows = [row(reference="MOFA-KZ-014", title="Critical minerals MoC"),
            row(reference="MOFA-KZ-015", title="Gallium offtake")]
    data = xlsx_bytes({"agreements": rows_of(rows, HEADER),
                       "milestones": rows_of([milestone(reference="MOFA-KZ-015")], MILESTONE_HEADER)})
    dry = ok(run(data_entry, data, "ministry.xlsx", dry_run=True))
    assert "2 created with the file's own references." in dry.summary()
    assert not Agreement.objects.exists()
    ok(run(data_entry, data, "ministry.xlsx"))
    assert set(Agreement.objects.values_list("reference", flat=True)) == {"MOFA-KZ-014", "MOFA-KZ-015"}
    assert Milestone.objects.get().agreement.reference == "MOFA-KZ-015"
    again = ok(run(data_entry, data, "ministry.xlsx"))
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 2}
    assert again.counts("milestones") == {"created": 0, "updated": 0, "unchanged": 1}
    changed = [row(reference="mofa-kz-014", title="Critical minerals MoC", signed_at="Astana")]
    assert ok(run(data_entry, csv_bytes(changed))).counts() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Agreement.objects.count() == 2


def test_an_own_reference_for_an_agreement_recorded_before_under_another_is_refused(data_entry):
    ok(run(data_entry, csv_bytes([row()])))
    problems = lines(run(data_entry, csv_bytes([row(reference="MOFA-KZ-014")])))
    assert problems == [f"row 2, column reference: an agreement with this title and date of signature already exists: "
                        f"{Agreement.objects.get().reference}. To change it, put its reference in this row; to add "
                        "another agreement, give this one a different title."]
    assert Agreement.objects.count() == 1


def test_a_missing_reference_of_the_trackers_own_series_is_still_a_typo(data_entry):
    problems = lines(run(data_entry, csv_bytes([row(reference="CAJ-2025-999"), row(reference="caj 2025 17",
                                                                                    title="Other")])))
    assert [line.split(":")[0] for line in problems] == ["row 2, column reference", "row 3, column reference"]
    assert all("probably mistyped" in line and "blank reference" in line for line in problems)
    assert not Agreement.objects.exists()


def test_the_same_reference_twice_names_both_rows_as_a_pair(data_entry):
    data = csv_bytes([row(reference="UZ-7"), row(title="Other"), row(reference="uz-7", title="Again")])
    problems = lines(run(data_entry, data))
    assert problems[0].startswith("row 2, column reference: the same reference as row 4: a duplicate pair.")
    assert problems[1].startswith("row 4, column reference: the same reference as row 2: a duplicate pair.")


# --- Organizations by name, country optional -------------------------------------------------

def test_the_lead_organization_without_its_country_is_found_among_the_parties(data_entry):
    OrganizationFactory(name="Japan Organization for Metals and Energy Security", short_name="JOGMEC", country="JP")
    data = csv_bytes([row(parties=f"JOGMEC (JP) [implementing]; {KAZAKHSTAN} (KZ)", lead_organization="jogmec"),
                      row(title="Two", parties=f"japan  organization for metals and ENERGY security; {KAZAKHSTAN}",
                          lead_organization=f"{KAZAKHSTAN.upper()}")])
    ok(run(data_entry, data))
    first, second = Agreement.objects.order_by("title")
    assert first.lead_organization.short_name == "JOGMEC"
    assert second.lead_organization.name == KAZAKHSTAN
    assert {p.organization.country.code for p in second.parties.all()} == {"JP", "KZ"}


def test_a_name_in_several_countries_needs_its_country(data_entry):
    OrganizationFactory(name="Ministry of Energy", country="KZ")
    OrganizationFactory(name="Ministry of Energy", country="UZ")
    problems = lines(run(data_entry, csv_bytes([row(parties=f"{JAPAN} (JP); Ministry of Energy")])))
    assert problems == ["row 2, column parties: “Ministry of Energy” is the name of organizations in several "
                        "countries (KZ, UZ); add the country, e.g. “Ministry of Energy (KZ)”."]


def test_new_organizations_are_named_once_with_their_country_then_without(data_entry):
    data = csv_bytes([row(parties=f"Navoi Mining (Uzbekistan); {JAPAN} (JP)", lead_organization="Navoi Mining"),
                      row(title="Two", parties=f"Navoi mining; {JAPAN}", lead_organization="")])
    ok(run(data_entry, data, create_organizations=True))
    assert Organization.objects.filter(name="Navoi Mining", country="UZ").count() == 1
    assert Agreement.objects.filter(parties__organization__name="Navoi Mining").count() == 2


def test_an_unknown_name_without_a_country_says_how_to_write_it(data_entry):
    problems = lines(run(data_entry, csv_bytes([row(parties=f"{JAPAN} (JP); Ministry of Energy of the Republic of "
                                                           "Kazakstan")])))
    assert problems == ["row 2, column parties: unknown organization “Ministry of Energy of the Republic of Kazakstan”. "
                        "Write it as “Name (CC)” with its ISO 3166 country code, e.g. “Ministry of Energy of the "
                        "Republic of Kazakstan (JP)”, so it can be found or created. Did you mean “Ministry of Energy "
                        "of the Republic of Kazakhstan (KZ)”?"]


# --- Codes and labels written a little differently ---------------------------------------------

def test_labels_match_whatever_the_case_spacing_punctuation_or_parenthesis(data_entry):
    data = csv_bytes([row(kind="MEMORANDUM OF  UNDERSTANDING", pillar="Green & Resilience",
                          focus_areas="Energy and resource development", status="Signed",
                          parties=f"{JAPAN} (JP) [Implementing partner]; {KAZAKHSTAN} (KZ)"),
                      row(title="Two", kind="Joint declaration", pillar="human resource development",
                          focus_areas="energy_resources", parties=f"{JAPAN} (JP); {KAZAKHSTAN} (KZ) [Financier.]"),
                      row(title="Three", kind="loan agreement (yen loan)", pillar="CROSS-CUTTING", focus_areas="")])
    ok(run(data_entry, data))
    first = Agreement.objects.get(title=row()["title"])
    assert (first.kind, first.pillar.code) == ("mou", "green-resilience")
    assert [area.code for area in first.focus_areas.all()] == ["energy-resources"]
    assert Agreement.objects.get(title="Two").kind == "joint_statement"
    assert Agreement.objects.get(title="Three").kind == "loan"


def test_unknown_labels_get_the_closest_names(data_entry):
    problems = lines(run(data_entry, csv_bytes([row(kind="Memorandom of understandng", pillar="Conectivity",
                                                    focus_areas="Energy and resourse development")])))
    energy = FocusArea.objects.get(code="energy-resources").name
    assert problems == [
        "row 2, column kind: “Memorandom of understandng” is not a known kind of agreement. Did you mean "
        "“Memorandum of understanding” or “Memorandum of cooperation”?",
        "row 2, column pillar: “Conectivity” is not a known pillar. Did you mean “Connectivity”?",
        f"row 2, column focus_areas: “Energy and resourse development” is not a known focus area. Did you mean "
        f"“{energy}”?",
    ]


# --- Dates written as the region writes them -------------------------------------------------

def test_day_first_dates_are_read_and_the_report_says_so(data_entry):
    data = csv_bytes([row(signed_on="20.12.2025", end_date="20/12/2030"), row(title="Two", signed_on="19.12.25"),
                      row(title="Three", signed_on="05/06/2025")], delimiter=";")
    report = ok(run(data_entry, data))
    assert "Dates such as 20.12.2025 were read as day.month.year." in report.notes
    assert [str(a.signed_on) for a in Agreement.objects.order_by("title")] == ["2025-12-20", "2025-06-05",
                                                                             "2025-12-19"]
    assert str(Agreement.objects.get(title=row()["title"]).end_date) == "2030-12-20"


def test_an_ambiguous_date_is_refused_with_the_reason(data_entry):
    assert lines(run(data_entry, csv_bytes([row(signed_on="05/06/2025")]))) == [
        "row 2, column signed_on: “05/06/2025” could be 2025-06-05 or 2025-05-06: no other date in the file shows "
        "whether the day or the month comes first. Write it as YYYY-MM-DD, or day first with dots (05.06.2025)."]


# --- Where the table starts -----------------------------------------------------------------

def test_a_title_row_above_the_header_of_a_csv_is_skipped(data_entry):
    text = "Agreements signed at the summit, December 2025;;;\n;;;\n" + csv_bytes([row()], delimiter=";").decode()
    report = ok(run(data_entry, text.encode()))
    assert "agreements.csv: the header is row 3; the rows above it (a title or heading) were skipped." in report.notes
    assert "agreements.csv read as semicolon-separated." in report.notes


def test_a_merged_heading_and_a_sheet_called_list1_are_read(data_entry):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Лист1"
    sheet.append(["Соглашения саммита ЦА + Япония"])
    sheet.merge_cells("A1:F1")
    for line in rows_of([row(reference="KG-01")], HEADER):
        sheet.append(line)
    book.create_sheet("Лист2")
    stream = io.BytesIO()
    book.save(stream)
    report = ok(run(data_entry, stream.getvalue(), "Книга1.xlsx"))
    assert "Книга1.xlsx: the sheet “Лист1” was read as the agreements sheet (the only one holding data)." in report.notes
    assert "Книга1.xlsx: the header is row 2; the rows above it (a title or heading) were skipped." in report.notes
    assert Agreement.objects.get().reference == "KG-01"


def libreoffice_xlsx(tmp_path, csv_data: bytes, name: str = "ministry.csv") -> bytes:
    """The CSV opened and saved as .xlsx by LibreOffice, as a person in the region would."""
    soffice = shutil.which("soffice")
    if soffice is None:
        skip_or_fail("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    source = tmp_path / name
    source.write_bytes(csv_data)
    # 59 = “;”, 34 = '"', 76 = UTF-8; the first line is row 1
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--infilter=CSV:59,34,76,1",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (tmp_path / name.replace(".csv", ".xlsx")).read_bytes()


def test_a_workbook_saved_by_libreoffice_with_a_title_row_and_day_first_dates(data_entry, tmp_path):
    text = ("Перечень соглашений;;\n" + csv_bytes([row(reference="MOFA-KZ-014", signed_on="20.12.2025",
                                                     lead_organization="Ministry of Economy, Trade and Industry",
                                                     value="1500000000", currency="JPY")],
                                                delimiter=";").decode())
    data = libreoffice_xlsx(tmp_path, text.encode("utf-8"))
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames != ["agreements"]
    report = ok(run(data_entry, data, "ministry.xlsx"))
    assert any("the header is row 2" in note for note in report.notes)
    agreement = Agreement.objects.get()
    assert (agreement.reference, str(agreement.signed_on), agreement.value) == ("MOFA-KZ-014", "2025-12-20",
                                                                                 1500000000)
    assert ok(run(data_entry, data, "ministry.xlsx")).counts()["unchanged"] == 1


# --- Cyrillic code pages -----------------------------------------------------------------------

@pytest.mark.parametrize("codec, label", [("cp1251", "Windows-1251"), ("koi8_r", "KOI8-R")])
def test_a_cyrillic_single_byte_csv_is_recognised_and_read_without_mojibake(data_entry, codec, label):
    title = "Соглашение о сотрудничестве в области критических минералов"
    data = csv_bytes([row(title=title, signed_at="Астана", summary="Подписано в ходе визита")], delimiter=";",
                     encoding=codec)
    report = ok(run(data_entry, data))
    assert f"agreements.csv is not UTF-8; it was recognised as Cyrillic {label} and read as such. If names look " \
           "wrong in the preview, choose the file's encoding." in report.notes
    agreement = Agreement.objects.get()
    assert (agreement.title, agreement.signed_at) == (title, "Астана")


def test_a_short_cyrillic_file_too_short_to_be_sure_gets_the_right_advice(data_entry):
    data = csv_bytes([row(signed_at="Бишкек")], encoding="cp1251")
    problems = lines(run(data_entry, data))
    assert len(problems) == 1 and "it looks like cp1251, Windows-1251" in problems[0]
    assert ok(run(data_entry, data, encoding="cp1251"))
    assert Agreement.objects.get().signed_at == "Бишкек"


def test_a_western_file_is_not_taken_for_cyrillic_and_the_advice_says_windows_1252(data_entry):
    data = csv_bytes([row(title="Accord de coopération économique entre le Japon et le Kazakhstan")],
                     encoding="cp1252")
    problems = lines(run(data_entry, data))
    assert len(problems) == 1 and "it looks like cp1252, Windows-1252" in problems[0]


# --- ISO 4217 and ISO 3166 -------------------------------------------------------------------

def test_currencies_and_countries_are_checked_against_iso(data_entry):
    problems = lines(run(data_entry, csv_bytes([
        row(value="1000", currency="YEN"), row(title="Two", value="5", currency="XYZ"),
        row(title="Three", parties=f"{JAPAN} (JA); {KAZAKHSTAN} (KZ)"),
    ])))
    assert problems == [
        "row 2, column currency: “YEN” is not an ISO 4217 currency code such as JPY or USD. Did you mean “JPY”?",
        "row 3, column currency: “XYZ” is not an ISO 4217 currency code such as JPY or USD.",
        "row 4, column parties: “JA” is not an ISO 3166 country code (e.g. JP, KZ, UZ).",
    ]


# --- Restricted agreements ---------------------------------------------------------------------

def test_a_managers_export_imported_by_data_entry_names_restricted_rows_and_creates_no_copies(
        data_entry, manager, restricted, agreement):
    exported = b"".join(exports.agreements_csv_response(Agreement.objects.order_by("reference")).streaming_content)
    report = run(data_entry, exported)
    assert lines(report) == [
        f"row {2 + sorted([agreement.reference, restricted.reference]).index(restricted.reference)}, column reference: "
        f"“{restricted.reference}” is a restricted agreement that you may not change (only its owner, its team and "
        "managers may). Remove this row from the file, or ask a manager to import it. Do not blank the reference: "
        "that would create a second copy."]
    assert Agreement.objects.count() == 2
    assert ok(run(manager, exported)).counts() == {"created": 0, "updated": 0, "unchanged": 2}


def test_an_own_reference_held_by_a_restricted_agreement_is_not_created_again(data_entry, officer):
    AgreementFactory(reference="MOFA-KZ-099", owner=officer, confidentiality="restricted")
    problems = lines(run(data_entry, csv_bytes([row(reference="MOFA-KZ-099")])))
    assert "is a restricted agreement that you may not change" in problems[0]
    assert Agreement.objects.count() == 1


# --- What the dry run shows ---------------------------------------------------------------------

@pytest.fixture
def recorded(data_entry):
    ok(run(data_entry, xlsx_bytes({"agreements": rows_of([row(reference="KZ-1", value="100", currency="USD")], HEADER),
                                   "milestones": rows_of([milestone(reference="KZ-1")], MILESTONE_HEADER)}),
           "first.xlsx"))
    edited = [row(reference="KZ-1", title="Memorandum of cooperation on rare metals", value="250", currency="USD",
                  signed_at="")]
    return xlsx_bytes({"agreements": rows_of(edited, HEADER),
                       "milestones": rows_of([milestone(reference="KZ-1", due_on="2026-09-30", state="waived",
                                                        waiver_reason="Merged into phase 2")], MILESTONE_HEADER)})


def test_the_dry_run_shows_each_changed_field_old_and_new(data_entry, recorded):
    report = ok(run(data_entry, recorded, "second.xlsx", dry_run=True))
    assert report.change_lines() == [
        "row 2, KZ-1: updated",
        "  title: “Memorandum of cooperation on critical minerals” → “Memorandum of cooperation on rare metals”",
        "  signed_at: “Tokyo” → (blank)",
        "  value: “100” → “250”",
        "milestones row 2, KZ-1 “Feasibility study delivered”: updated",
        "  due_on: “2026-06-30” → “2026-09-30”",
        "  state: “planned” → “waived”",
        "  waiver_reason: (blank) → “Merged into phase 2”",
    ]


def test_the_command_prints_old_and_new(data_entry, recorded, tmp_path):
    path = tmp_path / "second.xlsx"
    path.write_bytes(recorded)
    out = io.StringIO()
    call_command("import_agreements", str(path), "--user", data_entry.username, "--dry-run", stdout=out)
    assert "  value: “100” → “250”\n" in out.getvalue()
    assert "  state: “planned” → “waived”\n" in out.getvalue()
    assert Agreement.objects.get().value == 100


def test_the_admin_preview_shows_old_and_new(client, data_entry, recorded, private_media):
    client.force_login(data_entry)
    response = client.post(reverse("admin:agreements_agreement_import"), {
        "agreements": SimpleUploadedFile("second.xlsx", recorded), "encoding": "auto"})
    page = response.content.decode()
    assert "<del>Tokyo</del> → <ins>(blank)</ins>" in page
    assert "<del>100</del> → <ins>250</ins>" in page
    assert "<del>planned</del> → <ins>waived</ins>" in page
