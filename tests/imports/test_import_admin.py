"""The admin's import (upload → preview → confirm) and export pages."""
from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Milestone
from tests.factories import UserFactory
from tests.imports.import_files import csv_bytes, milestone, row, workbook

pytestmark = pytest.mark.usefixtures("import_orgs", "officer", "private_media")  # staged uploads in tmp_path
IMPORT = reverse("admin:agreements_agreement_import")
CONFIRM = reverse("admin:agreements_agreement_import_confirm")


@pytest.fixture
def entry_client(client, data_entry):
    client.force_login(data_entry)
    return client


def upload(data: bytes, name: str = "summit.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def preview(client, data: bytes, name: str = "summit.csv", **fields):
    return client.post(IMPORT, {"agreements": upload(data, name), "encoding": "auto", **fields})


def confirm_fields(response) -> dict:
    form = response.context["confirm"]
    return {name: form.initial.get(name, "") for name in form.fields}


def test_the_changelist_links_to_import_and_exports(entry_client):
    page = entry_client.get(reverse("admin:agreements_agreement_changelist")).content.decode()
    for url in (IMPORT, "/admin/agreements/agreement/export/xlsx/", "/admin/agreements/agreement/export/csv/"):
        assert url in page


def test_the_import_page_documents_the_template(entry_client):
    page = entry_client.get(IMPORT).content.decode()
    assert "lead_organization" in page and "Memorandum of understanding" in page
    assert reverse("admin:agreements_agreement_import_template", args=["xlsx"]) in page


def test_preview_then_confirm_imports_the_previewed_file(entry_client, data_entry):
    response = preview(entry_client, workbook([row(), row(title="Second")], [milestone(reference="Second")]),
                       "summit.xlsx")
    page = response.content.decode()
    assert "Dry run, nothing was written. It would give: Agreements: 2 created" in page
    assert "CAJ-2025-001" in page and "Import now" in page
    assert not Agreement.objects.exists()
    response = entry_client.post(CONFIRM, confirm_fields(response), follow=True)
    assert "Agreements: 2 created, 0 updated, 0 unchanged" in response.content.decode()
    assert Agreement.objects.count() == 2 and Milestone.objects.count() == 1
    assert Agreement.objects.first().history.get().history_user == data_entry


def test_problems_are_listed_and_there_is_nothing_to_confirm(entry_client):
    response = preview(entry_client, csv_bytes([row(kind="?"), row(title="Two", signed_on="tomorrow")]))
    page = response.content.decode()
    assert "row 2, column kind: “?” is not a known kind of agreement." in page
    assert "row 3, column signed_on: “tomorrow” is not a date" in page
    assert response.context["confirm"] is None and "Import now" not in page


def test_a_refused_file_is_explained(entry_client):
    response = preview(entry_client, csv_bytes([row(title="Заём")], encoding="cp1251"))
    assert "is not UTF-8 text" in response.content.decode()
    response = preview(entry_client, csv_bytes([row(title="Заём")], encoding="cp1251"), encoding="cp1251")
    assert "Agreements: 1 created" in response.content.decode()


def test_an_oversized_upload_is_refused_by_its_size(entry_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = preview(entry_client, csv_bytes([row()]))
    assert "the limit is 100" in response.content.decode()


def test_a_confirmation_cannot_be_replayed_or_borrowed(entry_client, client, manager):
    response = preview(entry_client, csv_bytes([row()]))
    fields = confirm_fields(response)
    entry_client.post(CONFIRM, fields)
    assert Agreement.objects.count() == 1
    replay = entry_client.post(CONFIRM, fields, follow=True)
    assert "no longer waiting" in replay.content.decode() and Agreement.objects.count() == 1
    fields = confirm_fields(preview(entry_client, csv_bytes([row(title="Another")])))
    client.force_login(manager)
    assert "no longer waiting" in client.post(CONFIRM, fields, follow=True).content.decode()
    assert Agreement.objects.count() == 1


def test_staff_without_the_right_to_edit_records_cannot_import(client):
    client.force_login(UserFactory(username="staff_viewer", role="Viewer", is_staff=True))
    assert client.get(IMPORT).status_code == 403
    assert client.post(CONFIRM, {}).status_code == 403


@pytest.mark.parametrize("fmt, first", [("csv", "reference"), ("milestones-csv", "reference")])
def test_template_csv_downloads(entry_client, fmt, first):
    response = entry_client.get(reverse("admin:agreements_agreement_import_template", args=[fmt]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).decode("utf-8-sig").split(",")[0] == first


def test_template_xlsx_download(entry_client):
    response = entry_client.get(reverse("admin:agreements_agreement_import_template", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["agreements", "milestones", "help"]


def test_export_applies_the_list_filters_and_visibility(entry_client, agreement, restricted, move_to):
    move_to(agreement, "signed")
    url = reverse("admin:agreements_agreement_export", args=["csv"])
    rows = list(csv.DictReader(io.StringIO(b"".join(entry_client.get(url).streaming_content).decode("utf-8-sig"))))
    assert [r["reference"] for r in rows] == [agreement.reference]  # the restricted one is not visible
    response = entry_client.get(url, {"status": "draft"})
    assert b"".join(response.streaming_content).decode("utf-8-sig").count("\n") == 1  # header only
    assert entry_client.get(url, {"status": "nonsense"}).status_code == 400  # never "everything" instead


def test_export_selected_action(entry_client, agreement):
    other = Agreement.objects.create(reference="CAJ-2025-099", title="Not selected", pillar=agreement.pillar)
    response = entry_client.post(reverse("admin:agreements_agreement_changelist"),
                                 {"action": "export_selected_xlsx", "_selected_action": [agreement.pk]})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    references = [line[0] for line in book["agreements"].iter_rows(min_row=2, values_only=True)]
    assert references == [agreement.reference] and other.reference not in references


def test_an_unknown_export_format_is_not_found(entry_client):
    assert entry_client.get(reverse("admin:agreements_agreement_export", args=["pdf"])).status_code == 404


def test_a_long_preview_lists_the_first_rows_and_counts_the_rest(entry_client, monkeypatch):
    monkeypatch.setattr("agreements.admin.imports.PREVIEW_ROWS", 2)
    response = preview(entry_client, csv_bytes([row(title=f"Agreement {n}") for n in range(5)]))
    page = response.content.decode()
    assert "Agreements: 5 created" in page and "… and 3 more rows." in page
    assert "CAJ-2025-002" in page and "CAJ-2025-003" not in page


def test_staged_uploads_leave_no_folders_behind(private_media, data_entry):
    """Each upload sweeps the staging area: folders of discarded or expired uploads must go, or
    every later preview walks all of them."""
    from agreements.imports import staging as import_staging
    from agreements.imports.files import Upload

    kept = import_staging.stage(data_entry, {"agreements": Upload("a.csv", b"reference\n")})
    gone = import_staging.stage(data_entry, {"agreements": Upload("b.csv", b"reference\n")})
    import_staging.discard(data_entry, gone)
    user_folder = private_media / import_staging.ROOT / str(data_entry.pk)
    assert sorted(p.name for p in user_folder.iterdir()) == [kept]
    import_staging.sweep(timezone.now() + import_staging.KEEP + datetime.timedelta(minutes=1))
    assert list(user_folder.iterdir()) == []
