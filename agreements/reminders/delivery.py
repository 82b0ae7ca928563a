"""Sending reminders: claim the rows, render, send, record — each reminder once.

The Reminder table is the source of truth; a Celery message only says "look at these rows".
So a lost message (Redis restarted, a worker killed) loses nothing: the dispatcher
(`dispatch_pending`, every minute from beat) finds rows that are queued but were never sent,
and rows whose claim expired, and sends them again. Duplicate messages are harmless because
every send starts with a claim, a conditional UPDATE … WHERE state = 'queued': of two workers
holding messages for the same row, exactly one gets it (PostgreSQL re-checks the condition
on the locked row; SQLite serialises writers).

SMTP errors: a temporary one (network, 4xx) puts the rows back in the queue and the task
retries with capped exponential backoff and jitter; a permanent one (5xx, a bug in
rendering) marks them failed with the error, for the admin to see and retry.
"""
from __future__ import annotations

import datetime
import logging
import random
import smtplib
import uuid
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agreements import confirming, policy
from agreements.filters import STALE_STATUSES
from agreements.models import (CONFIRMATION_KINDS, OPEN_STATUSES, Acknowledgement, Milestone, Reminder, ReminderKind,
                               ReminderPolicy, ReminderState, Status)
from agreements.reminders import emails, notifications
from agreements.reminders.deciding import group_ids
from agreements.zones import local_today

logger = logging.getLogger(__name__)
Kind, State = ReminderKind, ReminderState
MILESTONE_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION)
DISPATCH_LIMIT = 5000  # rows per dispatcher run; the next run takes the rest


class TemporaryFailure(Exception):
    """The mail could not go out now; try again after `countdown` seconds."""

    def __init__(self, error: str, countdown: float) -> None:
        super().__init__(error)
        self.countdown = countdown


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1, 2, …): exponential, capped, with jitter so
    that reminders that failed together do not all hit the mail server again together.
    The cap stays below the Redis visibility timeout (checked in settings): a countdown
    longer than it would have Redis deliver the task a second time."""
    ceiling = min(settings.REMINDER_RETRY_MAX_SECONDS, settings.REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def is_permanent(error: BaseException) -> bool:
    """5xx answers are final; network trouble and 4xx answers are worth another try; any other
    exception is a bug (e.g. in a template) that retrying will not fix."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPConnectError):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return not isinstance(error, (smtplib.SMTPException, OSError))


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


# --- Claiming ---------------------------------------------------------------------------------

def claim(ids: list[int], now: datetime.datetime) -> list[Reminder]:
    """Take the still-queued rows among `ids` for this worker (conditional UPDATE), for
    REMINDER_CLAIM_SECONDS; a worker that dies leaves the claim to expire."""
    token = uuid.uuid4()
    until = now + datetime.timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)
    taken = Reminder.objects.filter(pk__in=ids, state=State.QUEUED).update(
        state=State.SENDING, claim_token=token, claimed_until=until, attempts=F("attempts") + 1)
    if not taken:
        return []
    rows = list(Reminder.objects.filter(claim_token=token).select_related(
        "recipient", "agreement__owner", "agreement__closure_requested_by", "milestone__owner",
        "focal_point__user", "confirmation__milestone", "confirmation__focal_point__user"))
    people = {}
    for row in rows:  # one recipient object per person: its roles are read once (policy.roles)
        if row.recipient_id:
            row.recipient = people.setdefault(row.recipient_id, row.recipient)
    return rows


def settle(rows: list[Reminder], state: str, **fields) -> int:
    """Finish claimed rows; the token in the condition stops a worker whose claim expired
    (and was taken over) from writing over the newer attempt."""
    if not rows:
        return 0
    return Reminder.objects.filter(pk__in=[r.pk for r in rows], claim_token=rows[0].claim_token).update(
        state=state, claimed_until=None, **fields)


