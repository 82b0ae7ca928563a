"""The reports dashboard: who may open it, and every figure against an independent count on
the seeded summit (158 agreements, frozen on 10 June 2026)."""
from __future__ import annotations

import datetime

import pytest

from agreements.models import Agreement, Health, Status
from tests.reports.reports_support import (
    NOW,
    TODAY,
    expected_figures,
    expected_months,
    frozen_summit,  # noqa: F401 (a fixture)
    load,
)

pytestmark = pytest.mark.usefixtures("frozen_summit")


def dashboard(client, user, query: str = ""):
    client.force_login(user)
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    return response.context["dash"]


# --- Who may open it --------------------------------------------------------------------------

def test_officer_gets_a_forbidden_page_pointing_to_my_work(client, officer):
    client.force_login(officer)
    response = client.get("/reports/")
    assert response.status_code == 403
    assert b"Reports are for managers and viewers" in response.content
    assert b'href="/"' in response.content and b"Go to My work" in response.content


def test_data_entry_is_refused_too(client, data_entry):
    client.force_login(data_entry)
    assert client.get("/reports/").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/reports/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_manager_and_viewer_see_the_dashboard(client, manager, viewer):
    for user in (manager, viewer):
        client.force_login(user)
        response = client.get("/reports/")
        assert response.status_code == 200
        assert b"Pillar \xc3\x97 status" in response.content


# --- Every figure equals an independent count -----------------------------------------------

def test_headline_figures_equal_independent_counts(client, manager):
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)
    for name in ("total", "implementation", "at_risk", "stale", "closures", "restricted"):
        assert dash.headline[name].count == expected[name], name
    assert dash.implementation_share == int(100 * expected["implementation"] / expected["total"] + 0.5)
    for name, (milestones, agreements) in expected["milestones"].items():
        assert (dash.milestones[name].count, dash.milestones[name].agreements) == (milestones, agreements), name
    assert {key: figure.count for (key, _label), figure in dash.status_totals} == {
        s: expected["status"][s] for s in Status.values}


def test_pillar_status_matrix_equals_independent_counts(client, manager):
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)["pillar_status"]
    statuses = [key for key, _label in dash.pillar_status.columns]
    for row in dash.pillar_status.rows:
        assert [cell.count for cell in row.cells] == [expected[row.key, s] for s in statuses], row.key
        assert row.total.count == sum(expected[row.key, s] for s in statuses)
    assert dash.pillar_status.total.count == Agreement.objects.count() == 158 + Agreement.objects.filter(origin="before").count()


def test_health_distribution_counts_open_agreements(client, manager):
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)["health_open"]
    assert {key: figure.count for key, _label, figure in dash.health} == {h: expected[h] for h in Health.values}
    assert sum(figure.count for _k, _l, figure in dash.health) == Agreement.objects.open().count()


def test_country_pillar_matrix_counts_each_agreement_once_per_party_country(client, manager):
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)["country_pillar"]
    pillars = [key for key, _label in dash.country_pillar.columns]
    assert {row.key for row in dash.country_pillar.rows} == {"JP", "KZ", "KG", "TJ", "TM", "UZ", "TR"}  # Turkish partners
    for row in dash.country_pillar.rows:
        assert [cell.count for cell in row.cells] == [expected[row.key, p] for p in pillars], row.key
    japan = next(row for row in dash.country_pillar.rows if row.key == "JP")
    assert japan.total.count == Agreement.objects.filter(parties__organization__country="JP").distinct().count()


def test_focus_areas_and_money_equal_independent_counts(client, manager):
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)
    assert {row.key: row.total.count for row in dash.focus_areas.rows} == {
        row.key: expected["focus"][row.key] for row in dash.focus_areas.rows}
    assert len(dash.focus_areas.rows) == 7
    pillars = [key for key, _label in dash.money.columns]
    shown = {(row.key, p): (cell.count, cell.agreements) for row in dash.money.rows for p, cell in zip(pillars, row.cells)
             if cell.agreements}
    assert shown == expected["money"]
    assert {row.key for row in dash.money.rows} == {"JPY", "USD"}  # never one total across currencies


def test_progress_per_month_equals_independent_counts(client, manager):
    dash = dashboard(client, manager)
    expected = expected_months(load(manager))
    # The record's earlier agreements reach back to 2019: the chart shows its last 36 months.
    assert dash.months[0].start == datetime.date(2023, 7, 1) and dash.months[-1].start == datetime.date(2026, 6, 1)
    for month in dash.months:
        assert month.signed.count == expected["signed"][month.start]
        assert month.due.count == expected["due"][month.start]
        assert month.done.count == expected["done"][month.start]
        assert month.changes.count == expected["changes"][month.start]
    signed_in_chart = Agreement.objects.filter(signed_on__gte=dash.months[0].start).count()
    assert sum(m.signed.count for m in dash.months) == signed_in_chart


def test_data_quality_equals_independent_counts(client, manager):
    Agreement.objects.filter(pk__in=Agreement.objects.order_by("pk")[:3].values("pk")).update(currency="")
    Agreement.objects.filter(pk__in=Agreement.objects.order_by("-pk")[:2].values("pk")).update(lead_organization=None)
    dash = dashboard(client, manager)
    expected = expected_figures(load(manager), TODAY, NOW)["quality"]
    assert {gap: figure.count for gap, _label, figure in dash.quality} == expected
    assert expected["no_lead_organization"] == 2


