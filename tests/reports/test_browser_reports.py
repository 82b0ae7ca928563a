"""The reports dashboard in Chromium: a manager sees every panel, filters to one pillar and
one country, clicks a number and lands on the list of exactly those agreements; the page
prints as an A4 handout with the date and the filters."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from agreements.demo import summit as demo
from tests.reports.reports_support import list_count

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PANELS = ["At a glance", "Pillar × status", "Health of open agreements", "Party country × pillar", "Focus areas",
          "Value per currency", "Progress over time", "Overdue milestones", "Milestones due in the next 30 days",
          "Agreements at risk or off track", "Data quality", "How the numbers are counted"]


@pytest.fixture
def summit(db):
    demo.seed()


def test_manager_filters_the_dashboard_and_drills_down_to_the_agreements(live_page, summit, manager):
    live_page.sign_in(manager)
    live_page.get_by_role("link", name="Reports").click()
    live_page.wait_for_url("**/reports/")
    for panel in PANELS:
        assert live_page.get_by_role("heading", name=panel, exact=True).is_visible(), panel
    for summary in live_page.locator("details.report-fold > summary, details.report-chart > summary").all():
        summary.click()  # the secondary panels and the matrix's chart are folded
    charts = live_page.locator("svg.chart[role=img]")
    assert charts.count() == 5
    assert all(charts.nth(i).bounding_box()["width"] > 250 for i in range(5))

    live_page.locator("details.report-filters > summary").click()
    live_page.get_by_role("checkbox", name="Connectivity").check()
    live_page.get_by_role("checkbox", name="Kazakhstan").check()
    live_page.get_by_role("button", name="Apply filters").click()
    live_page.wait_for_url("**/reports/?*country=KZ*")
    summary = live_page.locator("details.report-filters > summary").inner_text()
    assert "Pillar: Connectivity" in summary and "Party country: Kazakhstan" in summary
    assert live_page.locator("#table-pillar-status tbody tr").count() == 1

    cell = live_page.locator("#table-pillar-status tbody a.drill").first
    shown = int(cell.inner_text())
    cell.click()
    live_page.wait_for_url("**/agreements/?**")
    query = urlparse(live_page.url).query
    assert "pillar=connectivity" in query and "country=KZ" in query and "status=" in query
    assert list_count(manager, query) == shown > 0  # the list's FilterSet gives the number clicked


def test_dashboard_prints_as_a_handout_with_the_date_and_filters(live_page, summit, manager):
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for("/reports/?pillar=connectivity"))
    live_page.emulate_media(media="print")
    assert live_page.locator(".report-filters").is_hidden()
    assert live_page.locator(".site-header").is_hidden()
    assert live_page.get_by_text("CA+JAD Tokyo Initiative — follow-up of the summit agreements").is_visible()
    assert "As of" in live_page.locator(".report-header__meta").inner_text()
    assert "Pillar: Connectivity" in live_page.locator("#report-filters-summary").inner_text()
    assert live_page.locator("svg.chart").first.is_visible()
    pdf = live_page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_officer_is_pointed_to_my_work(live_page, officer):
    live_page.sign_in(officer)
    assert live_page.get_by_role("link", name="Reports").count() == 0
    live_page.goto(live_page.url_for("/reports/"))
    assert live_page.get_by_role("heading", name="Reports are for managers and viewers").is_visible()
    live_page.get_by_role("link", name="Go to My work").click()
    live_page.wait_for_url(live_page.url_for("/"))
