"""The dashboard's "Export XLSX": one sheet per panel holding exactly the figures of the page, with
the page's labels in the user's language (never import codes), readable by a real spreadsheet
program (LibreOffice, when installed)."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import openpyxl
import pytest
import time_machine

from agreements.models import Status
from tests.reports.reports_support import NOW, frozen_summit  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("frozen_summit")

FILTERED = "pillar=connectivity&pillar=green-resilience&country=KZ&status=in_progress&status=signed"
TABLES = {  # sheet (its heading, as on the page) → table id on the page
    "Pillar × status": "table-pillar-status", "Health of open agreements": "table-health",
    "Party country × pillar": "table-country-pillar", "Focus areas": "table-focus-areas",
    "Value per currency": "table-money", "Progress over time": "table-months",
    "Overdue milestones": "table-overdue", "Milestones due in the next 30 days": "table-upcoming",
    "Agreements at risk or off track": "table-at-risk", "Data quality": "table-quality",
}


def squeeze(text: str) -> str:
    """Runs of ASCII white space as one space; a no-break space (Russian thousands) stays."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


class Tables(HTMLParser):
    """Every table.data of the page as rows of cell texts (thead, tbody and tfoot, in order),
    the headings, and the headline figures (ul.kpis: value and note of each item)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.headings: dict[str, str] = {}
        self.kpis: list[list[str]] = []
        self._table = self._cell = self._heading = None
        self._kpi_part = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "table" and "data" in classes:
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ""
        elif tag == "h2":
            self._heading = [attrs.get("id"), ""]
        elif tag == "span" and "count-pill" in classes:
            self._pill = True  # a folded panel's count, inside its heading: not part of the title
        elif tag == "li" and "kpi" in classes:
            self.kpis.append([])
        elif tag == "span" and ({"kpi__value", "kpi__note"} & set(classes)):
            self._kpi_part = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._heading is not None and not getattr(self, "_pill", False):
            self._heading[1] += data
        if self._kpi_part is not None:
            self._kpi_part += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(squeeze(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "h2" and self._heading:
            self.headings[self._heading[0]] = squeeze(self._heading[1])
            self._heading = None
        elif tag == "span" and getattr(self, "_pill", False):
            self._pill = False
        elif tag == "span" and self._kpi_part is not None:
            self.kpis[-1].append(squeeze(self._kpi_part))
            self._kpi_part = None


def numbers(text: str) -> list[int]:
    """The numbers a cell shows ("1,234", "1 234", "¥244,900,000,000 21 agreements")."""
    return [int(re.sub(r"[^\d]", "", n)) for n in re.findall(r"\d[\d,\u00a0\u202f]*\d|\d", text)]


def money_cell(text: str) -> tuple[int, int]:
    """(whole amount, agreements) of a money cell ("$1,671,000,000.00 7 agreements"); (0, 0) for "—"."""
    found = re.match(r"\D*?(\d[\d,.\u00a0\u202f]*\d|\d)\D+?(\d+)", text)
    if not found:
        return 0, 0
    amount = re.sub(r"[.,]\d{2}$", "", found.group(1))
    return int(re.sub(r"[^\d]", "", amount)), int(found.group(2))


def page_and_workbook(client, user, query: str = ""):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/reports/?{query}")
        answer = client.get(f"/reports/export.xlsx?{query}")
    assert page.status_code == answer.status_code == 200
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer["Content-Disposition"] == 'attachment; filename="reports-2026-06-10.xlsx"'
    parsed = Tables()
    parsed.feed(page.content.decode())
    return parsed, openpyxl.load_workbook(io.BytesIO(answer.content)), answer.content


def rows(sheet) -> list[list]:
    """The table of a sheet: from the header row (4) on."""
    return [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]


def sheet_numbers(row: list) -> list[int]:
    return [int(v) for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)]


def check_sheets_equal_page(page: Tables, book, language: str):
    headings = [page.headings[key] for key in (
        "glance-heading", "pillar-status-heading", "health-heading", "country-pillar-heading", "focus-heading",
        "money-heading", "months-heading", "overdue-heading", "upcoming-heading", "risk-heading", "quality-heading")]
    # One sheet per panel, in the page's order, each headed by the panel's heading (name cut to 31 characters).
    assert [sheet["A1"].value for sheet in book.worksheets] == headings
    assert [sheet.title for sheet in book.worksheets] == [h[:31].strip() for h in headings]
    sheets = dict(zip(headings, book.worksheets))

    glance = rows(sheets[headings[0]])[1:]
    assert [numbers(value)[0] for value, *_note in page.kpis] == [row[1] for row in glance]
    notes = [numbers(kpi[1])[0] for kpi in page.kpis if len(kpi) > 1]  # "131 of 158", "in 157 agreements"
    assert notes == [glance[1][2], glance[2][2], glance[3][2], glance[4][2]]

    for english, heading in zip(list(TABLES), headings[1:]):
        table, sheet = page.tables.get(TABLES[english], []), rows(sheets[heading])
        body = [row for row in table[1:] if len(row) != 1]  # leave out "No … match" rows
        data = sheet[1:]
        if english in ("Overdue milestones", "Milestones due in the next 30 days"):
            # Page: Due | Days | Milestone | "REF title…" | Owner. Sheet: Due | Days | Milestone | Title | Ref | Owner.
            assert [(int(r[1]), r[2], r[3].split()[0], r[4]) for r in body] == [(d[1], d[2], d[4], d[5]) for d in data]
            continue
        if english == "Agreements at risk or off track":
            assert [(r[0].split()[0], r[1], r[2], r[3], r[5]) for r in body] == [
                (d[0], d[2], d[3], d[4], d[6]) for d in data]
            continue
        assert len(body) == len(data), english
        for shown, written in zip(body, data):
            assert shown[0] == written[0], english  # the row's label, as on the page
            if english == "Value per currency":
                amounts = [money_cell(cell) for cell in shown[1:]]
                pillars = len(amounts)
                assert [a[0] for a in amounts] == [int(v) for v in written[1:pillars + 1]]
                assert [a[1] for a in amounts] == [int(v) for v in written[pillars + 1:]]
            elif english == "Focus areas":
                assert shown[1] == written[1]
                assert [numbers(c)[0] for c in shown[2:]] == sheet_numbers(written)
            else:
                assert [numbers(c)[0] for c in shown[1:]] == sheet_numbers(written), (english, shown)
        headers = [str(v) for v in sheet[0] if v is not None]
        if english == "Value per currency":  # amounts, then how many agreements each amount sums
            headers = headers[:len(table[0])]
        assert headers == table[0], english  # the column headings, as on the page


@pytest.mark.parametrize("query", ["", FILTERED])
def test_every_sheet_holds_the_numbers_of_its_panel_in_english(client, manager, query):
    page, book, _content = page_and_workbook(client, manager, query)
    check_sheets_equal_page(page, book, "en")
    assert book["Pillar × status"]["B4"].value == ("Signed" if query else "Draft")  # the statuses filtered on
    assert book["Health of open agreements"]["A5"].value == "On track"


def test_the_workbook_speaks_russian_to_a_russian_reader_without_import_codes(client, manager):
    manager.language = "ru"
    manager.save(update_fields=["language"])
    page, book, _content = page_and_workbook(client, manager)
    check_sheets_equal_page(page, book, "ru")
    written = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v}
    codes = set(Status.values) | {"on_track", "at_risk", "off_track", "unknown", "connectivity", "green-resilience"}
    assert not written & codes, written & codes
    assert book.worksheets[1]["B4"].value == "Проект"  # the status Draft, in the reader's language
    assert book.worksheets[2]["A5"].value == "По плану"  # health: on track


def test_text_that_looks_like_a_formula_stays_text(client, manager):
    from agreements.models import Milestone
    milestone = Milestone.objects.filter(state="planned").order_by("due_on", "id").first()
    milestone.title = "=HYPERLINK(\"http://x\")"
    milestone.save(update_fields=["title"])
    _page, book, _content = page_and_workbook(client, manager)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == milestone.title]
    assert cells and all(c.data_type == "s" for c in cells)


def test_libreoffice_reads_the_workbook(client, manager, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is needed in CI to prove a real client reads the workbook")
        pytest.skip("LibreOffice (soffice) is not installed")
    page, _book, content = page_and_workbook(client, manager)
    (tmp_path / "reports.xlsx").write_bytes(content)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "csv",
                    "--outdir", str(tmp_path), str(tmp_path / "reports.xlsx")],
                   check=True, capture_output=True, timeout=180)
    csv = (tmp_path / "reports.csv").read_text(encoding="utf-8", errors="replace")  # the first sheet
    assert page.headings["glance-heading"] in csv
    total = numbers(page.kpis[0][0])[0]
    assert f"Agreements,{total}," in csv