def still_due(reminder: Reminder) -> bool:
    """Re-checked at send time: a milestone done or moved, an update posted, a closure
    decided, a new owner — since the sweep — make the reminder moot."""
    agreement, milestone = reminder.agreement, reminder.milestone
    if reminder.kind in CONFIRMATION_KINDS:  # unanswered, the link still working, the request still current
        confirmation = reminder.confirmation
        return (not confirmation.answer and not confirmation.is_expired(timezone.now())
                and confirming.is_current(confirmation, agreement))
    if reminder.kind in MILESTONE_KINDS:
        if milestone is None or milestone.state != Milestone.State.PLANNED or milestone.due_on != reminder.subject_date:
            return False
        owner_id = milestone.owner_id or agreement.owner_id
        still_theirs = reminder.kind == Kind.ESCALATION or owner_id == reminder.recipient_id
        return agreement.status in OPEN_STATUSES and still_theirs
    if reminder.kind == Kind.STALE:
        quiet = agreement.last_progress_at is None or agreement.last_progress_at <= reminder.created_at
        wanted = reminder.recipient.notify_stale  # switched off (or unsubscribed) since the sweep
        return agreement.status in STALE_STATUSES and agreement.owner_id == reminder.recipient_id and quiet and wanted
    if reminder.kind == Kind.CLOSURE_WAITING:
        same_request = agreement.status_changed_at.date() == reminder.subject_date
        return agreement.status == Status.PENDING_CLOSURE and same_request
    # The digest: still wanted (an empty one is caught when it is rendered).
    return reminder.kind != Kind.DIGEST or reminder.recipient.notify_digest


def acknowledged_since(rows: list[Reminder], now: datetime.datetime) -> list[Reminder]:
    """Overdue reminders and escalations decided before the owner said "I'm on it" (a reminder queued
    while the owner was acknowledging): the pause applies to them too, until the expected date. Those
    decided after a second slip name the acknowledgement in their key and still go. One query."""
    waiting = [r for r in rows if r.kind in (Kind.OVERDUE, Kind.ESCALATION) and ".k" not in r.key]
    if not waiting:
        return []
    acknowledged = {(a.milestone_id, a.due_on): a for a in Acknowledgement.objects.filter(
        milestone_id__in={r.milestone_id for r in waiting}, expected_on__gte=now.date() - datetime.timedelta(days=1))}
    return [r for r in waiting if (ack := acknowledged.get((r.milestone_id, r.subject_date)))
            and ack.created_at >= r.created_at and ack.expected_on >= local_today(r.recipient, now)]


NOT_VISIBLE = "The recipient may no longer see this agreement."


def still_visible(reminder: Reminder) -> bool:
    """Re-checked at send time, for every kind about an agreement: the recipient may still see
    it (agreements.policy). A reassignment, a removal from the team, a lost role or a closed
    account since the sweep cancel the reminder — it would name the agreement and link to it.
    The digest has no agreement: it is composed from what its reader may see when it is sent.
    A confirmation goes to the focal point it was asked of (a contact sees nothing but their link):
    the policy asks whether that person still is that side's focal point."""
    if reminder.kind in CONFIRMATION_KINDS:
        if policy.may_receive_confirmation_mail(reminder):
            return True
        settle([reminder], State.CANCELLED, last_error="The focal point has changed since it was asked.")
        return False
    if reminder.agreement is None or policy.can_view(reminder.recipient, reminder.agreement):
        return True
    logger.warning("Reminder %s cancelled: %s may no longer see agreement %s", reminder.pk,
                   reminder.recipient.username, reminder.agreement.reference)
    settle([reminder], State.CANCELLED, last_error=NOT_VISIBLE)
    return False


# --- Sending ------------------------------------------------------------------------------------

def deliver(ids: list[int], now: datetime.datetime | None = None) -> int:
    """Send one e-mail for the rows `ids` (one recipient's reminders of a run, or a digest).
    Returns how many reminders it carried; raises TemporaryFailure to ask for a retry.
    While reminders are paused (the policy in the admin) nothing is sent: the rows stay queued,
    and the dispatcher sends them once reminders are switched on again."""
    if not ReminderPolicy.current().active:
        return 0
    now = now or timezone.now()
    rows = [r for r in claim(ids, now) if still_visible(r)]
    moot = [r for r in rows if not still_due(r)]
    settle(moot, State.CANCELLED, last_error="No longer due when it was to be sent.")
    rows = [r for r in rows if r not in moot]
    paused = acknowledged_since(rows, now)
    settle(paused, State.CANCELLED, last_error="The owner acknowledged the milestone after it was decided.")
    rows = [r for r in rows if r not in paused]
    composed = render(rows, now) if rows else None
    return send(rows, composed) if composed else 0


def render(rows: list[Reminder], now: datetime.datetime) -> emails.Composed | None:
    """The e-mail (and its notifications), or None after recording why there is none (nothing
    to say, a bug)."""
    try:
        composed = emails.compose_with_notes(rows, now)
    except Exception as error:  # a rendering bug: record it where the admin sees it
        logger.exception("Could not render reminders %s", [r.pk for r in rows])
        settle(rows, State.FAILED, last_error=describe(error))
        return None
    if composed is None:
        settle(rows, State.CANCELLED, last_error="Nothing to report this week.")
    return composed


