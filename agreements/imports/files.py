"""Reading an uploaded spreadsheet safely: CSV or XLSX bytes in, plain rows out.

The file is hostile until proven otherwise, so every check that can run before parsing
does: the size is checked before a byte is read; the format is decided by content, not by
the name; an XLSX (a zip) has the size of its directory checked before the zip is opened
(agreements.archives) and its *declared* uncompressed size summed before openpyxl
opens it — Python's zip reader never inflates a member past its declared size, so this
bounds what a zip bomb can expand to — and openpyxl parses XML through defusedxml (we
refuse to open workbooks if it is missing). Rows are counted as they are read and
reading stops at the limit.

What a person did wrong gets a sentence saying how to fix it (`FileRefused`), never a
traceback: wrong encoding, `;`-separated CSV (read, and said so), a password-protected
or damaged workbook, an old .xls, a file that is neither.

Cell conventions shared with the exporter: a text that starts with `=`, `+`, `-`, `@`,
tab or carriage return is written with a leading apostrophe so spreadsheet programs do
not run it as a formula (`neutralise`); reading strips that apostrophe again
(`unneutralise`), so an export re-imports unchanged. A real formula cell in an XLSX, and
a CSV cell starting with `=`, reach the importer as `Formula` so it can refuse them.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from agreements import archives
from agreements.imports.columns import normalise_header

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .xls, or an encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = archives.MAX_MEMBERS
DELIMITERS = {",": gettext_lazy("comma"), ";": gettext_lazy("semicolon"), "\t": gettext_lazy("tab")}
ENCODINGS = {
    "auto": "UTF-8",
    "cp1251": "Windows-1251",
    "koi8_r": "KOI8-R",
    "cp1252": "Windows-1252",
}
HEADER_SEARCH_ROWS = 20  # a title, a date line or a merged heading may stand above the header


class FileRefused(ValidationError):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class CellError:
    code: str  # e.g. #N/A


@dataclass
class Upload:
    name: str
    data: bytes


@dataclass
class Sheet:
    name: str
    header: list[Any]
    rows: list[tuple[int, list[Any]]]  # (row number as a spreadsheet shows it, cells); blank rows left out
    header_row: int = 1
    notes: list[str] = field(default_factory=list)


# --- Cell conventions ------------------------------------------------------------------------

def neutralise(text: str) -> str:
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(DANGEROUS_STARTS) else text


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Getting the bytes (size checked first) --------------------------------------------------

def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _too_big(name: str, size: int) -> FileRefused:
    return FileRefused(
        _("%(name)s is %(size)s; the limit is %(limit)s. Split it into smaller files.")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes())}, code="too_big")


def read_path(path: str) -> Upload:
    name = os.path.basename(path)
    try:
        size = os.path.getsize(path)
        if size > max_bytes():
            raise _too_big(name, size)
        with open(path, "rb") as handle:
            return Upload(name, handle.read(max_bytes() + 1))
    except OSError as error:
        raise FileRefused(_("Cannot open %(path)s: %(error)s") % {"path": path, "error": error.strerror}) from None


def read_upload(upload) -> Upload:
    """A Django UploadedFile: its size is known before reading (Django streamed it to disk)."""
    if upload.size > max_bytes():
        raise _too_big(upload.name, upload.size)
    upload.seek(0)
    return Upload(os.path.basename(upload.name), upload.read(max_bytes() + 1))


# --- Opening ------------------------------------------------------------------------------

def read_sheets(upload: Upload, wanted: tuple[str, ...], *, known_columns: Iterable[str] = (),
                encoding: str = "auto", required_columns: Iterable[str] = ()) -> dict[str, Sheet]:
    """The sheets named in `wanted` that the file holds.

    A CSV is one table: it is returned as `wanted[0]`. A workbook gives each wanted sheet
    it has (names compared case-insensitively); a workbook without one called `wanted[0]`
    gives its only non-empty sheet, whatever its name (`Лист1`, `Sheet1`), and says so.
    `known_columns` helps tell a `;`-separated CSV from a `,`-separated one; the header is
    the first of the first rows that holds every one of `required_columns` (rows above it,
    a title or a merged heading, are skipped and the report says so)."""
    if len(upload.data) > max_bytes():
        raise _too_big(upload.name, len(upload.data))
    if not upload.data.strip():
        raise FileRefused(_("%(name)s is empty.") % {"name": upload.name}, code="empty")
    head = upload.data[:8]
    if head.startswith(OLE_MAGIC):
        raise _ole_refusal(upload)
    required = set(required_columns)
    if head.startswith(ZIP_MAGIC):
        sheets = _read_workbook(upload, wanted)
    else:
        sheets = {wanted[0]: _read_csv(upload, wanted[0], set(known_columns), encoding)}
    find_header(sheets[wanted[0]], required, set(known_columns), upload.name)
    return sheets


def find_header(sheet: Sheet, required: set[str], known: set[str], filename: str) -> None:
    """Move the header down to the first row holding every required column (or, failing that,
    the most known ones) among the first rows; rows above it are dropped."""
    if not sheet.header or not (required or known):
        return
    candidates = [(sheet.header_row, sheet.header)] + sheet.rows[:HEADER_SEARCH_ROWS - 1]

    def names_in(cells):
        return {normalise_header(cell) for cell in cells if isinstance(cell, str)}

    chosen = next((i for i, (_n, cells) in enumerate(candidates) if required and required <= names_in(cells)), None)
    if chosen is None:
        scores = [len(names_in(cells) & (known | required)) for _n, cells in candidates]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        chosen = best if scores[best] > scores[0] and scores[best] >= 2 else 0
    if chosen == 0:
        return
    sheet.header_row, sheet.header = candidates[chosen]
    sheet.rows = sheet.rows[chosen:]
    sheet.notes.append(_("%(name)s: the header is row %(row)d; the rows above it (a title or heading) were skipped.")
                       % {"name": filename, "row": sheet.header_row})


def _encrypted(name: str) -> FileRefused:
    return FileRefused(
        _("%(name)s is password-protected. Open it in Excel, remove the password (File › Info › Protect "
          "Workbook › Encrypt with Password, clear it), save, and import again.") % {"name": name}, code="encrypted")


def _ole_refusal(upload: Upload) -> FileRefused:
    if ENCRYPTED_STREAM in upload.data:
        return _encrypted(upload.name)
    return FileRefused(
        _("%(name)s is an old Excel 97-2003 (.xls) file. Save it as an Excel workbook (.xlsx) or as "
          "CSV UTF-8 and import that.") % {"name": upload.name}, code="xls")


# --- CSV -------------------------------------------------------------------------------------

def _decode(upload: Upload, encoding: str) -> tuple[str, str]:
    """(text, encoding used). UTF-8 with or without BOM, UTF-16 with BOM; Windows code pages
    only when the person says so, because guessing between them silently garbles names."""
    data = upload.data
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for bom, codec in boms:
        if data.startswith(bom):
            return _strict_decode(upload, data[len(bom):], codec), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if encoding in ("cp1251", "koi8_r", "cp1252"):
            return _strict_decode(upload, data, encoding), encoding
        guess = cyrillic_codec(data)
        if guess:  # Russian, Kazakh, Kyrgyz… text in a Cyrillic code page: recognised, read, and said so
            return _strict_decode(upload, data, guess), guess
        raise _not_utf8(upload, error) from None


def cyrillic_codec(data: bytes, minimum: int = 8) -> str | None:
    """Windows-1251 or KOI8-R when the bytes are plainly Cyrillic words, else None.

    Cyrillic text in a single-byte code page is runs of bytes ≥ 0xC0 (whole words), while
    Western text (Windows-1252) has an accented letter here and there inside ASCII words.
    The two Cyrillic code pages put the small letters in opposite halves: 0xE0–0xFF in
    Windows-1251, 0xC0–0xDF in KOI8-R; text is mostly small letters."""
    high = [byte for byte in data if byte >= 0xC0]
    if len(high) < minimum:  # too few letters to be sure: refused, with this as the advice
        return None
    in_runs = sum(len(run) for run in re.findall(rb"[\xc0-\xff]{3,}", data))
    if in_runs < 0.6 * len(high):
        return None
    upper_half = sum(1 for byte in high if byte >= 0xE0)
    if upper_half >= 0.6 * len(high):
        return "cp1251"
    if upper_half <= 0.4 * len(high):
        return "koi8_r"
    return None


def _strict_decode(upload: Upload, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise _not_utf8(upload, error, codec) from None


def _not_utf8(upload: Upload, error: UnicodeDecodeError, codec: str = "utf-8") -> FileRefused:
    line = error.object[:error.start].count(b"\n") + 1
    guess = cyrillic_codec(upload.data, minimum=1) or "cp1252"
    return FileRefused(
        _("%(name)s is not %(codec)s text (unexpected byte 0x%(byte)02X on line %(line)d). In Excel use "
          "“Save as › CSV UTF-8”, or choose the file's encoding (it looks like %(guess)s, %(label)s).")
        % {"name": upload.name, "codec": ENCODINGS.get(codec, codec.upper()), "byte": error.object[error.start],
           "line": line, "guess": guess, "label": ENCODINGS[guess]}, code="encoding")


def _sniff_delimiter(text: str, known: set[str]) -> str:
    """The delimiter that splits the header line into the most known column names.

    Excel writes `;` where the decimal separator is a comma (most of Europe and Central
    Asia); the header decides, because its names never contain a delimiter."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS * 2] if line.strip()][:HEADER_SEARCH_ROWS]
    scores = {}
    for delimiter in DELIMITERS:  # the header may be below a title row: the best of the first lines
        scores[delimiter] = max([sum(1 for cell in cells if normalise_header(cell) in known)
                                 for cells in csv.reader(lines, delimiter=delimiter)] or [0])
    best = max(scores, key=lambda d: (scores[d], d == ","))
    return best if scores[best] else ","


