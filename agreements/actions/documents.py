"""Uploaded documents: size and type checked from the content, never trusted from the name.

Files are stored privately (settings.PRIVATE_MEDIA_ROOT) and only served through a view
that asks the policy module.
"""
from __future__ import annotations

import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from agreements import archives, policy
from agreements.models import Agreement, Document, User

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "DOCX", XLSX: "XLSX"}
# Office files are ZIP containers: which member tells Word from Excel.
OOXML_MARKERS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}
# A document's parts may not inflate beyond this (zip bombs).
MAX_UNCOMPRESSED = 200 * 1024 * 1024


def _ooxml_type(upload: UploadedFile) -> str | None:
    if archives.is_oversized_directory(upload):  # before opening it: see agreements.archives
        raise ValidationError(_("This file holds far more parts than a Word or Excel document has; it was refused."))
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
                raise ValidationError(_("This file expands to more than 200 MB when opened; it was refused."))
            names = {m.filename for m in members}
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    for marker, content_type in OOXML_MARKERS.items():
        if marker in names:
            return content_type
    return None


def detect_content_type(upload: UploadedFile) -> str:
    """The file's real type from its first bytes, or ValidationError naming what is allowed."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime == "application/zip" or (mime and mime.startswith("application/vnd.openxmlformats")):
        mime = _ooxml_type(upload)
    if mime not in ALLOWED:
        raise ValidationError(
            _("This file is not a PDF, DOCX, XLSX, PNG or JPEG (checked from its content, not its name).")
        )
    if mime in (PDF, PNG, JPEG) and _hides_a_zip(upload):
        raise ValidationError(_("This %(kind)s also holds a ZIP archive (a “polyglot” file, a way to smuggle files "
                                "past checks). Save or export it again as a plain %(kind)s.") % {"kind": ALLOWED[mime]})
    return mime


def _hides_a_zip(upload: UploadedFile) -> bool:
    """A PDF or image that is at the same time a readable ZIP: each reader sees another file."""
    if archives.directory_size(upload) is None:
        return False
    if archives.is_oversized_directory(upload):
        return True
    try:
        with zipfile.ZipFile(upload):
            return True
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
    finally:
        upload.seek(0)


def store_document(agreement: Agreement, upload: UploadedFile, *, title: str, by: User) -> Document:
    if not policy.can_add_documents(by, agreement):
        raise PermissionDenied(_("Only the owner, the team, data entry staff or a manager may add documents."))
    content_type = detect_content_type(upload)
    document = Document(
        agreement=agreement, title=title or upload.name, original_name=upload.name[:255],
        content_type=content_type, size=upload.size, uploaded_by=by,
    )
    document.file.save(document.stored_token, upload, save=False)
    document.save()
    return document
