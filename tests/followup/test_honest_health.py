"""Honest health: the data's suggestion (overdue, slippage, silence, a stage behind plan) with
its reasons, the rule's thresholds from the reminder policy, and a reason needed to report better."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from agreements import health
from agreements.actions import milestones, progress
from agreements.models import AgreementStage, Milestone, ProgressUpdate, ReminderPolicy, Stage
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)
NOW = datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)


def fresh(owner, **kwargs):
    """In progress, updated yesterday: no signal at all."""
    agreement = AgreementFactory(owner=owner, status="in_progress", signed_on=datetime.date(2025, 12, 20), **kwargs)
    agreement.last_progress_at = NOW - datetime.timedelta(days=1)
    agreement.save(update_fields=["last_progress_at"])
    return agreement


@time_machine.travel(NOW)
def test_no_signal_suggests_on_track(officer):
    agreement = fresh(officer)
    MilestoneFactory(agreement=agreement, due_on=TODAY + datetime.timedelta(days=10))
    assert health.suggest(agreement) == health.Suggestion("on_track", [])


@time_machine.travel(NOW)
def test_overdue_milestones_by_how_late(officer):
    agreement = fresh(officer)
    MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=10))
    assert health.suggest(agreement) == health.Suggestion("at_risk", ["1 milestone overdue, the oldest by 10 days"])
    MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=75))
    assert health.suggest(agreement) == health.Suggestion("off_track", ["2 milestones overdue, the oldest by 75 days"])


@time_machine.travel(NOW)
def test_slippage_from_the_milestones_history(officer):
    agreement = fresh(officer)
    milestone = milestones.add_milestone(agreement, by=officer, title="Survey", due_on=TODAY + datetime.timedelta(days=5),
                                         owner=None, expected_version=None)
    milestone = Milestone.objects.get(pk=milestone.pk)
    milestones.edit_milestone(milestone, by=officer, title="Survey", due_on=TODAY + datetime.timedelta(days=95),
                              owner=None, expected_version=None)
    assert health.suggest(agreement) == health.Suggestion(
        "at_risk", ["milestones moved 90 days later than first planned"])


@time_machine.travel(NOW)
def test_silence_and_a_stage_behind_plan(officer):
    agreement = fresh(officer, kind="loan")
    agreement.last_progress_at = NOW - datetime.timedelta(days=45)
    agreement.save(update_fields=["last_progress_at"])
    AgreementStage.objects.create(agreement=agreement, stage=Stage.objects.get(kind="loan", position=2),
                                  planned_on=TODAY - datetime.timedelta(days=100))
    suggestion = health.suggest(agreement)
    assert suggestion.health == "off_track"
    assert suggestion.reasons == ["no progress update for 45 days", "stage “Effective” 100 days behind its planned date"]
    # The update being posted ends the silence: only the stage counts then.
    assert health.suggest(agreement, posting=True).reasons == ["stage “Effective” 100 days behind its planned date"]


@time_machine.travel(NOW)
def test_the_thresholds_come_from_the_reminder_policy(officer):
    agreement = fresh(officer)
    MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=10))
    ReminderPolicy.objects.create(health_overdue_at_risk_days=14, health_overdue_off_track_days=30)
    assert health.suggest(agreement).health == "on_track"
    ReminderPolicy.objects.filter(pk=1).update(health_overdue_at_risk_days=5, health_overdue_off_track_days=8)
    assert health.suggest(agreement).health == "off_track"


@time_machine.travel(NOW)
def test_reporting_better_than_the_data_needs_a_reason(officer):
    agreement = fresh(officer)
    MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        progress.record_progress(agreement, by=officer, percent_complete=40, health="on_track", summary="Fine")
    assert "The data suggests “At risk” (1 milestone overdue, the oldest by 10 days)" in str(refused.value)
    progress.record_progress(agreement, by=officer, percent_complete=40, health="at_risk", summary="Late survey")
    update = progress.record_progress(agreement, by=officer, percent_complete=45, health="on_track", summary="Fine",
                                      health_reason="The survey is done; the record is late.")
    assert (update.suggested_health, update.health_reason) == ("at_risk", "The survey is done; the record is late.")
    assert ProgressUpdate.objects.filter(health_reason="").first().suggested_health == "at_risk"


@time_machine.travel(NOW)
def test_the_page_shows_the_suggestion_and_the_timeline_the_reason(client, officer):
    agreement = fresh(officer)
    MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=10))
    client.force_login(officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "The data suggests: At risk" in page and "1 milestone overdue, the oldest by 10 days" in page
    refused = client.post(f"/agreements/{agreement.reference}/progress/",
                          {"percent_complete": 40, "health": "on_track", "summary": "Fine"})
    assert refused.status_code == 400 and "say why the health is better than that" in refused.content.decode()
    posted = client.post(f"/agreements/{agreement.reference}/progress/", {
        "percent_complete": 40, "health": "on_track", "summary": "Fine",
        "health_reason": "Done on site, the record follows."})
    assert posted.status_code == 302
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Reported better than the data suggested (At risk):" in page and "Done on site, the record follows." in page
    assert "Data suggests: At risk" in page  # the header, next to the reported health


@time_machine.travel(NOW)
def test_suggestions_for_many_agreements_in_a_fixed_number_of_queries(officer, django_assert_num_queries):
    rows = [fresh(officer) for _ in range(6)]
    for agreement in rows:
        MilestoneFactory(agreement=agreement, due_on=TODAY - datetime.timedelta(days=3))
    policy = ReminderPolicy.current()
    with django_assert_num_queries(3):
        found = health.suggestions(rows, policy=policy)
    assert {s.health for s in found.values()} == {"at_risk"}


@time_machine.travel(NOW)
def test_slippage_adds_up_what_moved_later_among_many(officer):
    """Moving a milestone earlier takes nothing off; a waived milestone's moves do not count; each
    agreement has its own total (the many-agreements path: the ids as a subquery)."""
    late, calm = fresh(officer), fresh(officer)

    def moved(agreement, *dues, waive=False):
        milestone = milestones.add_milestone(agreement, by=officer, title="Step", due_on=TODAY + datetime.timedelta(days=dues[0]),
                                             owner=None, expected_version=None)
        for due in dues[1:]:
            milestone = Milestone.objects.get(pk=milestone.pk)
            milestones.edit_milestone(milestone, by=officer, title="Step", due_on=TODAY + datetime.timedelta(days=due),
                                      owner=None, expected_version=None)
        if waive:
            Milestone.objects.filter(pk=milestone.pk).update(state=Milestone.State.WAIVED, waiver_reason="Dropped")

    moved(late, 5, 45, 75)  # 70 days later than first planned
    moved(late, 10, 40, 20)  # 10 later than first planned, though moved earlier last
    moved(late, 30, 10)  # earlier: nothing
    moved(calm, 5, 300, waive=True)
    found = health.suggestions([late, calm], among=type(late).objects.filter(pk__in=[late.pk, calm.pk]).values("pk"))
    assert found[late.pk] == health.Suggestion("at_risk", ["milestones moved 80 days later than first planned"])
    assert found[calm.pk] == health.Suggestion("on_track", [])
