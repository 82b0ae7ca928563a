"""Celery tasks: thin interfaces onto reminders.deciding (the sweep) and reminders.delivery.

Ids in, a count out. The database decides everything (which rows, who sends); a message
only wakes a worker, so a lost or duplicated message changes nothing (see delivery).
"""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from agreements.reminders import deciding, delivery

# A send that hangs (beyond what EMAIL_TIMEOUT bounds, e.g. a DNS lookup) is killed before
# its claim expires, so the dispatcher never hands its rows to a second worker while the
# first could still be sending them.
SEND_TIME_LIMIT = max(1, int(settings.REMINDER_CLAIM_SECONDS * 0.8))


# Explicit names: the modules moved into agreements/reminders/, and messages already waiting in a
# broker during a deploy carry the old names (beat's schedule names them too).
@shared_task(name="agreements.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> int:
    """Beat, every 15 minutes: record what is due and enqueue the e-mails."""
    return deciding.sweep(enqueue=enqueue_groups).created


@shared_task(name="agreements.tasks.send_reminder_group", bind=True, ignore_result=True, acks_late=True,
             max_retries=None, time_limit=SEND_TIME_LIMIT)
def send_reminder_group(self, reminder_ids: list[int]) -> int:
    """One e-mail for these rows. The attempt limit lives on the rows (REMINDER_MAX_ATTEMPTS),
    so it holds however many messages point at them."""
    try:
        return delivery.deliver(reminder_ids)
    except delivery.TemporaryFailure as failure:
        raise self.retry(countdown=failure.countdown, exc=failure)


@shared_task(name="agreements.tasks.dispatch_reminders", ignore_result=True)
def dispatch_reminders() -> int:
    """Beat, every minute: re-enqueue reminders whose message was lost or whose worker died."""
    return delivery.dispatch_pending(enqueue_groups)


def enqueue_groups(groups: list[list[int]]) -> None:
    for ids in groups:
        send_reminder_group.delay(ids)
