"""The workflow table, role by role: who may take each transition, and why not."""
from __future__ import annotations

import pytest

from agreements import workflow
from agreements.models import Milestone, Party, Status, TransitionLog
from agreements.workflow import TransitionError
from tests.factories import AgreementFactory, MilestoneFactory

ACTORS = ["officer", "teammate", "other_officer", "manager", "viewer", "data_entry"]

# (from status, to status, comment needed) → the actors allowed to take it.
TABLE = [
    (Status.DRAFT, Status.SIGNED, {"manager", "data_entry"}),
    (Status.SIGNED, Status.IN_PROGRESS, {"officer", "teammate", "manager"}),
    (Status.IN_PROGRESS, Status.ON_HOLD, {"officer", "teammate", "manager"}),
    (Status.ON_HOLD, Status.IN_PROGRESS, {"officer", "teammate", "manager"}),
    (Status.IN_PROGRESS, Status.PENDING_CLOSURE, {"officer", "teammate", "manager"}),
    (Status.PENDING_CLOSURE, Status.COMPLETED, {"manager"}),
    (Status.PENDING_CLOSURE, Status.IN_PROGRESS, {"manager"}),
    (Status.DRAFT, Status.TERMINATED, {"manager"}),
    (Status.SIGNED, Status.TERMINATED, {"manager"}),
    (Status.IN_PROGRESS, Status.TERMINATED, {"manager"}),
    (Status.ON_HOLD, Status.TERMINATED, {"manager"}),
    (Status.PENDING_CLOSURE, Status.TERMINATED, {"manager"}),
    (Status.COMPLETED, Status.IN_PROGRESS, {"manager"}),
    (Status.TERMINATED, Status.IN_PROGRESS, {"manager"}),
]
CASES = [(src, dst, actor, actor in allowed) for src, dst, allowed in TABLE for actor in ACTORS]


@pytest.fixture
def second_requester(db):
    """Closure requested by somebody who is neither `manager` nor the actor under test."""
    from tests.factories import UserFactory

    return UserFactory(username="requesting_manager", role="Manager")


def put_in(status, agreement, move_to, second_requester):
    if status == Status.PENDING_CLOSURE:
        move_to(agreement, Status.IN_PROGRESS)
        workflow.transition(agreement, Status.PENDING_CLOSURE, by=second_requester)
    elif status == Status.ON_HOLD:
        move_to(agreement, Status.IN_PROGRESS)
        workflow.transition(agreement, Status.ON_HOLD, by=second_requester, comment="budget")
    else:
        move_to(agreement, status)


