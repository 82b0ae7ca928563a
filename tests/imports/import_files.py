"""Building import files for the tests: rows as dicts, written as CSV or XLSX bytes."""
from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from agreements.imports.columns import AGREEMENT_COLUMNS, MILESTONE_COLUMNS, names
from agreements.imports.files import Upload

HEADER = names(AGREEMENT_COLUMNS)
MILESTONE_HEADER = names(MILESTONE_COLUMNS)
JAPAN = "Ministry of Economy, Trade and Industry"
KAZAKHSTAN = "Ministry of Energy of the Republic of Kazakhstan"


def row(**overrides: Any) -> dict[str, Any]:
    values = {
        "reference": "", "title": "Memorandum of cooperation on critical minerals", "kind": "moc",
        "pillar": "green-resilience", "focus_areas": "energy-resources", "signed_on": "2025-12-19",
        "signed_at": "Tokyo", "parties": f"{JAPAN} (JP); {KAZAKHSTAN} (KZ)", "lead_organization": f"{JAPAN} (JP)",
        "owner": "owner_officer", "value": "", "currency": "", "end_date": "", "confidentiality": "internal",
        "status": "signed", "summary": "",
    }
    values.update(overrides)
    return values


def milestone(**overrides: Any) -> dict[str, Any]:
    values = {"reference": "", "title": "Feasibility study delivered", "due_on": "2026-06-30", "owner": "",
              "state": "planned", "done_on": "", "waiver_reason": ""}
    values.update(overrides)
    return values


def rows_of(rows: list[dict], header: list[str]) -> list[list[Any]]:
    return [header] + [[r.get(name, "") for name in header] for r in rows]


def csv_bytes(rows: list[dict], header: list[str] | None = None, *, delimiter: str = ",", encoding: str = "utf-8",
              bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for line in rows_of(rows, header or HEADER):
        writer.writerow(line)
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def workbook(rows: list[dict], milestones: list[dict] | None = None) -> bytes:
    sheets = {"agreements": rows_of(rows, HEADER)}
    if milestones is not None:
        sheets["milestones"] = rows_of(milestones, MILESTONE_HEADER)
    return xlsx_bytes(sheets)


def upload(data: bytes, name: str = "agreements.csv") -> Upload:
    return Upload(name, data)
