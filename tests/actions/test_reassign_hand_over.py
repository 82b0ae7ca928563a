"""Reassigning hands over the planned milestones of everyone who leaves the agreement — the
previous owner and people taken off the team — not only the previous owner's (issue 13,
finding 4: a team member removed from a restricted agreement kept its milestones, and with
them overdue e-mails about an agreement they could no longer open)."""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from agreements.actions import assignment
from agreements.models import Milestone
from tests.factories import MilestoneFactory, UserFactory


@pytest.fixture
def working(restricted, move_to):
    return move_to(restricted, "in_progress")


def post(client, agreement, owner, team=(), hand_over=True):
    data = {"owner": owner.pk, "team": [member.pk for member in team], "version": agreement.version}
    if hand_over:
        data["hand_over_milestones"] = "on"
    return client.post(reverse("agreement-reassign", args=[agreement.reference]), data, follow=True)


def owner_of(milestone) -> object:
    return Milestone.objects.get(pk=milestone.pk).owner


def test_milestones_of_a_person_taken_off_the_team_go_to_the_new_owner(client, manager, officer, teammate,
                                                                       other_officer, working):
    theirs = MilestoneFactory(agreement=working, owner=teammate)
    owners = MilestoneFactory(agreement=working, owner=officer)
    client.force_login(manager)
    response = post(client, working, other_officer)
    assert (owner_of(theirs), owner_of(owners)) == (other_officer, other_officer)
    assert f"2 planned milestones were handed over to {other_officer}" in response.content.decode()


def test_people_who_stay_keep_their_milestones(client, manager, officer, teammate, other_officer, working):
    theirs = MilestoneFactory(agreement=working, owner=teammate)
    done = MilestoneFactory(agreement=working, owner=officer, state="done", done_on=datetime.date(2026, 1, 1))
    client.force_login(manager)
    post(client, working, other_officer, team=[teammate, officer])
    assert (owner_of(theirs), owner_of(done)) == (teammate, officer)


def test_milestones_of_someone_who_left_earlier_are_handed_over_too(manager, officer, teammate, working):
    gone = UserFactory(username="left_last_year", role="Officer")
    stranded = MilestoneFactory(agreement=working, owner=gone)
    handed = assignment.reassign(working, by=manager, owner=teammate, team=[officer], expected_version=working.version)
    assert handed == 1 and owner_of(stranded) == teammate


def test_without_the_tick_nobody_s_milestones_move(client, manager, officer, teammate, other_officer, working):
    milestones = [MilestoneFactory(agreement=working, owner=person) for person in (officer, teammate)]
    client.force_login(manager)
    response = post(client, working, other_officer, hand_over=False)
    assert [owner_of(m) for m in milestones] == [officer, teammate]
    assert "Owner and team are updated." in response.content.decode()


def test_the_page_says_who_owns_planned_milestones(client, manager, officer, teammate, working):
    MilestoneFactory(agreement=working, owner=teammate)
    MilestoneFactory(agreement=working, owner=teammate)
    MilestoneFactory(agreement=working, owner=officer, state="waived", waiver_reason="Dropped")
    client.force_login(manager)
    page = client.get(reverse("agreement-reassign", args=[working.reference])).content.decode()
    assert f"<dt>{teammate}</dt><dd>2 planned milestones</dd>" in page
    assert f"<dt>{officer}</dt>" not in page
    assert "neither owner nor on the team afterwards" in page
