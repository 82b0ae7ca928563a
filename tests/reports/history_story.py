"""A short recorded history for the "what changed" and "as of" tests: two agreements (one
restricted, owned by another officer) built through the real actions at frozen dates, so the
history rows, transitions and updates carry the dates and people a manager would see."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

import time_machine

from agreements import workflow
from agreements.actions import milestones, progress
from agreements.models import Agreement, Milestone, Status
from tests.factories import AgreementFactory


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), datetime.timezone.utc)


@dataclass
class Story:
    open: Agreement
    restricted: Agreement
    milestone: Milestone


def created(by, **fields) -> Agreement:
    agreement = AgreementFactory(**fields)
    agreement.history.filter(history_type="+").update(history_user=by)  # as the admin's form records it
    return agreement


def tell(officer, other_officer, manager, data_entry) -> Story:
    """1 Mar: both entered (by data entry); 5 Mar: both signed; 10 Mar: a milestone due 1 Apr;
    20 Mar: "at risk", 20 %; 2 Apr: the restricted one "at risk"; 5 Apr: the milestone moved to
    1 May; 10 Apr: started; 15 Apr: the milestone done; 20 Apr: "on track", 60 %."""
    with time_machine.travel(at("2026-03-01"), tick=False):
        visible = created(data_entry, owner=officer, title="Open memorandum", signed_on=None)
        hidden = created(data_entry, owner=other_officer, confidentiality="restricted",
                         title="Restricted memorandum", signed_on=None)
    with time_machine.travel(at("2026-03-05"), tick=False):
        for agreement in (visible, hidden):
            agreement.signed_on = datetime.date(2026, 3, 5)
            agreement.save()
            workflow.transition(agreement, Status.SIGNED, by=manager)
    with time_machine.travel(at("2026-03-10"), tick=False):
        milestone = milestones.add_milestone(visible, by=officer, title="Feasibility study",
                                             due_on=datetime.date(2026, 4, 1), expected_version=None)
    with time_machine.travel(at("2026-03-20"), tick=False):
        progress.record_progress(visible, by=officer, percent_complete=20, health="at_risk", summary="Slow start.")
    with time_machine.travel(at("2026-04-02"), tick=False):
        progress.record_progress(hidden, by=other_officer, percent_complete=5, health="at_risk", summary="Waiting.")
    with time_machine.travel(at("2026-04-05"), tick=False):
        milestones.edit_milestone(milestone, by=officer, title=milestone.title, due_on=datetime.date(2026, 5, 1),
                                  owner=None, expected_version=None)
    with time_machine.travel(at("2026-04-10"), tick=False):
        workflow.transition(visible, Status.IN_PROGRESS, by=officer, comment="Kick-off held.")
    with time_machine.travel(at("2026-04-15"), tick=False):
        milestones.complete_milestone(milestone, by=officer, done_on=datetime.date(2026, 4, 15),
                                      evidence="Report filed.", expected_version=None)
    with time_machine.travel(at("2026-04-20"), tick=False):
        progress.record_progress(visible, by=officer, percent_complete=60, health="on_track", summary="Back on plan.")
    return Story(visible, hidden, milestone)