def _read_csv(upload: Upload, name: str, known: set[str], encoding: str) -> Sheet:
    text, used = _decode(upload, encoding)
    if "\x00" in text:
        raise FileRefused(_("%(name)s is neither a CSV nor an XLSX file.") % {"name": upload.name}, code="binary")
    delimiter = _sniff_delimiter(text, known)
    sheet = Sheet(name, [], [])
    if used not in ("utf-8",):
        if encoding == "auto" and used in ("cp1251", "koi8_r"):
            sheet.notes.append(_("%(name)s is not UTF-8; it was recognised as Cyrillic %(codec)s and read as such. If "
                                 "names look wrong in the preview, choose the file's encoding.")
                               % {"name": upload.name, "codec": ENCODINGS[used]})
        else:
            sheet.notes.append(_("%(name)s read as %(codec)s.") % {"name": upload.name,
                                                                  "codec": ENCODINGS.get(used, used)})
    if delimiter != ",":
        sheet.notes.append(_("%(name)s read as %(kind)s-separated.")
                           % {"name": upload.name, "kind": DELIMITERS[delimiter]})
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            _add_row(sheet, number, [_csv_value(cell) for cell in cells], upload.name)
    except csv.Error as error:
        raise FileRefused(_("%(name)s is not valid CSV near row %(row)d: %(error)s")
                          % {"name": upload.name, "row": number + 1, "error": error}, code="csv") from None
    return sheet