def test_tables_list_the_oldest_overdue_and_soonest_upcoming_with_owner(client, manager):
    dash = dashboard(client, manager)
    overdue = sorted((m for a in load(manager) for m in a.milestones.all()
                      if m.state == "planned" and m.due_on < TODAY), key=lambda m: (m.due_on, m.pk))
    assert [m.pk for m in dash.overdue] == [m.pk for m in overdue[:15]]
    assert dash.overdue[0].days == (TODAY - overdue[0].due_on).days
    assert all(TODAY <= m.due_on <= TODAY + datetime.timedelta(days=30) for m in dash.upcoming)
    assert [m.due_on for m in dash.upcoming] == sorted(m.due_on for m in dash.upcoming)
    assert [a.health for a in dash.at_risk] == sorted((a.health for a in dash.at_risk), reverse=True)  # off first
    page = client.get("/reports/").content.decode()
    first = dash.overdue[0]
    assert first.agreement.reference in page and str(first.owner) in page
    for table, milestones, heading in (("table-overdue", dash.overdue, "Days late"), ("table-upcoming", dash.upcoming, "Days left")):
        assert milestones, table
        html = page[page.index(f'id="{table}"'):]
        html = html[:html.index("</table>")]
        assert heading in html and html.count("<tr>") == len(milestones) + 1  # the header row and one per milestone
        assert f'<td class="num">{milestones[0].days}</td>' in html


# --- Visibility --------------------------------------------------------------------------------

def test_viewer_totals_exclude_restricted_agreements_they_cannot_open(client, manager, viewer):
    everything = dashboard(client, manager)
    restricted = Agreement.objects.filter(confidentiality="restricted")
    assert restricted.exists()
    seen = dashboard(client, viewer)
    assert seen.headline["total"].count == everything.headline["total"].count - restricted.count()
    assert seen.headline["restricted"].count == 0
    expected = expected_figures(load(viewer), TODAY, NOW)
    assert seen.milestones["overdue"].count == expected["milestones"]["overdue"][0]
    assert all(m.agreement.confidentiality == "internal" for m in seen.overdue + seen.upcoming)


def test_viewer_on_a_restricted_agreements_team_counts_it(client, viewer):
    before = dashboard(client, viewer).headline["total"].count
    Agreement.objects.filter(confidentiality="restricted").first().team.add(viewer)
    assert dashboard(client, viewer).headline["total"].count == before + 1


def test_manager_page_says_restricted_agreements_are_included(client, manager, viewer):
    client.force_login(manager)
    assert "Counts include restricted agreements" in client.get("/reports/").content.decode()
    client.force_login(viewer)
    assert "restricted agreements outside your teams are not included" in client.get("/reports/").content.decode()


# --- Filters apply to every panel ----------------------------------------------------------------

def test_filters_apply_to_every_panel(client, manager):
    dash = dashboard(client, manager, "pillar=connectivity&country=KZ")
    chosen = [a for a in load(manager) if a.pillar.code == "connectivity" and "KZ" in {
        p.organization.country.code for p in a.parties.all()}]
    expected = expected_figures(chosen, TODAY, NOW)
    assert 0 < dash.headline["total"].count == len(chosen)
    assert [row.key for row in dash.pillar_status.rows] == ["connectivity"]
    assert [row.key for row in dash.country_pillar.rows] == ["KZ"]
    assert dash.country_pillar.rows[0].total.count == len(chosen)
    assert {row.key for row in dash.focus_areas.rows} == {"logistics-transport"}
    assert dash.milestones["overdue"].count == expected["milestones"]["overdue"][0]
    assert sum(m.signed.count for m in dash.months) == len(  # a planned signature has no date yet
        [a for a in chosen if a.signed_on and a.signed_on >= dash.months[0].start])
    assert all(m.agreement.pillar.code == "connectivity" for m in dash.overdue)
    assert dash.summary == [("Pillar", ["Connectivity"]), ("Party country", ["Kazakhstan"])]


def test_filters_by_status_owner_and_signature_dates(client, manager):
    owner = Agreement.objects.values_list("owner__username", flat=True).first()
    query = f"status=in_progress&status=on_hold&owner={owner}&signed_after=2025-12-19&signed_before=2025-12-20"
    dash = dashboard(client, manager, query)
    chosen = [a for a in load(manager) if a.status in ("in_progress", "on_hold") and a.owner.username == owner
              and datetime.date(2025, 12, 19) <= a.signed_on <= datetime.date(2025, 12, 20)]
    assert dash.headline["total"].count == len(chosen) > 0
    assert [key for key, _label in dash.pillar_status.columns] == ["in_progress", "on_hold"]
    assert [m.start for m in dash.months if m.signed.count] == [datetime.date(2025, 12, 1)]


def test_invalid_filters_are_reported_and_ignored(client, manager):
    client.force_login(manager)
    response = client.get("/reports/?pillar=nonsense&signed_after=yesterday&status=in_progress")
    dash = response.context["dash"]
    assert dash.params == {"status": ["in_progress"]}
    assert dash.headline["total"].count == Agreement.objects.filter(status="in_progress").count()
    assert "Some filters were not understood" in response.content.decode()


def test_parameters_the_dashboard_does_not_offer_are_ignored(client, manager):
    dash = dashboard(client, manager, "health=at_risk&q=solar")
    assert dash.headline["total"].count == Agreement.objects.count() and dash.params == {}
