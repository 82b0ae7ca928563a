"""Two people acting at once: the row lock lets exactly one transition through (PostgreSQL)."""
from __future__ import annotations

import pytest

from agreements import workflow
from agreements.models import Status, TransitionLog
from tests.concurrency import at_once
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.postgres


def race(agreement, attempts):
    """Start every (user, to) attempt at the same moment, each on its own connection;
    return {(username, to): "won" or the refusal message}."""

    def attempt(user, to):
        def act(start):
            start()
            try:
                workflow.transition(agreement.__class__.objects.get(pk=agreement.pk), to, by=user, comment="reason")
                return "won"
            except workflow.TransitionError as error:
                return error.messages[0]
        return act

    outcomes = at_once(*(attempt(user, to) for user, to in attempts))
    return {(user.username, to): outcome for (user, to), outcome in zip(attempts, outcomes)}


@pytest.fixture
def pending_closure(move_to):
    agreement = AgreementFactory()
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=UserFactory(username="requester", role="Manager"))
    return agreement


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_wins(require_postgres, pending_closure):
    approvers = [UserFactory(username=f"approver{i}", role="Manager") for i in range(4)]
    outcomes = list(race(pending_closure, [(user, Status.COMPLETED) for user in approvers]).values())
    assert outcomes.count("won") == 1
    assert sorted(set(outcomes) - {"won"}) == ["This agreement is already completed."]
    assert TransitionLog.objects.filter(agreement=pending_closure, to_status=Status.COMPLETED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_approve_and_terminate_at_once_leave_one_consistent_outcome(require_postgres, pending_closure):
    a, b = UserFactory(username="m_a", role="Manager"), UserFactory(username="m_b", role="Manager")
    outcomes = race(pending_closure, [(a, Status.COMPLETED), (b, Status.TERMINATED)])
    pending_closure.refresh_from_db()
    assert list(outcomes.values()).count("won") == 1
    assert pending_closure.status in (Status.COMPLETED, Status.TERMINATED)
    assert TransitionLog.objects.filter(agreement=pending_closure).latest("at", "id").to_status == pending_closure.status
