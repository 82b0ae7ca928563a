"""A stored document is named after its detected type, never after the uploader's file name:
`x.html` that starts with `%PDF` is stored and downloaded as a .pdf, so it cannot open as a web
page on the reader's machine; the original name is kept for display only (issue 13, finding 7)."""
from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Document
from tests.conftest import PDF_BYTES

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def office(marker: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def signed_in(client, officer, agreement, move_to, private_media):
    move_to(agreement, "in_progress")
    client.force_login(officer)
    return client


def upload(client, agreement, name: str, content: bytes) -> Document:
    response = client.post(reverse("document-upload", args=[agreement.reference]),
                           {"title": "", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:500]
    return Document.objects.latest("pk")


def attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return disposition.split("filename=", 1)[1].strip('"')


@pytest.mark.parametrize("name,content,extension", [
    ("x.html", PDF_BYTES, ".pdf"),
    ("report", office("word/document.xml"), ".docx"),
    ("budget.xlsx.exe", office("xl/workbook.xml"), ".xlsx"),
    ("scan.svg", PNG_BYTES, ".png"),
    ("photo.jpeg", JPEG_BYTES, ".jpg"),
])
def test_the_stored_and_downloaded_names_end_in_the_detected_type(signed_in, agreement, name, content, extension):
    document = upload(signed_in, agreement, name, content)
    assert document.file.name.endswith(extension) and name not in document.file.name
    download = signed_in.get(reverse("document-download", args=[agreement.reference, document.pk]))
    assert download.status_code == 200
    assert attachment_name(download).endswith(extension)
    assert document.original_name == name


def test_a_pdf_named_html_downloads_as_pdf_and_the_page_still_shows_its_original_name(signed_in, agreement):
    document = upload(signed_in, agreement, "minutes.html", PDF_BYTES)
    download = signed_in.get(reverse("document-download", args=[agreement.reference, document.pk]))
    assert attachment_name(download) == "minutes.pdf"
    assert download["Content-Type"] == "application/pdf"
    assert "minutes.html" in signed_in.get(agreement.get_absolute_url()).content.decode()


def test_a_document_uploaded_in_the_admin_is_named_after_its_type_too(client, data_entry, agreement, private_media):
    from tests.admin.test_admin import change_data

    client.force_login(data_entry)
    data = change_data(agreement, **{"documents-TOTAL_FORMS": "1", "documents-0-title": "Signed text",
                                     "documents-0-file": SimpleUploadedFile("signed.htm", PDF_BYTES)})
    response = client.post(reverse("admin:agreements_agreement_change", args=[agreement.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    document = Document.objects.get(agreement=agreement)
    assert document.file.name.endswith(".pdf") and document.original_name == "signed.htm"


def test_every_accepted_type_has_its_extension():
    from agreements.actions import documents
    from agreements.models import DOCUMENT_EXTENSIONS

    assert set(documents.ALLOWED) == set(DOCUMENT_EXTENSIONS)
