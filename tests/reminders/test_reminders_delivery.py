"""Sending: each reminder claimed once, temporary SMTP trouble retried with a capped backoff,
permanent refusals recorded as failures, and lost work picked up again by the dispatcher."""
from __future__ import annotations

import datetime
import random

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agreements.models import Reminder
from agreements.reminders import deciding, delivery, tasks
from tests.concurrency import at_once
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory
from tests.services import free_port

NOW = datetime.datetime(2026, 6, 13, 1, 0, tzinfo=datetime.timezone.utc)  # 10:00 in Tokyo
State = Reminder.State


@pytest.fixture
def queued(db, move_to):
    """Two officers with a milestone due in 7 days: two recorded reminders, not yet sent."""
    rows = []
    for name in ("ann", "bob"):
        owner = UserFactory(username=name, role="Officer", time_zone="Asia/Tokyo", notify_stale=False)
        agreement = move_to(AgreementFactory(owner=owner), "in_progress")
        MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 20))
    with time_machine.travel(NOW, tick=False):
        result = deciding.sweep(NOW, enqueue=False)
    rows = list(Reminder.objects.order_by("pk"))
    assert [r.state for r in rows] == [State.QUEUED] * 2 and len(result.groups) == 2
    return rows


def ids(row: Reminder) -> list[int]:
    return [row.pk]


def test_a_reminder_is_sent_once_however_many_messages_ask_for_it(queued):
    assert delivery.deliver(ids(queued[0])) == 1
    assert delivery.deliver(ids(queued[0])) == 0  # a duplicate message: the claim finds nothing to take
    row = Reminder.objects.get(pk=queued[0].pk)
    assert (row.state, row.attempts, len(mail.outbox)) == (State.SENT, 1, 1)
    assert row.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_the_same_reminders_at_once_send_one_email(require_postgres, queued):
    def worker(start):
        start()
        return delivery.deliver([r.pk for r in queued])

    assert sorted(at_once(worker, worker)) == [0, 2]
    assert len(mail.outbox) == 1
    assert set(Reminder.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_temporary_smtp_failure_queues_the_reminder_for_a_capped_retry(queued, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    before = timezone.now()
    with pytest.raises(delivery.TemporaryFailure) as failure:
        delivery.deliver(ids(queued[0]))
    row = Reminder.objects.get(pk=queued[0].pk)
    assert row.state == State.QUEUED and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert 0 < failure.value.countdown <= settings.REMINDER_RETRY_MAX_SECONDS
    assert before < row.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=failure.value.countdown)


def test_a_busy_mail_server_4xx_is_retried(queued, smtp_settings):
    smtp_settings.busy = True
    with pytest.raises(delivery.TemporaryFailure):
        delivery.deliver(ids(queued[0]))
    smtp_settings.busy = False
    delivery.deliver(ids(queued[0]))
    row = Reminder.objects.get(pk=queued[0].pk)
    assert (row.state, row.attempts, len(smtp_settings.snapshot())) == (State.SENT, 2, 1)
    assert "451" in row.last_error  # the history stays visible in the log


def test_a_refused_recipient_marks_the_reminder_failed_with_the_error(queued, smtp_settings):
    smtp_settings.refuse.add(queued[0].recipient.email)
    assert delivery.deliver(ids(queued[0])) == 0  # no retry asked: it would fail the same way
    row = Reminder.objects.get(pk=queued[0].pk)
    assert row.state == State.FAILED
    assert "550" in row.last_error and "Mailbox unavailable" in row.last_error
    assert delivery.deliver(ids(queued[1])) == 1  # the other recipient is not affected
    assert [m["To"] for m in smtp_settings.snapshot()] == [queued[1].recipient.email]


def test_after_the_last_attempt_a_reminder_fails(queued, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    Reminder.objects.filter(pk=queued[0].pk).update(attempts=settings.REMINDER_MAX_ATTEMPTS - 1)
    assert delivery.deliver(ids(queued[0])) == 0
    row = Reminder.objects.get(pk=queued[0].pk)
    assert (row.state, row.attempts) == (State.FAILED, settings.REMINDER_MAX_ATTEMPTS)


@pytest.mark.parametrize("attempt", range(1, 16))
def test_backoff_grows_exponentially_with_jitter_and_stays_below_the_visibility_timeout(attempt):
    base, cap = settings.REMINDER_RETRY_BASE_SECONDS, settings.REMINDER_RETRY_MAX_SECONDS
    ceiling = min(cap, base * 2 ** (attempt - 1))
    waits = {delivery.backoff(attempt, random.Random(seed)) for seed in range(50)}
    assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
    assert len(waits) > 40  # jitter: retries that failed together do not return together
    assert max(waits) < settings.CELERY_VISIBILITY_TIMEOUT / 2


def test_a_reminder_that_became_moot_is_cancelled_not_sent(queued):
    milestone = queued[0].milestone
    milestone.state, milestone.done_on = "done", datetime.date(2026, 6, 13)
    milestone.save()
    assert delivery.deliver(ids(queued[0])) == 0
    row = Reminder.objects.get(pk=queued[0].pk)
    assert (row.state, mail.outbox) == (State.CANCELLED, [])


def test_a_milestone_handed_to_someone_else_does_not_remind_the_former_owner(queued):
    milestone = queued[0].milestone
    milestone.owner = UserFactory(username="newcomer", role="Officer")
    milestone.save()
    delivery.deliver(ids(queued[0]))
    assert Reminder.objects.get(pk=queued[0].pk).state == State.CANCELLED


# --- The dispatcher ------------------------------------------------------------------------------

def test_the_dispatcher_sends_again_what_a_killed_worker_was_sending(queued, celery_eager):
    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False):
        Reminder.objects.filter(pk=queued[0].pk).update(  # as a worker left it: claimed, then gone
            state=State.SENDING, attempts=1, claimed_until=timezone.now() - datetime.timedelta(seconds=1))
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 1
    row = Reminder.objects.get(pk=queued[0].pk)
    assert (row.state, row.attempts) == (State.SENT, 2)
    assert [m.to for m in mail.outbox] == [[row.recipient.email]]


def test_the_dispatcher_leaves_a_live_claim_alone(queued, celery_eager):
    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False):
        Reminder.objects.update(state=State.SENDING, claimed_until=timezone.now() + datetime.timedelta(minutes=5))
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 0
    assert mail.outbox == []


