"""Hostile files are refused with a sentence, in bounded memory and time, through the real pages.

Each case is uploaded as a person would (the document form of an agreement, the admin's
import page), full size: a 25 MB document, an 11 MB import, zip bombs that would inflate to
hundreds of megabytes, a billion-laughs workbook, an external entity reading /etc/passwd,
a central directory of 400,000 members, an executable named .pdf, a PDF that is also a ZIP.
The request is built before measuring, then run through Django's whole stack (middleware,
upload parsing into a temporary file, the view) under tracemalloc: the peak of memory
Python allocates for the request, and the time it takes, are printed (`pytest -s`) and
bounded. The bounds are guards against a file being expanded, not speed targets: opening
any of these bombs costs gigabytes or minutes.

Other refusals (encodings, .xls, password-protected workbooks, formulas, too many rows) are
tested with small files in tests/test_import_files.py and tests/test_action_views.py.
"""
from __future__ import annotations

import gc
import io
import struct
import time
import tracemalloc
import zipfile
from dataclasses import dataclass
from typing import Callable

import pytest
from django.test import RequestFactory
from django.test.client import ClientHandler
from django.urls import reverse

from agreements.models import Agreement, Document
from tests.conftest import PDF_BYTES
from tests.fuzz.fuzzing import multipart
from tests.imports.import_files import csv_bytes, row, workbook

MAX_PEAK_MB = 50
MAX_SECONDS = 15
MB = 1024 * 1024


# --- The files ---------------------------------------------------------------------------------

def zip_with(members: dict[str, bytes | int]) -> bytes:
    """A zip whose int members are that many zero bytes, streamed (the bomb is never in memory)."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(content // MB):
                    member.write(bytes(MB))
    return stream.getvalue()


def rewrite(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_with({m.filename: content if m.filename == name else source.read(m) for m in source.infolist()})


def central_directory_bomb(size: int) -> bytes:
    """Only a central directory: one 47-byte entry per (empty) member, repeated to `size` bytes.
    Opening it creates one ZipInfo per member; nothing is ever inflated."""
    entry = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) + b"a"
    directory = entry * (size // len(entry))
    count = min(len(directory) // len(entry), 0xFFFF)
    return directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), 0, 0)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
      b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')


def big_csv(size: int) -> bytes:
    line = csv_bytes([row()]).split(b"\r\n")[1] + b"\r\n"
    return csv_bytes([]) + line * (size // len(line) + 1)


# --- Sending one request, measured ---------------------------------------------------------------

@dataclass
class Measured:
    status: int
    body: str
    peak_mb: float
    seconds: float


def measured_post(client, path: str, fields: list, files: list) -> Measured:
    """POST through Django's whole stack with the signed-in client's session; the request is
    built first so that only the server's own work is measured."""
    body, content_type = multipart(fields, files)
    cookies = "; ".join(f"{morsel.key}={morsel.coded_value}" for morsel in client.cookies.values())
    environ = RequestFactory().post(path, data=body, content_type=content_type, HTTP_COOKIE=cookies).environ
    del body
    handler = ClientHandler(enforce_csrf_checks=False)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = handler(environ)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    body = content.decode("utf-8", "replace").replace("\xa0", " ")  # filesizeformat keeps "25.0 MB" together
    return Measured(response.status_code, body, peak / MB, seconds)


def report(case: str, size: int, measured: Measured) -> None:
    print(f"\n{case}: {size / MB:.1f} MB file → {measured.status}, peak {measured.peak_mb:.1f} MB, "
          f"{measured.seconds:.2f} s")
    assert measured.peak_mb < MAX_PEAK_MB, f"{case}: peak {measured.peak_mb:.0f} MB"
    assert measured.seconds < MAX_SECONDS, f"{case}: {measured.seconds:.1f} s"


# --- Documents attached to an agreement ------------------------------------------------------------

@dataclass
class Hostile:
    name: str
    content: Callable[[], bytes]
    refusal: str


