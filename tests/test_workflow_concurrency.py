"""Two people acting at once: the row lock lets exactly one transition through (PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from agreements import workflow
from agreements.models import Status, TransitionLog
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.postgres


def race(agreement, to, users, comment=""):
    barrier = threading.Barrier(len(users))
    outcomes = []

    def act(user):
        try:
            barrier.wait()
            workflow.transition(agreement.__class__.objects.get(pk=agreement.pk), to, by=user, comment=comment)
            outcomes.append("won")
        except workflow.TransitionError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_one_wins(require_postgres, move_to):
    agreement = AgreementFactory()
    requester = UserFactory(username="requester", role="Manager")
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=requester)
    approvers = [UserFactory(username=f"approver{i}", role="Manager") for i in range(4)]
    outcomes = race(agreement, Status.COMPLETED, approvers)
    assert outcomes.count("won") == 1
    assert sorted(set(outcomes) - {"won"}) == ["This agreement is already completed."]
    assert TransitionLog.objects.filter(agreement=agreement, to_status=Status.COMPLETED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_approve_and_terminate_at_once_leave_one_consistent_outcome(require_postgres, move_to):
    agreement = AgreementFactory()
    requester = UserFactory(username="requester", role="Manager")
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=requester)
    a, b = UserFactory(username="m_a", role="Manager"), UserFactory(username="m_b", role="Manager")
    barrier = threading.Barrier(2)
    results = {}

    def act(user, to):
        barrier.wait()
        try:
            workflow.transition(agreement.__class__.objects.get(pk=agreement.pk), to, by=user, comment="reason")
            results[to] = "won"
        except workflow.TransitionError as error:
            results[to] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(a, Status.COMPLETED)),
               threading.Thread(target=act, args=(b, Status.TERMINATED))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    agreement.refresh_from_db()
    assert list(results.values()).count("won") == 1
    assert agreement.status in (Status.COMPLETED, Status.TERMINATED)
    assert TransitionLog.objects.filter(agreement=agreement).latest("at", "id").to_status == agreement.status