def _csv_value(text: str) -> Any:
    if text.startswith("="):
        return Formula(text)  # Excel would compute it on opening the file
    return unneutralise(text)


def _add_row(sheet: Sheet, number: int, cells: list[Any], filename: str) -> None:
    if all(is_blank(cell) for cell in cells):
        return
    if not sheet.header:
        sheet.header, sheet.header_row = cells, number  # the first row that is not blank
        return
    if len(sheet.rows) >= settings.IMPORT_MAX_ROWS:
        raise FileRefused(_("%(name)s has more than %(limit)d rows. Split it into smaller files.")
                          % {"name": filename, "limit": settings.IMPORT_MAX_ROWS}, code="too_many_rows")
    sheet.rows.append((number, cells))


# --- XLSX ------------------------------------------------------------------------------------

def _check_zip(upload: Upload) -> None:
    if archives.is_oversized_directory(io.BytesIO(upload.data)):  # before opening it: see agreements.archives
        raise _damaged(upload)
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _damaged(upload) from None
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise _damaged(upload)
    if any(member.flag_bits & 0x1 for member in members):
        raise _encrypted(upload.name)
    expanded = sum(member.file_size for member in members)
    if expanded > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(
            _("%(name)s would expand to %(size)s when opened; the limit is %(limit)s. Split it into smaller files.")
            % {"name": upload.name, "size": filesizeformat(expanded),
               "limit": filesizeformat(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)}, code="too_big_expanded")
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise FileRefused(_("%(name)s is a zip file but not an Excel workbook (.xlsx). Save it from Excel as .xlsx "
                            "or as CSV UTF-8.") % {"name": upload.name}, code="not_xlsx")