def test_the_dispatcher_sends_queued_reminders_whose_message_was_lost(queued, celery_eager):
    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False):
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 0  # just queued: their messages are on the way
    with time_machine.travel(NOW + datetime.timedelta(seconds=settings.REMINDER_REDISPATCH_SECONDS + 1), tick=False):
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.recipient.email for r in queued)


def test_paused_reminders_wait_in_their_table_and_go_out_when_switched_on(queued, celery_eager):
    """Pausing (e.g. during a data migration) stops mail already queued too, and loses nothing."""
    from agreements.models import ReminderPolicy

    policy = ReminderPolicy.objects.create(active=False)
    assert delivery.deliver(ids(queued[0])) == 0
    later = NOW + datetime.timedelta(seconds=settings.REMINDER_REDISPATCH_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 0
    assert mail.outbox == [] and set(Reminder.objects.values_list("state", flat=True)) == {State.QUEUED}
    policy.active = True
    policy.save()
    with time_machine.travel(later, tick=False):
        assert delivery.dispatch_pending(tasks.enqueue_groups) == 2
    assert len(mail.outbox) == 2


def test_the_dispatcher_does_not_enqueue_the_same_rows_every_minute(queued):
    later = NOW + datetime.timedelta(seconds=settings.REMINDER_REDISPATCH_SECONDS + 1)
    assert len(delivery.recover(later)) == 2  # (not sent: no worker here)
    assert delivery.recover(later + datetime.timedelta(minutes=1)) == []


def test_a_reminder_that_keeps_killing_its_worker_is_given_up(queued):
    Reminder.objects.filter(pk=queued[0].pk).update(
        state=State.SENDING, attempts=settings.REMINDER_MAX_ATTEMPTS,
        claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    delivery.recover()
    row = Reminder.objects.get(pk=queued[0].pk)
    assert row.state == State.FAILED and "Gave up" in row.last_error


def test_the_celery_task_asks_for_a_retry_on_temporary_failure(queued, settings, monkeypatch):
    from celery.exceptions import Retry

    from agreements.reminders import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    asked = {}
    monkeypatch.setattr(tasks.send_reminder_group, "retry",
                        lambda countdown, exc: asked.update(countdown=countdown) or Retry(exc=exc, when=countdown))
    with pytest.raises(Retry):
        tasks.send_reminder_group.run(ids(queued[0]))
    assert 0 < asked["countdown"] <= settings.REMINDER_RETRY_MAX_SECONDS
