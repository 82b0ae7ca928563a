"""The agreement list: filters in the URL, search, sorting, paging, counts, and bad input."""
from __future__ import annotations

import datetime
import re

import pytest
import time_machine

from agreements.actions.progress import record_progress
from agreements.models import Party, Pillar, User
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory

NOW = datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.timezone.utc)


def references(response) -> list[str]:
    """The references in the result table, in order."""
    body = response.content.decode()
    table = body[body.index('<table class="data data--agreements">'):] if "data--agreements" in body else ""
    return re.findall(r'<a class="ref" href="/agreements/([^/]+)/">', table)


@pytest.fixture
def summit(db, officer, other_officer):
    solar = AgreementFactory(reference="CAJ-1", title="Solar plant in Navoi", owner=officer)
    rail = AgreementFactory(reference="CAJ-2", title="Rail corridor", owner=other_officer,
                            pillar=Pillar.objects.get(code="connectivity"))
    health = AgreementFactory(reference="CAJ-3", title="Hospital equipment", summary="Cardiology centre",
                              owner=other_officer, pillar=Pillar.objects.get(code="human-resources"))
    Party.objects.create(agreement=rail, organization=OrganizationFactory(name="Kazakhstan Temir Zholy", country="KZ"))
    return solar, rail, health


def test_search_finds_reference_title_summary_and_party_names(client, officer, summit):
    client.force_login(officer)
    assert references(client.get("/agreements/?q=navoi")) == ["CAJ-1"]
    assert references(client.get("/agreements/?q=cardiology")) == ["CAJ-3"]
    assert references(client.get("/agreements/?q=temir")) == ["CAJ-2"]
    assert references(client.get("/agreements/?q=caj-3")) == ["CAJ-3"]


def test_filters_combine_and_show_the_count_and_removable_chips(client, officer, summit):
    client.force_login(officer)
    response = client.get("/agreements/?pillar=connectivity&pillar=human-resources&owner=other_officer")
    assert references(response) == ["CAJ-2", "CAJ-3"]
    body = response.content.decode()
    assert "2 agreements" in body
    assert "Pillar: Connectivity" in body and f"Owner: {User.objects.get(username='other_officer')}" in body
    # Removing one chip keeps the other filters.
    assert 'href="?pillar=human-resources&amp;owner=other_officer"' in body


def test_owner_me_and_member_me(client, officer, teammate, summit):
    solar, rail, _ = summit
    rail.team.add(teammate)
    client.force_login(officer)
    assert references(client.get("/agreements/?owner=me")) == ["CAJ-1"]
    client.force_login(teammate)
    assert references(client.get("/agreements/?member=me")) == ["CAJ-2"]
    assert references(client.get("/agreements/?owner=me")) == []


@time_machine.travel(NOW, tick=False)
def test_overdue_filter_and_the_overdue_marker(client, officer, summit):
    solar, rail, _ = summit
    MilestoneFactory(agreement=solar, due_on=datetime.date(2026, 6, 1))
    MilestoneFactory(agreement=rail, due_on=datetime.date(2026, 7, 1))
    client.force_login(officer)
    response = client.get("/agreements/?overdue=true")
    assert references(response) == ["CAJ-1"]
    assert "1 overdue" in response.content.decode()


def test_restricted_agreements_appear_only_for_those_who_may_see_them(client, officer, other_officer, manager, restricted):
    for user, shown in [(officer, True), (manager, True), (other_officer, False)]:
        client.force_login(user)
        assert (restricted.reference in references(client.get("/agreements/"))) is shown
        assert (restricted.reference in references(client.get(f"/agreements/?q={restricted.reference}"))) is shown


def test_sorting_by_a_column_keeps_the_filters_and_toggles_direction(client, officer, summit):
    client.force_login(officer)
    response = client.get("/agreements/?q=a&sort=-reference")
    assert references(response) == ["CAJ-3", "CAJ-2", "CAJ-1"]
    body = response.content.decode()
    assert 'aria-sort="descending"' in body
    assert 'href="?q=a&amp;sort=reference"' in body  # the header link flips the direction, keeps q


def test_25_per_page_with_page_links_that_keep_the_filters(client, officer):
    for n in range(30):
        AgreementFactory(reference=f"P-{n:02d}", owner=officer, parties=0)
    client.force_login(officer)
    first = client.get("/agreements/?owner=me")
    assert len(references(first)) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?owner=me&amp;page=2"' in first.content.decode()
    second = client.get("/agreements/?owner=me&page=2")
    assert references(second) == [f"P-{n:02d}" for n in range(25, 30)]
    assert client.get("/agreements/?owner=me&page=99").status_code == 200  # out of range: the last page


def test_invalid_filter_values_are_reported_beside_the_form_not_a_500(client, officer, summit):
    client.force_login(officer)
    response = client.get("/agreements/?status=nonsense&signed_after=yesterday&due_within=-4&pillar=zzz&q=rail")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters could not be used and were ignored" in body
    for label in ["Status", "Signed from", "Milestone due within (days)", "Pillar"]:
        assert f"<strong>{label}</strong>" in body
    assert references(response) == ["CAJ-2"]  # the valid filter still applies


def test_nothing_matches_says_so_with_a_way_back(client, officer, summit):
    client.force_login(officer)
    body = client.get("/agreements/?q=zzzz-nothing").content.decode()
    assert "No agreement matches" in body and "0 agreements" in body


def test_the_filter_form_offers_only_countries_that_have_parties(client, officer, summit):
    client.force_login(officer)
    body = client.get("/agreements/").content.decode()
    assert 'value="KZ"' in body and 'value="UZ"' in body
    assert 'value="FR"' not in body


EVERY_PARAMETER = ("q=rail&pillar=connectivity&focus_area=logistics-transport&country=KZ&status=draft&health=unknown"
                   "&owner=other_officer&member=other_officer&overdue=0&due_within=30&stale=false"
                   "&quality=no_update&confidentiality=internal&signed_after=2025-12-01&signed_before=2025-12-31"
                   "&sort=-title")


def test_every_parameter_is_accepted_and_shown_as_a_chip(client, officer, summit):
    client.force_login(officer)
    response = client.get(f"/agreements/?{EVERY_PARAMETER}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Some filters could not be used" not in body
    other = User.objects.get(username="other_officer")
    for chip in ["Search: rail", "Pillar: Connectivity", "Focus area: Logistics and transport infrastructure",
                 "Party country: Kazakhstan", "Status: Draft", "Health: Not reported", f"Owner: {other}",
                 f"Owner or team member: {other}", "Not: Has overdue milestones", "Milestone due within (days): 30",
                 "Not: No recent progress update", "Data gaps: No progress update ever",
                 "Confidentiality: Internal (every signed-in user)", "Signed from: 1 Dec 2025",
                 "Signed until: 31 Dec 2025"]:
        assert chip in body, chip


def test_agreements_never_updated_sort_last_both_ways(client, officer, summit):
    solar, rail, health = summit
    record_progress(solar, by=officer, percent_complete=5, health="on_track", summary="a",
                    at=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))
    record_progress(rail, by=rail.owner, percent_complete=5, health="on_track", summary="b",
                    at=datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc))
    client.force_login(officer)
    assert references(client.get("/agreements/?sort=updated")) == ["CAJ-1", "CAJ-2", "CAJ-3"]
    assert references(client.get("/agreements/?sort=-updated")) == ["CAJ-2", "CAJ-1", "CAJ-3"]
