"""Benchmark (prints figures, asserts outcomes only): importing 2,000 rows stays fast.

Run it alone to read the figures:
    DATABASE_URL=postgres://… .venv/bin/python -m pytest -q -s tests/test_import_speed.py
"""
from __future__ import annotations

import time

import pytest
from django.db import connection

from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Milestone
from tests.imports.import_files import csv_bytes, milestone, row, upload, workbook

ROWS = 2000

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"\n[benchmark] {label}: {seconds:.2f} s on {connection.vendor}")
    return result


def test_two_thousand_rows_with_milestones_import_in_one_go(data_entry):
    rows = [row(title=f"Memorandum of cooperation no. {n}", status=("signed", "in_progress")[n % 2],
                value=str(1000 * n), currency="JPY") for n in range(ROWS)]
    milestones = [milestone(reference=f"Memorandum of cooperation no. {n}") for n in range(0, ROWS, 2)]
    data = upload(workbook(rows, milestones), "summit.xlsx")
    dry = timed(f"dry run of {ROWS} agreements + {len(milestones)} milestones (XLSX)",
                lambda: import_agreements(data_entry, data, dry_run=True))
    assert dry.ok, dry.lines()[:5]
    report = timed(f"import of {ROWS} agreements + {len(milestones)} milestones (XLSX)",
                   lambda: import_agreements(data_entry, data))
    assert report.ok and report.counts()["created"] == ROWS
    assert Agreement.objects.count() == ROWS and Milestone.objects.count() == len(milestones)
    again = timed(f"re-import of the same {ROWS} rows (0 created, 0 updated)",
                  lambda: import_agreements(data_entry, data))
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": ROWS}


def test_two_thousand_rows_of_a_csv_with_errors_are_all_checked(data_entry):
    rows = [row(title=f"Agreement {n}", kind="?" if n % 100 == 0 else "mou") for n in range(ROWS)]
    data = upload(csv_bytes(rows))
    report = timed(f"checking {ROWS} CSV rows, 20 wrong", lambda: import_agreements(data_entry, data))
    assert len(report.problems) == 20 and not Agreement.objects.exists()


def test_two_thousand_rows_written_as_people_write_them(data_entry):
    """Own references, names without countries, labels, day-first dates, a Cyrillic semicolon CSV."""
    rows = [row(reference=f"MOFA-KZ-{n:04d}", title=f"Соглашение о сотрудничестве № {n}", kind="Memorandum of "
                "Cooperation", pillar="Green & Resilience", focus_areas="Energy and resource development",
                signed_on=f"{1 + n % 28:02d}.12.2025", parties="Ministry of Economy, Trade and Industry; Ministry of "
                "Energy of the Republic of Kazakhstan", lead_organization="ministry of economy, trade and industry",
                status="Signed", signed_at="Астана") for n in range(ROWS)]
    data = upload(csv_bytes(rows, delimiter=";", encoding="cp1251"))
    dry = timed(f"dry run of {ROWS} rows written as people write them", lambda: import_agreements(
        data_entry, data, dry_run=True))
    assert dry.ok, dry.lines()[:5]
    report = timed(f"import of {ROWS} rows written as people write them", lambda: import_agreements(data_entry, data))
    assert report.counts()["created"] == ROWS
    again = timed(f"re-import of the same {ROWS} rows", lambda: import_agreements(data_entry, data))
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": ROWS}
