"""The dashboard cache (agreements/reports/cache.py): a cached dashboard always equals one computed
afresh — after writes through the forms' functions, bulk UPDATEs, an import, a team change and the
passing of a day — and a second look with nothing changed really comes from the cache."""
from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.actions.progress import record_progress
from agreements.imports import exports
from agreements.imports.files import Upload
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Milestone, Status
from agreements.reports import figures as reports
from tests.factories import AgreementFactory, MilestoneFactory

committed = pytest.mark.django_db(transaction=True)  # the cache is only used outside a transaction

NOW = datetime.datetime(2026, 6, 10, 9, 30, tzinfo=datetime.timezone.utc)
TODAY = NOW.date()


def figures(dash) -> dict:
    """What a manager reads off the page, comparable between two dashboards."""
    return {
        "headline": {name: figure.count for name, figure in dash.headline.items()},
        "milestones": {name: figure.count for name, figure in dash.milestones.items()},
        "overdue": [m.pk for m in dash.overdue], "upcoming": [m.pk for m in dash.upcoming],
        "at_risk": [a.pk for a in dash.at_risk],
    }


def look(client, user, query: str = "") -> tuple[dict, int]:
    """The dashboard's figures for `user`, and the number of queries the request made."""
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    return figures(response.context["dash"]), len(queries)


def fresh(client, user, settings, query: str = "") -> dict:
    """The same dashboard computed without the cache: the reference a cached one must equal."""
    settings.REPORTS_CACHE_SECONDS = 0
    try:
        return look(client, user, query)[0]
    finally:
        settings.REPORTS_CACHE_SECONDS = 60


@pytest.fixture(autouse=True)
def figures_not_pages(settings):
    """These tests read the figures the view computed (its context): the whole-page cache in front
    of it (agreements.web.page_cache, tested in tests/web/test_page_cache.py) is off here, and so is
    the bound within which other people's writes may wait (tests/reports/test_reports_behind.py):
    these tests hold the cache to equal a fresh count after every write."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.REPORTS_STALE_SECONDS = 0


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def portfolio(frozen, officer, move_to):
    """Two agreements at work and one restricted, with milestones overdue, due today and later."""
    working = [move_to(AgreementFactory(owner=officer), Status.IN_PROGRESS) for _ in range(2)]
    secret = move_to(AgreementFactory(owner=officer, confidentiality="restricted"), Status.IN_PROGRESS)
    for agreement in (*working, secret):
        MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=5), title="Late")
        MilestoneFactory(agreement=agreement, due_on=TODAY, title="Due today")
        MilestoneFactory(agreement=agreement, due_on=TODAY + datetime.timedelta(days=40), title="Later")
    return working, secret


@committed
def test_a_second_look_with_nothing_changed_comes_from_the_cache(client, manager, portfolio, settings):
    first, computed = look(client, manager)
    again, cached = look(client, manager)
    assert again == first == fresh(client, manager, settings)
    assert cached < computed - 5, (computed, cached)  # the aggregates were not run again
    client.force_login(manager)  # signing in again writes last_login, which no report shows
    assert look(client, manager)[1] == cached


@committed
def test_every_kind_of_write_shows_at_once(client, manager, officer, portfolio, settings):
    working, _secret = portfolio
    look(client, manager)

    record_progress(working[0], by=officer, percent_complete=40, health="off_track", summary="Delayed")
    seen = look(client, manager)[0]
    assert seen == fresh(client, manager, settings) and seen["at_risk"] == [working[0].pk]

    Milestone.objects.filter(title="Late").update(state="done", done_on=TODAY)  # a bulk UPDATE, no signals
    seen = look(client, manager)[0]
    assert seen == fresh(client, manager, settings) and seen["milestones"]["overdue"] == 0

    response = exports.agreements_csv_response(Agreement.objects.filter(pk=working[1].pk))
    exported = b"".join(response.streaming_content) if response.streaming else response.content
    copy = exported.decode("utf-8-sig").replace(working[1].reference, "", 1).replace(working[1].title, "A copy", 1)
    assert import_agreements(manager, Upload("agreements.csv", copy.encode())).ok
    seen = look(client, manager)[0]
    assert seen == fresh(client, manager, settings) and seen["headline"]["total"] == 4


@committed
def test_what_a_viewer_may_see_is_never_taken_from_someone_else(client, manager, viewer, portfolio, settings):
    _working, secret = portfolio
    everything = look(client, manager)[0]
    seen = look(client, viewer)[0]
    assert seen["headline"]["total"] == everything["headline"]["total"] - 1  # not the manager's entry
    secret.team.add(viewer)  # a team change alone makes the restricted agreement visible
    seen = look(client, viewer)[0]
    assert seen == fresh(client, viewer, settings) and seen["headline"]["total"] == everything["headline"]["total"]


@committed
def test_the_next_day_is_computed_anew(client, manager, portfolio, frozen, settings):
    today = look(client, manager)[0]
    frozen.shift(datetime.timedelta(days=1))
    tomorrow = look(client, manager)[0]
    assert tomorrow == fresh(client, manager, settings)
    assert tomorrow["milestones"]["overdue"] == today["milestones"]["overdue"] + 3  # "Due today" is late now


def test_inside_a_transaction_nothing_is_cached(client, manager, db, settings):
    """There the data version cannot yet show the transaction's own writes."""
    AgreementFactory()
    assert look(client, manager)[1] == look(client, manager)[1]


def test_every_table_the_dashboard_reads_changes_the_data_version(manager, viewer, db):
    """A table read by the reports without the trigger of migration 0005 would let a cached
    dashboard outlive a change: add it there."""
    from django.http import QueryDict

    from agreements.reports.drilldown import dashboard_filter, filter_params

    query = QueryDict("pillar=green-resilience&country=UZ&owner=me&status=in_progress&signed_after=2025-01-01"
                      "&focus_area=energy")
    read = set()
    for user in (manager, viewer):
        for data in (QueryDict(), query):
            filterset = dashboard_filter(user, data)
            with CaptureQueriesContext(connection) as queries:
                reports.compute_panels(filterset, filter_params(filterset), TODAY)
            read |= tables_read(queries)
    assert "agreements_milestone" in read and "agreements_party" in read  # the capture works
    assert read - tables_with_trigger() == set()


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    """The tables the captured queries read from or join."""
    return {table for captured in queries.captured_queries
            for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', captured["sql"])}


def tables_with_trigger() -> set[str]:
    """The tables carrying a data-version trigger, read from the database's own catalogue."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers "
                           "WHERE trigger_name = 'data_version'")
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'data_version_%'")
        return {row[0] for row in cursor.fetchall()}
