"""The dashboard's panels kept under the count they show (agreements.reports.cache.count_key): after
someone else's change the reader gets the same panels again, drawn once, inside a page whose header
is drawn afresh (the notice, the notifications); a new count draws them again, and so do another
language, other filters and another reader. Read from the HTML, as the reader sees it."""
from __future__ import annotations

import re

import pytest
from django.core.cache import caches

from agreements.reports import charts
from tests.factories import AgreementFactory
from tests.reports.test_reports_behind import clock, committed, someone_else_reports_a_risk, working  # noqa: F401
from tests.web.test_page_cache import signed_in


@pytest.fixture
def drawn(monkeypatch) -> list[int]:
    """How many times the panels' charts were drawn (once per count when the panels are kept)."""
    calls: list[int] = []
    draw = charts.dashboard_charts
    monkeypatch.setattr(charts, "dashboard_charts", lambda board: calls.append(1) or draw(board))
    return calls


def board(page: str) -> str:
    return page[page.index('<div class="report-layout">'):]


def kpi_shown(page: str, label: str) -> str:
    """A headline figure as printed, found by its label: the number inside its link, or the plain zero."""
    value = re.search(rf'<span class="kpi__value">(.*?)</span>\s*<span class="kpi__label">{label}', page).group(1)
    return re.sub(r"<[^>]+>", "", value)


def at_risk_shown(page: str) -> str:
    return kpi_shown(page, "open agreements at risk")


def total_shown(page: str) -> str:
    return kpi_shown(page, "agreements</span>")


@committed
def test_after_someone_elses_change_the_same_panels_come_back_under_a_header_drawn_again(working, officer, manager,
                                                                                         clock, drawn):
    client = signed_in(manager)
    first = client.get("/reports/").content.decode()
    clock.shift(4)
    someone_else_reports_a_risk(working, officer)
    behind = client.get("/reports/").content.decode()
    clock.shift(3)
    again = client.get("/reports/").content.decode()
    assert board(behind) == board(first) == board(again) and at_risk_shown(again) == "0"
    assert "counted 4 seconds ago" in behind and "counted 7 seconds ago" in again  # the header is this view's
    assert len(drawn) == 1


@committed
def test_a_new_count_draws_the_panels_again(working, officer, manager, clock, drawn):
    client = signed_in(manager)
    client.get("/reports/")
    someone_else_reports_a_risk(working, officer)
    assert at_risk_shown(client.get("/reports/").content.decode()) == "0"
    assert at_risk_shown(client.get("/reports/?fresh=1").content.decode()) == "1"
    clock.shift(1)
    assert at_risk_shown(client.get("/reports/").content.decode()) == "1"  # the new count's panels, kept
    assert len(drawn) == 2
    clock.shift(60)  # another minute, past the bound: counted, and drawn, again
    assert at_risk_shown(client.get("/reports/").content.decode()) == "1"
    assert len(drawn) == 3


@committed
def test_the_reader_in_another_language_gets_the_panels_in_it(working, officer, manager, clock):
    client = signed_in(manager)
    assert "At a glance" in board(client.get("/reports/").content.decode())
    manager.language = "ja"
    manager.save(update_fields=["language"])
    page = client.get("/reports/").content.decode()
    assert "At a glance" not in board(page) and "概況" in board(page)


@committed
def test_the_filters_are_part_of_what_is_kept(working, officer, manager):
    client = signed_in(manager)
    client.get("/reports/")
    someone_else_reports_a_risk(working, officer)
    filtered = client.get("/reports/?status=in_progress").content.decode()
    assert at_risk_shown(filtered) == "1"  # another view of the filters: its own count, after the change
    assert at_risk_shown(client.get("/reports/").content.decode()) == "0"


@committed
def test_nothing_is_kept_for_figures_counted_outside_the_cache(working, officer, manager, settings, drawn):
    settings.REPORTS_CACHE_SECONDS = 0
    client = signed_in(manager)
    client.get("/reports/")
    someone_else_reports_a_risk(working, officer)
    assert at_risk_shown(client.get("/reports/").content.decode()) == "1"
    assert len(drawn) == 2 and not caches["fragments"]._cache  # two counts, both drawn, neither kept


@committed
def test_the_panels_are_each_readers_own(working, manager, viewer, clock):
    """A manager's panels count the restricted agreement; a viewer drawing the same filters in the
    same second gets their own, without it."""
    AgreementFactory(confidentiality="restricted")
    assert total_shown(signed_in(manager).get("/reports/").content.decode()) == "2"
    assert total_shown(signed_in(viewer).get("/reports/").content.decode()) == "1"
