"""PostgreSQL connections dropped under a running web server (gunicorn, DEBUG off, persistent
connections with health checks, as deployed): the request in flight fails cleanly with the
error page and writes nothing, and the next request works on a fresh connection.

The connection is dropped the way a database restart or an administrator does it:
`pg_terminate_backend` from another connection.
"""
from __future__ import annotations

import concurrent.futures
import time

import psycopg
import pytest
from django.db import connection

from agreements.models import Agreement, Health, ProgressUpdate, Status
from tests.conftest import needs_postgres
from tests.services import WebServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PROGRESS = {"percent_complete": "40", "health": Health.AT_RISK, "summary": "Feasibility study delivered.",
            "next_steps": "Board decision."}


@pytest.fixture
def web(transactional_db, tmp_path):
    needs_postgres("the faults are PostgreSQL's own (pg_terminate_backend, row locks)")
    with WebServer(tmp_path, workers=1) as server:
        yield server


@pytest.fixture
def working(agreement, move_to):
    return move_to(agreement, Status.IN_PROGRESS)


def terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def holding_a_share_lock(pk: int):
    """Another session reading the agreement FOR SHARE: a progress update can insert its row
    (a foreign key only needs KEY SHARE) but waits to update the agreement's health."""
    s = connection.settings_dict
    holder = psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                             password=s["PASSWORD"] or None, dbname=s["NAME"])
    holder.execute("SELECT 1 FROM agreements_agreement WHERE id = %s FOR SHARE", [pk])
    return holder


def test_a_connection_dropped_inside_a_progress_update_fails_cleanly_and_writes_nothing(web, working, officer,
                                                                                          settings):
    browser = web.browser(officer, settings)
    path = f"/agreements/{working.reference}/progress/"
    holder = holding_a_share_lock(working.pk)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            answer = pool.submit(browser.post, path, PROGRESS)
            # The request has written its update row (it has a transaction id) and now waits
            # inside its transaction to carry the health onto the agreement.
            [waiting] = wait_until(lambda: [b for b in web.backends(wait_event_type="Lock") if b["xid"]],
                                   what="the request to wait inside its transaction")
            terminate(waiting["pid"])
            holder.rollback()
            status, page = answer.result(timeout=30)
            seconds = time.monotonic() - started
    finally:
        holder.close()

    assert status == 500 and "Something went wrong on our side" in page
    updates = ProgressUpdate.objects.filter(agreement=working).count()
    working.refresh_from_db()
    assert (updates, working.health, working.last_progress_at) == (0, Health.UNKNOWN, None)  # neither half

    next_status, _ = browser.post(path, PROGRESS)
    working.refresh_from_db()
    assert next_status == 302
    assert ProgressUpdate.objects.filter(agreement=working).count() == 1 and working.health == Health.AT_RISK
    print(f"\n[faults] PostgreSQL backend killed inside a progress update: HTTP {status} after {seconds:.2f} s, "
          f"half-written rows 0 (updates {updates}, health unchanged); next request HTTP {next_status}, both written")


def test_a_pooled_connection_dropped_between_requests_is_replaced_without_an_error(web, working, officer, settings):
    browser = web.browser(officer, settings)
    assert browser.get(f"/agreements/{working.reference}/")[0] == 200
    [idle] = web.backends(state="idle")  # kept for the next request (CONN_MAX_AGE)

    terminate(idle["pid"])
    wait_until(lambda: not web.backends(), what="the connection to be gone")
    statuses = [browser.get(f"/agreements/{working.reference}/")[0], browser.get("/agreements/")[0]]

    assert statuses == [200, 200]
    assert [b["pid"] for b in web.backends()] != [idle["pid"]]
    assert Agreement.objects.filter(pk=working.pk).exists()
    print(f"\n[faults] pooled PostgreSQL connection killed between requests: next requests HTTP {statuses}")
