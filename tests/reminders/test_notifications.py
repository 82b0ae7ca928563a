"""In-app notifications are written with the reminders' delivery record (issue 18, item 7): one per
reminder that went out — or that failed for good, when the app is the only way it still reaches
its person — never two, whatever is retried or sent again."""
from __future__ import annotations

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail

from agreements.actions.progress import record_progress
from agreements.models import Notification, Reminder
from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 1, 0, tzinfo=datetime.timezone.utc)  # Monday, 10:00 in Tokyo
State = Reminder.State


@pytest.fixture
def owner(db):
    return UserFactory(username="aiko", first_name="Aiko", role="Officer", time_zone="Asia/Tokyo", notify_stale=False)


@pytest.fixture
def work(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-001"), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Plan", due_on=datetime.date(2026, 6, 9))
    MilestoneFactory(agreement=agreement, owner=owner, title="Survey", due_on=datetime.date(2026, 5, 30))
    return agreement


def sweep(now=NOW) -> list[list[int]]:
    with time_machine.travel(now, tick=False):
        return deciding.sweep(now, enqueue=False).groups


def deliver(groups, now=NOW) -> None:
    with time_machine.travel(now, tick=False):
        for group in groups:
            try:
                delivery.deliver(group, now)
            except delivery.TemporaryFailure:
                pass


def test_each_reminder_sent_becomes_one_notification_with_what_the_email_said(owner, work):
    deliver(sweep())
    assert len(mail.outbox) == 1
    rows = {n.milestone.title: n for n in Notification.objects.select_related("milestone", "reminder")}
    assert set(rows) == {"Plan", "Survey"}
    assert all(n.recipient == owner and n.agreement == work and n.read_at is None for n in rows.values())
    assert all(n.reminder.state == State.SENT for n in rows.values())
    assert (rows["Plan"].kind, rows["Plan"].days, rows["Plan"].about) == ("due_soon", 1, datetime.date(2026, 6, 9))
    assert (rows["Survey"].kind, rows["Survey"].days, rows["Survey"].title) == ("overdue", 9, "Survey")


def test_the_digest_becomes_one_notification_with_its_counts(owner, work):
    owner.notify_digest = True
    owner.save()
    record_progress(work, by=owner, percent_complete=10, health="at_risk", summary="Customs delay.",
                    at=datetime.datetime(2026, 6, 5, 3, tzinfo=datetime.timezone.utc))
    deliver(sweep())
    digest = Notification.objects.get(kind="digest")
    assert digest.agreement is None and digest.recipient == owner
    assert digest.facts["counts"] == {"updates": 1, "overdue": 1, "at_risk": 1, "upcoming": 1}
    assert (digest.facts["start"], digest.facts["end"]) == ("2026-06-01", "2026-06-08")


def test_sending_the_same_rows_again_makes_no_second_notification(owner, work):
    groups = sweep()
    deliver(groups)
    deliver(groups)  # a duplicated message: the claim finds nothing queued
    # The crash window: sent, then the rows queued again (claim expired) and sent once more.
    Reminder.objects.update(state=State.QUEUED, claim_token=None)
    deliver(groups)
    assert len(mail.outbox) == 2  # the e-mail went twice (the window no protocol closes) …
    assert Notification.objects.count() == 2  # … the app shows each reminder once
    assert sorted(Notification.objects.values_list("reminder_id", flat=True)) == sorted(
        Reminder.objects.values_list("pk", flat=True))


def test_a_temporary_failure_makes_none_and_the_later_success_one(owner, work, smtp_settings):
    smtp_settings.busy = True
    groups = sweep()
    deliver(groups)
    assert Reminder.objects.filter(state=State.QUEUED).count() == 2 and not Notification.objects.exists()
    smtp_settings.busy = False
    deliver(groups)
    assert Reminder.objects.filter(state=State.SENT).count() == 2 and Notification.objects.count() == 2


def test_a_bounced_email_still_reaches_its_person_in_the_app(owner, work, smtp_settings):
    smtp_settings.refuse.add(owner.email)  # 550 mailbox unavailable: final
    deliver(sweep())
    assert set(Reminder.objects.values_list("state", flat=True)) == {State.FAILED}
    assert Notification.objects.filter(recipient=owner).count() == 2
    # The admin's retry after the address is fixed sends it; still one notification per reminder.
    smtp_settings.refuse.clear()
    ids = list(Reminder.objects.values_list("pk", flat=True))
    Reminder.objects.update(state=State.QUEUED)
    deliver([ids])
    assert Reminder.objects.filter(state=State.SENT).count() == 2 and Notification.objects.count() == 2


def test_a_reminder_cancelled_before_sending_makes_none(owner, work):
    groups = sweep()
    work.milestones.update(state="waived", waiver_reason="Not needed.")
    deliver(groups)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_rendering_bug_records_the_failure_and_no_notification(owner, work, monkeypatch):
    from agreements.reminders import emails

    def broken(*args, **kwargs):
        raise RuntimeError("template bug")

    monkeypatch.setattr(emails, "compose_with_notes", broken)
    deliver(sweep())
    assert set(Reminder.objects.values_list("state", flat=True)) == {State.FAILED}
    assert not Notification.objects.exists()


def test_the_notification_is_written_in_the_transaction_that_marks_the_reminder_sent(owner, work, monkeypatch):
    """If recording the notifications fails, the rows are not marked sent either (one transaction)."""
    from agreements.reminders import notifications

    def failing(notes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(notifications, "record", failing)
    with pytest.raises(RuntimeError):
        deliver(sweep())
    assert not Reminder.objects.filter(state=State.SENT).exists()
    assert not Notification.objects.exists()
