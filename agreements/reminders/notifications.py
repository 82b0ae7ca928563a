"""In-app notifications: the reminders a person was sent, readable in the tracker (a badge in
the header, a list with read and unread), so a person whose mail is filtered still sees them.

Why a table of its own rather than reading the reminder log: the log is the delivery machinery's
(claims, attempts, errors; a row is retried, cancelled, its state rewritten), while a
notification is the reader's (read or not) and keeps what the e-mail said as of sending (the
days overdue, the due date, the owner named) — the log keeps only what a reminder is about, and
the agreement and milestone change afterwards. A notification is written in the same
transaction that records its reminder as sent (agreements.reminders.delivery), once per reminder
(`Notification.reminder` is unique, inserts skip a row already there), so the "exactly once" of
the e-mails holds for them too. A reminder whose e-mail failed for good (a 5xx answer, too many
attempts) gets its notification too: then the app is the only way it still reaches its person.

Who reads them: only their recipient, and only while they may still see the agreement
(agreements.policy.visible_notifications).
"""
from __future__ import annotations

import datetime

from types import SimpleNamespace

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext

from agreements import dates, policy
from agreements.models import Acknowledgement, Notification, User
from agreements.reminders import digest


def record(notes) -> int:
    """The notifications of reminders just sent (emails.Note); a reminder already noted is skipped."""
    rows = [Notification(recipient_id=note.reminder.recipient_id, reminder_id=note.reminder.pk, kind=note.kind,
                         agreement=note.agreement, milestone=note.milestone, days=note.days, about=note.about,
                         facts=note.facts) for note in notes]
    if not rows:
        return 0
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


def visible(user: User) -> QuerySet:
    return policy.visible_notifications(user)


def unread_count(user: User) -> int:
    """The header's badge: one COUNT query."""
    return visible(user).filter(read_at__isnull=True).count()


def listing(user: User, *, unread_only: bool = False) -> QuerySet:
    """The list page's rows, newest first, with what each sentence names (no query per row)."""
    # Whether an overdue milestone has had its "I'm on it" for the date reminded about (its button goes).
    acknowledged = Acknowledgement.objects.filter(milestone=OuterRef("milestone"), due_on=OuterRef("about"))
    rows = visible(user).select_related("agreement", "milestone").annotate(acknowledged=Exists(acknowledged))
    return rows.filter(read_at__isnull=True) if unread_only else rows


def quoted_acknowledgement(notification: Notification) -> SimpleNamespace | None:
    """The owner's acknowledgement as the e-mail quoted it (emails.note_for), for emails/_acknowledged.html."""
    facts = notification.facts
    try:
        return SimpleNamespace(by=facts["ack_by"], created_at=datetime.date.fromisoformat(facts["ack_on"]),
                               expected_on=datetime.date.fromisoformat(facts["ack_expected"]),
                               sentence=facts["ack_sentence"])
    except (KeyError, TypeError, ValueError):
        return None


def mark_read(user: User, pk: int, now: datetime.datetime | None = None) -> bool:
    """Mark one of the user's visible notifications read; False if there is no such one for them."""
    rows = visible(user).filter(pk=pk)
    if not rows.exists():
        return False
    rows.filter(read_at__isnull=True).update(read_at=now or timezone.now())
    return True


def mark_all_read(user: User, now: datetime.datetime | None = None) -> int:
    return visible(user).filter(read_at__isnull=True).update(read_at=now or timezone.now())


def digest_headline(notification: Notification) -> str:
    """'1 update, 2 overdue milestones' — the digest's subject line, in the reader's language of today."""
    counts = notification.facts.get("counts", {})
    separator = pgettext("list separator", ", ")
    return separator.join(digest.short(name, count) for name, count in counts.items() if name in digest.TITLES)


def digest_period(notification: Notification) -> str:
    try:
        start = datetime.date.fromisoformat(notification.facts["start"])
        end = datetime.date.fromisoformat(notification.facts["end"])
    except (KeyError, TypeError, ValueError):
        return ""
    return dates.date_range(start, end)
