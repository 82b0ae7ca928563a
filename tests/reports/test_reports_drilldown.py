"""Every number on the dashboard links to the agreement list showing exactly the agreements
behind it: each link's query string, evaluated with AgreementFilter over what the user may
see (what the list does), gives the number shown."""
from __future__ import annotations

import pytest
from django.http import QueryDict

from agreements.reports.drilldown import Drill
from agreements.reports.figures import share
from tests.reports.reports_support import frozen_summit, list_count, number, parse_links  # noqa: F401 (fixture)

FILTERS = [
    "",
    "pillar=connectivity&country=KZ",
    "pillar=green-resilience&pillar=human-resources&status=in_progress&status=completed&status=on_hold",
    "focus_area=renewable-transition&focus_area=capacity-building&signed_after=2025-12-20",
    "country=UZ&country=JP&signed_before=2025-12-19&status=signed&status=in_progress",
]


def links_on_dashboard(client, user, query):
    client.force_login(user)
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 200
    return response.context["dash"], parse_links(response.content.decode())


@pytest.mark.usefixtures("frozen_summit")
@pytest.mark.parametrize("query", FILTERS)
def test_every_link_lists_exactly_the_agreements_counted(client, manager, query):
    dash, page = links_on_dashboard(client, manager, query)
    assert len(page.links) > 40, "the dashboard should be full of links"
    total = dash.headline["total"].count
    for link in page.links:
        listed = list_count(manager, link["href"].split("?", 1)[1])
        assert listed == int(link["data-agreements"]), link
        if link["data-counts"] == "agreements":
            assert number(link["text"]) == listed, link
        elif link["data-counts"] == "money":
            assert number(link["text"]) == listed, link  # "3 agreements" under the amount
        elif link["data-counts"] == "percent":
            assert number(link["text"]) == share(listed, total), link
    assert all(zero in ("0", "—") for zero in page.zeros), page.zeros


@pytest.mark.usefixtures("frozen_summit")
@pytest.mark.parametrize("query", FILTERS[:2])
def test_viewer_links_count_only_what_the_viewer_may_open(client, viewer, query):
    dash, page = links_on_dashboard(client, viewer, query)
    assert len(page.links) > 20
    for link in page.links:
        assert list_count(viewer, link["href"].split("?", 1)[1]) == int(link["data-agreements"]), link


@pytest.mark.usefixtures("frozen_summit")
def test_links_keep_the_dashboards_filters(client, manager):
    _dash, page = links_on_dashboard(client, manager, "pillar=connectivity&country=KZ")
    assert len(page.links) > 20
    for link in page.links:
        params = QueryDict(link["href"].split("?", 1)[1])
        assert params.getlist("pillar") == ["connectivity"] and params.getlist("country") == ["KZ"], link


@pytest.mark.usefixtures("frozen_summit")
def test_milestone_figures_count_milestones_and_link_to_their_agreements(client, manager):
    dash, page = links_on_dashboard(client, manager, "")
    overdue = dash.milestones["overdue"]
    assert overdue.count > overdue.agreements > 0  # some agreements have several overdue milestones
    link = next(link for link in page.links if link["href"] == f"/agreements/?{overdue.query}")
    assert link["data-counts"] == "milestones" and number(link["text"]) == overdue.count
    assert f"{overdue.agreements} agreements concerned" in link["title"]
    assert QueryDict(overdue.query)["overdue"] == "true"
    assert QueryDict(dash.milestones["upcoming"].query)["due_within"] == "30"


# --- How a cell's parameters meet the dashboard's filters --------------------------------------

def test_a_cell_value_replaces_the_filter_value_it_narrows():
    drill = Drill({"pillar": ["connectivity", "cross-cutting"], "owner": ["me"]})
    assert QueryDict(drill.query(pillar="connectivity")).getlist("pillar") == ["connectivity"]
    assert QueryDict(drill.query(pillar="connectivity")).getlist("owner") == ["me"]


def test_a_cell_outside_the_filter_has_no_link():
    drill = Drill({"status": ["draft"]})
    assert drill.query(status=["in_progress", "completed"]) is None
    assert drill.figure(0, status="in_progress").query is None


def test_signature_dates_narrow_to_the_overlap():
    drill = Drill({"signed_after": ["2025-12-15"], "signed_before": ["2026-01-10"]})
    params = QueryDict(drill.query(signed_after="2025-12-01", signed_before="2025-12-31"))
    assert (params["signed_after"], params["signed_before"]) == ("2025-12-15", "2025-12-31")
    assert drill.query(signed_after="2026-02-01", signed_before="2026-02-28") is None


def test_no_filter_and_no_cell_parameters_is_the_whole_list():
    figure = Drill({}).figure(12)
    assert figure.linked and figure.query == ""