@pytest.mark.parametrize("src,dst,actor,allowed", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_each_transition_is_allowed_exactly_for_its_roles(
    request, agreement, move_to, second_requester, src, dst, actor, allowed
):
    put_in(src, agreement, move_to, second_requester)
    user = request.getfixturevalue(actor)
    if allowed:
        log = workflow.transition(agreement, dst, by=user, comment="a reason")
        agreement.refresh_from_db()
        assert agreement.status == dst
        assert (log.from_status, log.to_status, log.by, log.comment) == (src, dst, user, "a reason")
    else:
        with pytest.raises(TransitionError) as refused:
            workflow.transition(agreement, dst, by=user, comment="a reason")
        assert "Only" in refused.value.messages[0]
        agreement.refresh_from_db()
        assert agreement.status == src


def test_every_transition_writes_one_log_row(agreement, manager, move_to):
    move_to(agreement, Status.COMPLETED)
    logs = list(TransitionLog.objects.filter(agreement=agreement).order_by("at", "id").values_list("from_status", "to_status"))
    assert logs == [("draft", "signed"), ("signed", "in_progress"), ("in_progress", "pending_closure"),
                    ("pending_closure", "completed")]


def test_transition_bumps_the_version(agreement, manager):
    before = agreement.version
    workflow.transition(agreement, Status.SIGNED, by=manager)
    agreement.refresh_from_db()
    assert agreement.version == before + 1


def test_impossible_edge_is_refused_in_words(agreement, manager):
    with pytest.raises(TransitionError) as refused:
        workflow.transition(agreement, Status.COMPLETED, by=manager)
    assert refused.value.messages == ["A draft agreement cannot become completed."]


def test_same_status_says_it_is_already_there(agreement, manager, move_to):
    move_to(agreement, Status.SIGNED)
    with pytest.raises(TransitionError) as refused:
        workflow.transition(agreement, Status.SIGNED, by=manager)
    assert refused.value.messages == ["This agreement is already signed."]


# --- Conditions ---------------------------------------------------------------------------

def test_signing_needs_two_parties(db, manager):
    agreement = AgreementFactory(parties=1)
    with pytest.raises(TransitionError) as refused:
        workflow.transition(agreement, Status.SIGNED, by=manager)
    assert refused.value.messages == ["Signing needs at least two parties: 1 is recorded."]


def test_two_roles_of_one_organization_are_one_party(db, manager):
    agreement = AgreementFactory(parties=1)
    Party.objects.create(agreement=agreement, organization=agreement.parties.get().organization, role="financier")
    with pytest.raises(TransitionError, match="1 is recorded"):
        workflow.transition(agreement, Status.SIGNED, by=manager)


def test_signing_needs_an_owner_and_a_date(db, manager):
    agreement = AgreementFactory(owner=None)
    with pytest.raises(TransitionError, match="Signing needs an owner."):
        workflow.transition(agreement, Status.SIGNED, by=manager)
    agreement = AgreementFactory(signed_on=None)
    with pytest.raises(TransitionError, match="Signing needs the date of signature."):
        workflow.transition(agreement, Status.SIGNED, by=manager)


def test_closure_needs_every_milestone_done_or_waived(agreement, officer, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    MilestoneFactory(agreement=agreement)
    MilestoneFactory(agreement=agreement, state="waived", waiver_reason="not needed")
    with pytest.raises(TransitionError) as refused:
        workflow.transition(agreement, Status.PENDING_CLOSURE, by=officer)
    assert refused.value.messages == ["Closure needs every milestone done or waived: 2 are still planned."]
    Milestone.objects.filter(agreement=agreement, state="planned").update(state="done", done_on="2026-05-01")
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=officer)
    assert agreement.status == Status.PENDING_CLOSURE


@pytest.mark.parametrize("src,dst", [
    (Status.IN_PROGRESS, Status.ON_HOLD), (Status.IN_PROGRESS, Status.TERMINATED),
    (Status.COMPLETED, Status.IN_PROGRESS), (Status.PENDING_CLOSURE, Status.IN_PROGRESS),
])
def test_hold_reject_terminate_reopen_need_a_reason(agreement, manager, move_to, src, dst):
    move_to(agreement, src)
    with pytest.raises(TransitionError, match="needs a reason"):
        workflow.transition(agreement, dst, by=manager, comment="   ")
    workflow.transition(agreement, dst, by=manager, comment="Partner withdrew")
    assert agreement.status == dst


def test_a_draft_abandoned_before_signature_is_terminated_and_reopens_only_once_signed(manager):
    draft = AgreementFactory(signed_on=None)
    workflow.transition(draft, Status.TERMINATED, by=manager, comment="Negotiation abandoned")
    draft.refresh_from_db()
    assert (draft.status, draft.signed_on) == (Status.TERMINATED, None)
    with pytest.raises(TransitionError) as refused:
        workflow.transition(draft, Status.IN_PROGRESS, by=manager, comment="Talks resumed")
    assert refused.value.messages == [
        "Reopening needs the date of signature: this agreement was terminated before it was signed."]


# --- Four eyes ----------------------------------------------------------------------------

def test_manager_cannot_approve_a_closure_they_requested(agreement, manager, second_manager, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=manager)
    with pytest.raises(TransitionError) as refused:
        workflow.transition(agreement, Status.COMPLETED, by=manager)
    assert refused.value.messages == ["Approval needs a second manager: you requested this closure yourself."]
    workflow.transition(agreement, Status.COMPLETED, by=second_manager)
    agreement.refresh_from_db()
    assert agreement.status == Status.COMPLETED
    assert agreement.closure_requested_by is None


def test_officer_cannot_approve_own_closure(agreement, officer, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=officer)
    with pytest.raises(TransitionError, match="Only a manager"):
        workflow.transition(agreement, Status.COMPLETED, by=officer)


def test_officer_cannot_act_on_a_restricted_agreement_they_cannot_see(restricted, other_officer, move_to):
    move_to(restricted, Status.SIGNED)
    with pytest.raises(TransitionError, match="cannot see"):
        workflow.transition(restricted, Status.IN_PROGRESS, by=other_officer)


# --- What the page offers -------------------------------------------------------------------

def test_available_transitions_show_blocked_ones_with_reason(agreement, officer, manager, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    options = {o.to: o for o in workflow.available_transitions(agreement, officer)}
    assert set(options) == {Status.ON_HOLD, Status.PENDING_CLOSURE}  # terminate is not theirs: left out
    assert options[Status.PENDING_CLOSURE].blocked_reason == (
        "Closure needs every milestone done or waived: 1 is still planned."
    )
    assert options[Status.ON_HOLD].blocked_reason is None
    assert {o.to for o in workflow.available_transitions(agreement, manager)} == {
        Status.ON_HOLD, Status.PENDING_CLOSURE, Status.TERMINATED}


def test_viewer_is_offered_nothing(agreement, viewer, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    assert workflow.available_transitions(agreement, viewer) == []


# --- Recorded history -----------------------------------------------------------------------

def test_path_to_walks_the_table():
    assert workflow.path_to(Status.COMPLETED) == ["signed", "in_progress", "pending_closure", "completed"]
    assert workflow.path_to(Status.TERMINATED) == ["terminated"]


def test_replay_refuses_a_step_the_table_does_not_have(db):
    agreement = AgreementFactory.build()
    with pytest.raises(TransitionError):
        workflow.replay(agreement, [(Status.COMPLETED, None, None, "")])