def _damaged(upload: Upload) -> FileRefused:
    return FileRefused(_("%(name)s could not be read: the workbook is damaged or not a real .xlsx. Open it in "
                         "Excel, save it again as .xlsx, and import that.") % {"name": upload.name}, code="damaged")


def _refusal_for(error: BaseException, upload: Upload) -> FileRefused:
    """openpyxl wraps what defusedxml refused in its own errors: look down the chain."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DefusedXmlException):
            return _unsafe_xml(upload)
        error, seen = error.__cause__ or error.__context__, seen + 1
    return _damaged(upload)


def _unsafe_xml(upload: Upload) -> FileRefused:
    return FileRefused(_("%(name)s was refused: it contains XML entity or DTD declarations, which Excel never "
                         "writes and which can be used to attack a server. Save it again from Excel as .xlsx.")
                       % {"name": upload.name}, code="unsafe_xml")


def _read_workbook(upload: Upload, wanted: tuple[str, ...]) -> dict[str, Sheet]:
    if not openpyxl.DEFUSEDXML:
        # Without defusedxml openpyxl would expand XML entities (billion laughs): fail closed.
        raise FileRefused(_("XLSX import is disabled on this server (defusedxml is not installed). Use CSV."),
                          code="no_defusedxml")
    _check_zip(upload)
    try:
        book = openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises a dozen types (zip, XML, KeyError for missing parts)
        raise _refusal_for(error, upload) from None
    try:
        titles = {title.strip().lower(): title for title in book.sheetnames}
        chosen = {name: titles[name] for name in wanted if name in titles}
        note = None
        if wanted[0] not in chosen:
            filled = [title for title in book.sheetnames if title not in chosen.values()
                      and _has_values(book[title], upload)]
            if len(filled) != 1:
                raise FileRefused(ngettext("%(name)s has no sheet called “%(sheet)s” and %(count)d sheet holds data "
                                           "(%(sheets)s): rename the one to import “%(sheet)s”.",
                                           "%(name)s has no sheet called “%(sheet)s” and %(count)d sheets hold data "
                                           "(%(sheets)s): rename the one to import “%(sheet)s”.", len(filled))
                                  % {"name": upload.name, "sheet": wanted[0], "count": len(filled),
                                     "sheets": ", ".join(filled or book.sheetnames)}, code="no_sheet")
            chosen[wanted[0]] = filled[0]
            if len(book.sheetnames) > 1:
                note = _("%(name)s: the sheet “%(sheet)s” was read as the %(wanted)s sheet (the only one holding data).") % {
                    "name": upload.name, "sheet": filled[0], "wanted": wanted[0]}
        sheets = {name: _read_worksheet(book[title], name, upload) for name, title in chosen.items()}
        if note:
            sheets[wanted[0]].notes.append(note)
        return sheets
    finally:
        book.close()


def _has_values(worksheet, upload: Upload) -> bool:
    worksheet.reset_dimensions()
    try:
        return any(not is_blank(cell.value) for row in worksheet.iter_rows() for cell in row
                   if getattr(cell, "value", None) is not None)
    except Exception as error:
        raise _refusal_for(error, upload) from None


def _read_worksheet(worksheet, name: str, upload: Upload) -> Sheet:
    sheet = Sheet(name, [], [])
    worksheet.reset_dimensions()  # files from other tools misstate their size; read what is there
    try:
        for number, row in enumerate(worksheet.iter_rows(), start=1):
            _add_row(sheet, number, _trim([_xlsx_value(cell) for cell in row]), upload.name)
    except FileRefused:
        raise
    except Exception as error:  # damaged sheet XML surfaces only while iterating (read-only mode parses lazily)
        raise _refusal_for(error, upload) from None
    return sheet


def _trim(cells: list[Any]) -> list[Any]:
    while cells and is_blank(cells[-1]):
        cells.pop()
    return cells


def _xlsx_value(cell) -> Any:
    value = getattr(cell, "value", None)
    kind = getattr(cell, "data_type", None)
    if kind == "f":
        return Formula(str(value))
    if kind == "e":
        return CellError(str(value))
    if isinstance(value, str):
        return unneutralise(value)
    if isinstance(value, datetime.time):
        return value.isoformat()
    return value
