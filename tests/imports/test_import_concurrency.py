"""Two imports at once never hand out the same reference (PostgreSQL advisory lock)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from agreements import references
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Pillar
from tests.imports.import_files import csv_bytes, row, upload
from tests.services import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("import_orgs", "officer")]


def waiting_for_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_the_references_another_is_inserting(require_postgres, data_entry):
    holding, release, held = threading.Event(), threading.Event(), []
    pillar = Pillar.objects.get(code="connectivity")

    def first_import():
        try:
            with transaction.atomic():
                held.extend(references.allocate([2025, 2025, 2025]))
                Agreement.objects.bulk_create([Agreement(reference=r, title=r, pillar=pillar) for r in held])
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    outcome = {}

    def second_import():
        try:
            rows = [row(title=f"Second import {n}") for n in range(3)]
            outcome["report"] = import_agreements(data_entry, upload(csv_bytes(rows)))
        finally:
            connection.close()

    first = threading.Thread(target=first_import)
    first.start()
    assert holding.wait(20)
    second = threading.Thread(target=second_import)
    second.start()
    wait_until(waiting_for_advisory_lock, 20, "the second import to wait at the allocation lock", interval=0.02)
    release.set()
    first.join(20)
    second.join(20)
    report = outcome["report"]
    assert report.ok, report.lines()
    assert held == ["CAJ-2025-001", "CAJ-2025-002", "CAJ-2025-003"]
    assert [o.reference for o in report.outcomes] == ["CAJ-2025-004", "CAJ-2025-005", "CAJ-2025-006"]


@pytest.mark.django_db(transaction=True)
def test_imports_racing_each_other_all_succeed_with_distinct_references(require_postgres, data_entry):
    barrier, reports = threading.Barrier(3), []

    def run(n):
        try:
            barrier.wait()
            rows = [row(title=f"Import {n}, agreement {i}") for i in range(20)]
            reports.append(import_agreements(data_entry, upload(csv_bytes(rows))))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(report.ok for report in reports) and len(reports) == 3, [r.lines() for r in reports]
    found = sorted(Agreement.objects.values_list("reference", flat=True))
    assert found == [f"CAJ-2025-{n:03d}" for n in range(1, 61)]