DOCUMENTS = [
    Hostile("scan.pdf", lambda: PDF_BYTES + bytes(25 * MB), "The file is 25.0 MB; the limit is 20.0 MB."),
    Hostile("report.docx", lambda: zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": 300 * MB}),
            "expands to more than 200 MB when opened"),
    Hostile("budget.xlsx", lambda: zip_with({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": 300 * MB}),
            "expands to more than 200 MB when opened"),
    Hostile("minutes.docx", lambda: b"PK\x03\x04" + central_directory_bomb(19 * MB),
            "far more parts than a Word or Excel document has"),
    Hostile("invoice.pdf", lambda: b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(64 * 1024),
            "is not a PDF, DOCX, XLSX, PNG or JPEG"),
    Hostile("signed.pdf", lambda: PDF_BYTES + zip_with({"payload.exe": b"MZ" + bytes(1000)}),
            "also holds a ZIP archive (a “polyglot” file"),
    Hostile("photo.jpg", lambda: b"\xff\xd8\xff\xe0" + bytes(2000) + zip_with({"word/document.xml": b"<w/>"}),
            "also holds a ZIP archive"),
]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.mark.parametrize("hostile", DOCUMENTS, ids=lambda h: h.name)
def test_a_hostile_document_is_refused_in_bounded_memory(officer_client, agreement, private_media, hostile):
    content = hostile.content()
    path = reverse("document-upload", args=[agreement.reference])
    files = [(b"file", hostile.name.encode(), content)]
    measured = measured_post(officer_client, path, [(b"title", b"Hostile")], files)
    report(f"document {hostile.name}", len(content), measured)
    assert measured.status == 400
    assert hostile.refusal in measured.body
    assert not Document.objects.exists()


def test_a_plain_pdf_still_goes_through(officer_client, agreement, private_media):
    """The polyglot check does not refuse an ordinary file that happens to be large."""
    content = PDF_BYTES + bytes(5 * MB)
    path = reverse("document-upload", args=[agreement.reference])
    measured = measured_post(officer_client, path, [(b"title", b"Scan")], [(b"file", b"scan.pdf", content)])
    report("document scan.pdf (valid)", len(content), measured)
    assert measured.status == 302
    assert Document.objects.get().size == len(content)


# --- Imports through the admin -------------------------------------------------------------------

IMPORTS = [
    Hostile("agreements.csv", lambda: big_csv(11 * MB), "agreements.csv is 11.0 MB; the limit is 10.0 MB."),
    Hostile("bomb.xlsx", lambda: zip_with({
        "[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": 200 * MB}),
        "bomb.xlsx would expand to 200.0 MB when opened; the limit is 40.0 MB."),
    Hostile("laughs.xlsx", lambda: rewrite(workbook([row()]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS),
            "contains XML entity or DTD declarations"),
    Hostile("entity.xlsx", lambda: rewrite(workbook([row()]), "xl/worksheets/sheet1.xml", EXTERNAL_ENTITY),
            "contains XML entity or DTD declarations"),
    Hostile("members.xlsx", lambda: b"PK\x03\x04" + central_directory_bomb(9 * MB),
            "the workbook is damaged or not a real .xlsx"),
]


@pytest.fixture
def entry_client(client, data_entry, officer, import_orgs):
    client.force_login(data_entry)
    return client


@pytest.mark.parametrize("hostile", IMPORTS, ids=lambda h: h.name)
def test_a_hostile_import_is_refused_in_bounded_memory(entry_client, private_media, hostile):
    content = hostile.content()
    path = reverse("admin:agreements_agreement_import")
    files = [(b"agreements", hostile.name.encode(), content)]
    measured = measured_post(entry_client, path, [(b"encoding", b"auto")], files)
    report(f"import {hostile.name}", len(content), measured)
    assert measured.status == 200  # the import page again, with the refusal at the top
    assert hostile.refusal in measured.body
    assert "root:" not in measured.body  # nothing of /etc/passwd
    assert not Agreement.objects.exists()


def test_the_workbooks_used_here_are_otherwise_valid(entry_client, private_media):
    """So that each refusal above is for the hostile part, not for a broken test file."""
    content = workbook([row()])
    path = reverse("admin:agreements_agreement_import")
    measured = measured_post(entry_client, path, [(b"encoding", b"auto")], [(b"agreements", b"ok.xlsx", content)])
    assert measured.status == 200 and "Agreements: 1 created" in measured.body
