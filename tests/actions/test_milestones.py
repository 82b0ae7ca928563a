"""Milestone changes: asked of the policy, refused on a closed agreement or an old version,
and two people saving at once never both win (PostgreSQL row lock)."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from agreements import policy
from agreements.actions import assignment, milestones
from agreements.actions.editing import StaleEdit
from agreements.models import Agreement, Milestone, Status
from tests.concurrency import at_once
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

DAY = datetime.date(2026, 1, 5)


def test_completing_bumps_the_version_and_records_who(agreement, teammate):
    milestone = MilestoneFactory(agreement=agreement)
    version = agreement.version
    milestones.complete_milestone(milestone, by=teammate, done_on=DAY, evidence=" Minutes ", expected_version=version)
    milestone.refresh_from_db()
    assert (milestone.state, milestone.evidence) == ("done", "Minutes")
    assert Agreement.objects.get(pk=agreement.pk).version == version + 1
    assert milestone.history.latest().history_user == teammate


def test_an_officer_off_the_team_may_not_change_milestones(agreement, other_officer, viewer):
    milestone = MilestoneFactory(agreement=agreement)
    for user in (other_officer, viewer):
        with pytest.raises(PermissionDenied):
            milestones.waive_milestone(milestone, by=user, reason="x", expected_version=agreement.version)
        assert milestones.change_refusal(agreement, may_work=policy.can_work_on(user, agreement)) == str(milestones.NOT_MEMBER)


def test_a_closed_agreement_keeps_its_milestones(agreement, manager, move_to):
    milestone = MilestoneFactory(agreement=agreement, state="done", done_on=DAY)
    move_to(agreement, Status.COMPLETED)
    with pytest.raises(milestones.MilestoneError, match="reopen it"):
        milestones.add_milestone(agreement, by=manager, title="More", due_on=DAY, expected_version=agreement.version)
    with pytest.raises(milestones.MilestoneError, match="reopen it"):
        milestones.edit_milestone(milestone, by=manager, title="Renamed", due_on=DAY, owner=None,
                                  expected_version=agreement.version)
    assert Milestone.objects.get().title == milestone.title


def test_an_old_version_is_refused_and_nothing_changes(agreement, officer, teammate):
    milestone = MilestoneFactory(agreement=agreement)
    old = agreement.version
    milestones.edit_milestone(milestone, by=teammate, title="Teammate", due_on=DAY, owner=None, expected_version=old)
    stale = Milestone.objects.get(pk=milestone.pk)
    with pytest.raises(StaleEdit):
        milestones.complete_milestone(stale, by=officer, done_on=DAY, evidence="x", expected_version=old)
    assert Milestone.objects.get(pk=milestone.pk).state == "planned"


def test_an_edit_keeps_or_defaults_the_owner(agreement, officer, teammate):
    milestone = MilestoneFactory(agreement=agreement, owner=teammate)
    milestones.edit_milestone(milestone, by=officer, title="T", due_on=DAY, owner=None, expected_version=agreement.version)
    assert Milestone.objects.get(pk=milestone.pk).owner == officer
    assert milestones.owner_choices(agreement) == [officer, teammate]


def test_reassigning_writes_one_history_row(agreement, manager, other_officer, teammate):
    before = agreement.history.count()
    assignment.reassign(agreement, by=manager, owner=other_officer, team=[teammate, other_officer],
                        expected_version=agreement.version)
    assert agreement.history.count() == before + 1
    latest = agreement.history.latest()
    assert (latest.owner_id, latest.history_user) == (other_officer.pk, manager)
    assert list(agreement.team.all()) == [teammate]  # the owner is not also on the team


def test_only_managers_reassign(agreement, officer):
    with pytest.raises(PermissionDenied):
        assignment.reassign(agreement, by=officer, owner=officer, team=[], expected_version=agreement.version)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_completing_at_once_one_wins(require_postgres):
    agreement = AgreementFactory()
    members = [UserFactory(username=f"member{i}", role="Officer") for i in range(3)]
    agreement.team.add(*members)
    milestone = MilestoneFactory(agreement=agreement)
    version = Agreement.objects.get(pk=agreement.pk).version

    def member(user):
        def act(start):
            fresh = Milestone.objects.select_related("agreement").get(pk=milestone.pk)
            start()
            try:
                milestones.complete_milestone(fresh, by=user, done_on=DAY, evidence=user.username,
                                              expected_version=version)
                return "won"
            except StaleEdit:
                return "stale"
        return act

    outcomes = at_once(*(member(user) for user in members))
    assert sorted(outcomes) == ["stale", "stale", "won"]
    assert Agreement.objects.get(pk=agreement.pk).version == version + 1
    assert Milestone.history.filter(id=milestone.pk, state="done").count() == 1
