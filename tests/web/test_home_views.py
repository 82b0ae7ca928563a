"""My work: my agreements, my milestones overdue or due soon, my stale agreements, closures to approve."""
from __future__ import annotations

import datetime

import pytest
import time_machine

from agreements import workflow
from agreements.actions.progress import record_progress
from agreements.models import Status
from tests.factories import AgreementFactory, MilestoneFactory

NOW = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.timezone.utc)
TODAY = NOW.date()


def section(body: str, anchor: str) -> str:
    start = body.index(f'id="{anchor}"')
    end = body.find("</section>", start)
    return body[start:end]


@pytest.fixture
def mine(officer, move_to):
    agreement = AgreementFactory(reference="MINE-1", title="Solar plant", owner=officer)
    move_to(agreement, Status.IN_PROGRESS)
    return agreement


@time_machine.travel(NOW, tick=False)
def test_my_milestones_overdue_and_due_within_14_days_only(client, officer, mine):
    MilestoneFactory(agreement=mine, owner=officer, title="Late report", due_on=TODAY - datetime.timedelta(days=3))
    MilestoneFactory(agreement=mine, owner=officer, title="Site visit", due_on=TODAY + datetime.timedelta(days=14))
    MilestoneFactory(agreement=mine, owner=officer, title="Far away", due_on=TODAY + datetime.timedelta(days=15))
    MilestoneFactory(agreement=mine, owner=officer, title="Closed one", due_on=TODAY, state="waived",
                     waiver_reason="not needed")
    client.force_login(officer)
    milestones = section(client.get("/").content.decode(), "milestones")
    assert "Late report" in milestones and "Overdue by 3" in milestones
    assert "Site visit" in milestones and "in 2" in milestones  # "in 2 weeks"
    assert "Far away" not in milestones and "Closed one" not in milestones


@time_machine.travel(NOW, tick=False)
def test_milestones_of_others_and_of_closed_agreements_are_not_mine(client, officer, other_officer, mine, move_to):
    MilestoneFactory(agreement=mine, owner=other_officer, title="Their task", due_on=TODAY)
    finished = AgreementFactory(owner=officer)
    MilestoneFactory(agreement=finished, owner=officer, title="Old closed", due_on=TODAY - datetime.timedelta(days=1))
    move_to(finished, Status.TERMINATED)
    client.force_login(officer)
    milestones = section(client.get("/").content.decode(), "milestones")
    assert "Their task" not in milestones and "Old closed" not in milestones
    assert "Nothing overdue" in milestones


@time_machine.travel(NOW, tick=False)
def test_agreements_without_an_update_for_30_days(client, officer, manager, mine):
    fresh = AgreementFactory(reference="MINE-2", owner=officer)
    workflow.transition(fresh, Status.SIGNED, by=manager)
    record_progress(fresh, by=officer, percent_complete=5, health="on_track", summary="Started")
    old = AgreementFactory(reference="MINE-3", owner=officer)
    workflow.transition(old, Status.SIGNED, by=manager)
    record_progress(old, by=officer, percent_complete=5, health="on_track", summary="Long ago",
                    at=NOW - datetime.timedelta(days=400))
    client.force_login(officer)
    stale = section(client.get("/").content.decode(), "stale")
    assert "MINE-1" in stale and "no update yet" in stale
    assert "MINE-3" in stale and "MINE-2" not in stale


@time_machine.travel(NOW, tick=False)
def test_without_an_update_follows_the_reminder_policy(client, officer, mine):
    """My work, the list's filter and the stale reminders use one threshold: the policy's."""
    from agreements.models import ReminderPolicy

    record_progress(mine, by=officer, percent_complete=5, health="on_track", summary="Last month",
                    at=NOW - datetime.timedelta(days=20))
    client.force_login(officer)
    assert "MINE-1" not in section(client.get("/").content.decode(), "stale")
    ReminderPolicy.objects.create(pk=ReminderPolicy.SINGLETON_ID, stale_days=14)
    body = client.get("/").content.decode()
    assert "MINE-1" in section(body, "stale") and "Waiting for a progress update (14 days or more)" in body


def test_my_open_agreements_include_team_work_not_others(client, teammate, officer, other_officer, mine):
    mine.team.add(teammate)
    AgreementFactory(reference="OTHER-1", owner=other_officer)
    client.force_login(teammate)
    body = section(client.get("/").content.decode(), "mine")
    assert "MINE-1" in body and "OTHER-1" not in body


def test_managers_see_closures_waiting_and_which_need_another_manager(client, manager, second_manager, mine, officer):
    workflow.transition(mine, Status.PENDING_CLOSURE, by=officer)
    by_me = AgreementFactory(reference="MINE-9", owner=officer)
    for step in (Status.SIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSURE):
        workflow.transition(by_me, step, by=manager)
    client.force_login(manager)
    closures = section(client.get("/").content.decode(), "closures")
    assert "MINE-1" in closures and "Review" in closures
    assert "MINE-9" in closures and "You requested it: another manager approves." in closures
    client.force_login(second_manager)
    assert "You requested it" not in section(client.get("/").content.decode(), "closures")


def test_officers_have_no_closure_section(client, officer, mine):
    client.force_login(officer)
    assert 'id="closures"' not in client.get("/").content.decode()


def test_a_viewer_lands_on_the_reports_instead_of_an_empty_my_work(client, viewer, mine):
    """A viewer owns and works on nothing: My work was always empty for them (issue 18)."""
    client.force_login(viewer)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/reports/", 302)] and response.status_code == 200


def test_an_officer_without_agreements_gets_a_friendly_page(client, other_officer, mine):
    client.force_login(other_officer)
    body = client.get("/").content.decode()
    assert "You do not own or work on any open agreement." in body
    assert "Browse all agreements" in body
