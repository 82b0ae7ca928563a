"""Export → edit → import: the export is in the import template, so it round-trips."""
from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import models

from agreements.demo import summit as demo
from agreements.imports import exports
from agreements.imports.files import Upload
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Milestone, User
from tests.factories import AgreementFactory

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def summit(db):
    """A slice of the demo summit (40 documents and the earlier agreements of the record): every status,
    restricted ones, some signed after the summit, sources and confidences."""
    demo.seed(agreements=40, today=TODAY)
    return User.objects.get(username=demo.MANAGERS[0][0])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def export_csv(queryset) -> tuple[Upload, Upload]:
    return (Upload("agreements.csv", body(exports.agreements_csv_response(queryset))),
            Upload("milestones.csv", body(exports.milestones_csv_response(queryset))))


def edit_csv(upload: Upload, which: str, **changes) -> Upload:
    """`upload` with `changes` made to the first row whose reference is `which`."""
    rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8-sig"), newline="")))
    for line in rows:
        if line["reference"] == which:
            line.update(changes)
            break
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return Upload(upload.name, out.getvalue().encode("utf-8"))


def test_an_unedited_csv_export_imports_as_unchanged(summit):
    agreements, milestones = export_csv(Agreement.objects.all())
    report = import_agreements(summit, agreements, milestones)
    assert report.ok, report.lines()
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": Agreement.objects.count()}
    assert report.counts("milestones") == {"created": 0, "updated": 0, "unchanged": Milestone.objects.count()}


def test_an_owner_who_has_left_does_not_block_the_round_trip(summit):
    """Deactivating an account is how people leave; their agreements keep them as owner until
    reassigned, and re-importing an export must not fail on that — only making them owner does."""
    agreement = Agreement.objects.filter(milestones__owner=models.F("owner")).first()
    User.objects.filter(pk=agreement.owner_id).update(is_active=False)
    agreements, milestones = export_csv(Agreement.objects.all())
    report = import_agreements(summit, agreements, milestones)
    assert report.ok, report.lines()
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": Agreement.objects.count()}
    other = Agreement.objects.exclude(owner=agreement.owner).first()
    edited = edit_csv(agreements, other.reference, owner=agreement.owner.username)
    assert import_agreements(summit, edited).lines()[-1].endswith(
        f"column owner: the user “{agreement.owner.username}” is deactivated.")


def test_an_unedited_xlsx_export_imports_as_unchanged(summit):
    workbook = Upload("summit.xlsx", body(exports.xlsx_response(Agreement.objects.all())))
    report = import_agreements(summit, workbook)
    assert report.ok, report.lines()
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": Agreement.objects.count()}
    assert report.counts("milestones")["unchanged"] == Milestone.objects.count()


def test_an_edited_export_changes_exactly_what_was_edited(summit):
    agreements, milestones = export_csv(Agreement.objects.all())
    target = Agreement.objects.order_by("reference").first()
    first = target.milestones.order_by("due_on", "id").first()
    agreements = edit_csv(agreements, target.reference, title="Edited in Excel", value="12345.67", currency="USD")
    milestones = edit_csv(milestones, target.reference, due_on="2027-01-31")
    report = import_agreements(summit, agreements, milestones)
    assert report.ok, report.lines()
    assert report.counts() == {"created": 0, "updated": 1, "unchanged": Agreement.objects.count() - 1}
    assert report.counts("milestones")["updated"] == 1
    target.refresh_from_db()
    first.refresh_from_db()
    assert (target.title, str(target.value), target.currency) == ("Edited in Excel", "12345.67", "USD")
    assert first.due_on == datetime.date(2027, 1, 31)


def test_an_edited_xlsx_export_changes_exactly_what_was_edited(summit):
    data = body(exports.xlsx_response(Agreement.objects.all()))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["agreements"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("signed_at") + 1).value = "Samarkand"
    sheet.cell(2, header.index("end_date") + 1).value = datetime.datetime(2031, 6, 30)
    stream = io.BytesIO()
    book.save(stream)
    report = import_agreements(summit, Upload("edited.xlsx", stream.getvalue()))
    assert report.ok, report.lines()
    assert report.counts()["updated"] == 1
    changed = next(o for o in report.outcomes if o.action == "updated")
    assert changed.changes == ["signed_at", "end_date"]


def test_text_that_looks_like_a_formula_survives_the_round_trip(manager):
    AgreementFactory(title="=SUM(A1:A9) is not a formula", summary="-minus\n+plus", signed_at="@home", owner=manager)
    for upload in (export_csv(Agreement.objects.all())[0],
                   Upload("a.xlsx", body(exports.xlsx_response(Agreement.objects.all())))):
        report = import_agreements(manager, upload)
        assert report.ok, report.lines()
        assert report.counts() == {"created": 0, "updated": 0, "unchanged": 1}
    agreement = Agreement.objects.get()
    assert (agreement.title, agreement.summary, agreement.signed_at) == (
        "=SUM(A1:A9) is not a formula", "-minus\n+plus", "@home")


def test_an_export_with_the_references_blanked_creates_copies(summit):
    """The path of a data entry user starting from a colleague's spreadsheet."""
    agreements, _milestones = export_csv(Agreement.objects.filter(reference__in=["CAJ-2025-001", "CAJ-2025-002"]))
    # A generated reference counts on from the last one of the year of signature (the demo has
    # agreements signed in January 2026 too).
    years = [Agreement.objects.get(reference=reference).signed_on.year for reference in ("CAJ-2025-001", "CAJ-2025-002")]
    from agreements.references import highest_number

    taken = {year: highest_number(year) for year in years}  # the highest number of the year, not a count
    expected = []
    for year in years:
        taken[year] += 1
        expected.append(f"CAJ-{year}-{taken[year]:03d}")
    for reference in ("CAJ-2025-001", "CAJ-2025-002"):
        title = Agreement.objects.get(reference=reference).title
        agreements = edit_csv(agreements, reference, reference="", title=f"{title} (second phase)")
    report = import_agreements(summit, agreements)
    assert report.ok, report.lines()
    assert [o.reference for o in report.outcomes] == expected
