"""Reminders follow visibility: when a reminder is about to be sent, the recipient must still be
allowed to see its agreement; otherwise the row is cancelled with the reason, and logged
(issue 13, finding 4: a former owner of a restricted agreement kept receiving overdue e-mails
naming it, with the link, after a manager reassigned it without handing the milestones over)."""
from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from agreements import workflow
from agreements.actions import assignment
from agreements.models import Reminder, Status
from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, MilestoneFactory

NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.timezone.utc)  # a Monday, 10:00 UTC
State = Reminder.State
NOT_VISIBLE = "The recipient may no longer see this agreement."


@pytest.fixture
def secret(officer, teammate, move_to):
    """Restricted, in progress, owned by `officer` with `teammate` on the team; each owns an
    overdue milestone."""
    agreement = move_to(AgreementFactory(owner=officer, confidentiality="restricted", title="Gallium offtake"),
                        Status.IN_PROGRESS)
    agreement.team.add(teammate)
    MilestoneFactory(agreement=agreement, owner=officer, title="Owner's survey", due_on=datetime.date(2026, 6, 10))
    MilestoneFactory(agreement=agreement, owner=teammate, title="Team's survey", due_on=datetime.date(2026, 6, 10))
    return agreement


def sweep_and_send(kind: str | None = None) -> list[Reminder]:
    """One sweep at NOW, then each recorded e-mail sent; the rows of `kind` afterwards."""
    with time_machine.travel(NOW, tick=False):
        result = deciding.sweep(NOW, enqueue=False)
        for group in result.groups:
            delivery.deliver(group, NOW)
    rows = Reminder.objects.select_related("recipient").order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def sweep_only() -> list[list[int]]:
    with time_machine.travel(NOW, tick=False):
        return deciding.sweep(NOW, enqueue=False).groups


def send(groups: list[list[int]]) -> None:
    with time_machine.travel(NOW, tick=False):
        for group in groups:
            delivery.deliver(group, NOW)


def mail_to(user) -> list:
    return [message for message in mail.outbox if user.email in message.to]


def test_a_former_owner_gets_no_overdue_email_about_a_restricted_agreement(secret, officer, teammate, other_officer,
                                                                          manager, caplog):
    assignment.reassign(secret, by=manager, owner=other_officer, team=[], expected_version=secret.version,
                        hand_over_milestones=False)
    with caplog.at_level(logging.INFO, logger="agreements.reminders.delivery"):
        rows = sweep_and_send("overdue")
    assert {(row.recipient, row.state, row.last_error) for row in rows} == {
        (officer, State.CANCELLED, NOT_VISIBLE), (teammate, State.CANCELLED, NOT_VISIBLE)}
    assert mail_to(officer) == mail_to(teammate) == []
    assert "may no longer see agreement" in caplog.text and secret.reference in caplog.text


def test_people_still_on_the_agreement_get_their_overdue_emails(secret, officer, teammate):
    rows = sweep_and_send("overdue")
    assert {(row.recipient, row.state) for row in rows} == {(officer, State.SENT), (teammate, State.SENT)}
    assert "Gallium offtake" in mail_to(officer)[0].body and "Team's survey" in mail_to(teammate)[0].body


def test_the_new_owner_gets_the_milestones_handed_over(secret, officer, teammate, other_officer, manager):
    assignment.reassign(secret, by=manager, owner=other_officer, team=[], expected_version=secret.version)
    rows = sweep_and_send("overdue")
    assert {(row.recipient, row.state) for row in rows} == {(other_officer, State.SENT)}
    body = mail_to(other_officer)[0].body
    assert "Owner's survey" in body and "Team's survey" in body


def test_a_team_member_removed_since_the_sweep_gets_nothing(secret, teammate):
    groups = sweep_only()
    secret.team.remove(teammate)
    send(groups)
    row = Reminder.objects.get(kind="overdue", recipient=teammate)
    assert (row.state, row.last_error) == (State.CANCELLED, NOT_VISIBLE)
    assert mail_to(teammate) == []


def demote(user) -> None:
    user.groups.set([Group.objects.get(name="Officer")])


def test_a_manager_demoted_since_the_sweep_gets_no_escalation(secret, manager, second_manager):
    secret.milestones.update(due_on=datetime.date(2026, 5, 25))  # 21 days overdue: managers are copied
    groups = sweep_only()
    demote(second_manager)
    send(groups)
    rows = {row.recipient: row for row in Reminder.objects.filter(kind="escalation")}
    assert (rows[manager].state, rows[second_manager].state) == (State.SENT, State.CANCELLED)
    assert rows[second_manager].last_error == NOT_VISIBLE and mail_to(second_manager) == []


def test_a_manager_demoted_since_the_sweep_gets_no_closure_reminder(secret, manager, second_manager):
    secret.milestones.update(state="waived", waiver_reason="Not needed")
    workflow.transition(secret, Status.PENDING_CLOSURE, by=manager, at=NOW - datetime.timedelta(days=5))
    groups = sweep_only()
    assert Reminder.objects.filter(kind="closure_waiting", recipient=second_manager).exists()
    demote(second_manager)
    send(groups)
    row = Reminder.objects.get(kind="closure_waiting", recipient=second_manager)
    assert (row.state, row.last_error) == (State.CANCELLED, NOT_VISIBLE)


def test_an_owner_deactivated_since_the_sweep_gets_no_stale_reminder(secret, officer):
    groups = sweep_only()
    assert Reminder.objects.filter(kind="stale", recipient=officer).exists()
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    send(groups)
    row = Reminder.objects.get(kind="stale", recipient=officer)
    assert (row.state, row.last_error) == (State.CANCELLED, NOT_VISIBLE)


def test_a_demoted_readers_digest_leaves_out_the_restricted_agreement(secret, second_manager, move_to):
    second_manager.notify_digest = True
    second_manager.save(update_fields=["notify_digest"])
    internal = move_to(AgreementFactory(title="Public rail study"), Status.IN_PROGRESS)  # news it may carry
    MilestoneFactory(agreement=internal, due_on=datetime.date(2026, 6, 1))
    groups = sweep_only()
    demote(second_manager)
    send(groups)
    digest = Reminder.objects.get(kind="digest", recipient=second_manager)
    assert digest.state == State.SENT
    body = mail_to(second_manager)[0].body
    assert "Public rail study" in body and "Gallium offtake" not in body