def send(rows: list[Reminder], composed: emails.Composed) -> int:
    try:
        composed.message.send(fail_silently=False)
    except Exception as error:
        handle_failure(rows, error, composed)
        return 0
    # The one unavoidable window: the mail server has accepted the message, and the rows
    # are not yet marked sent. A worker killed right here leaves the claim to expire and the
    # dispatcher sends the reminder again. No protocol closes this gap (SMTP cannot take
    # part in our transaction); we keep it to one transaction (the UPDATE and the in-app
    # notifications, which exist once per reminder whatever happens), and the Message-ID
    # stays the same so that mail systems can recognise the duplicate.
    with transaction.atomic():
        settled = settle(rows, State.SENT, sent_at=timezone.now())
        notifications.record(composed.notes)
    if settled < len(rows):
        logger.warning("Reminders %s were sent after their claim expired", [r.pk for r in rows])
    return len(rows)


def handle_failure(rows: list[Reminder], error: BaseException, composed: emails.Composed | None = None) -> None:
    text = describe(error)
    attempts = max(r.attempts for r in rows)
    if is_permanent(error) or attempts >= settings.REMINDER_MAX_ATTEMPTS:
        logger.error("Reminders %s failed after %d attempt(s): %s", [r.pk for r in rows], attempts, text)
        with transaction.atomic():  # the mail will not arrive: the app is the way it still reaches them
            settle(rows, State.FAILED, last_error=text)
            notifications.record(composed.notes if composed else [])
        return
    countdown = backoff(attempts)
    settle(rows, State.QUEUED, last_error=text, claim_token=None,
           next_attempt_at=timezone.now() + datetime.timedelta(seconds=countdown))
    raise TemporaryFailure(text, countdown)


# --- Dispatcher: what no message will send ---------------------------------------------------

def release_expired_claims(now: datetime.datetime) -> list[int]:
    """Rows whose worker stopped while sending go back to the queue, to be sent at once (or
    fail, after too many attempts: a reminder that kills its worker must not do so forever)."""
    expired = Reminder.objects.filter(state=State.SENDING, claimed_until__lt=now)
    expired.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        state=State.FAILED, claim_token=None, claimed_until=None,
        last_error="Gave up: the worker stopped while sending, too many times.")
    ids = list(expired.values_list("pk", flat=True)[:DISPATCH_LIMIT])
    Reminder.objects.filter(pk__in=ids, state=State.SENDING, claimed_until__lt=now).update(
        state=State.QUEUED, claim_token=None, claimed_until=None, next_attempt_at=now,
        last_error="The worker stopped while sending (claim expired); queued again.")
    return ids


def pending_groups(now: datetime.datetime, grace: datetime.timedelta, released: list[int]) -> list[list[int]]:
    """Queued rows whose send time passed `grace` ago with nobody taking them (their message
    was lost), and the rows just released. Their next look is pushed `grace` ahead, so a long
    queue is not enqueued again every minute while its messages are still on the way."""
    due = Reminder.objects.filter(Q(next_attempt_at__lte=now - grace) | Q(pk__in=released), state=State.QUEUED)
    rows = list(due.order_by("next_attempt_at").values_list("pk", "recipient_id", "kind")[:DISPATCH_LIMIT])
    Reminder.objects.filter(pk__in=[row[0] for row in rows], state=State.QUEUED).update(next_attempt_at=now + grace)
    return group_ids(rows)


def recover(now: datetime.datetime | None = None, grace_seconds: int | None = None) -> list[list[int]]:
    """What no message will send: expired claims and lost messages, grouped for sending."""
    now = now or timezone.now()
    grace = datetime.timedelta(
        seconds=settings.REMINDER_REDISPATCH_SECONDS if grace_seconds is None else grace_seconds)
    released = release_expired_claims(now)
    if released:
        logger.warning("%d reminder(s) had an expired claim and were queued again", len(released))
    return pending_groups(now, grace, released)


def dispatch_pending(enqueue: Callable[[list[list[int]]], None], now: datetime.datetime | None = None) -> int:
    """Beat's every-minute job: hand what the queue lost to `enqueue` (tasks.enqueue_groups).
    Returns the number of e-mails."""
    if not ReminderPolicy.current().active:
        return 0  # they wait in their table (deliver would send nothing now)
    groups = recover(now)
    enqueue(groups)
    return len(groups)
