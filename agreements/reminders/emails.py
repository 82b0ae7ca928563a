"""The reminder e-mails: one function per e-mail, each rendering
`templates/emails/<name>-subject.txt`, `-body.txt` and `-body.html`.

Every e-mail has a plain-text and an HTML part, a subject that says what and which
agreement, absolute links built from SITE_URL, and a link to the preferences page. It is
written in the recipient's language; dates and "in N days" are computed in the recipient's
time zone at the time of sending.
"""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Agreement, Milestone, Reminder, ReminderKind, ReminderPolicy, User
from agreements.reminders import digest
from agreements.zones import local_today, zone_label, zone_of

Kind = ReminderKind
ORDER = [Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.CLOSURE_WAITING, Kind.STALE]
OPTIONAL = {Kind.STALE, Kind.DIGEST}  # what the recipient may switch off on the preferences page
MAX_ITEMS = 40  # in one grouped e-mail; the rest are counted, with a link to the list


@dataclass
class Item:
    """One reminder as the templates show it."""

    kind: str
    agreement: Agreement
    milestone: Milestone | None
    days: int
    url: str
    since: datetime.date | datetime.datetime | None = None  # a datetime is shown in the recipient's zone


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def item_for(reminder: Reminder, today: datetime.date, now: datetime.datetime) -> Item:
    agreement, milestone = reminder.agreement, reminder.milestone
    url = absolute(agreement.get_absolute_url())
    if reminder.kind == Kind.DUE_SOON:
        return Item(reminder.kind, agreement, milestone, (milestone.due_on - today).days, url)
    if reminder.kind in (Kind.OVERDUE, Kind.ESCALATION):
        return Item(reminder.kind, agreement, milestone, (today - milestone.due_on).days, url)
    if reminder.kind == Kind.STALE:
        return Item(reminder.kind, agreement, None, (today - reminder.subject_date).days, url, reminder.subject_date)
    days = (now - agreement.status_changed_at).days
    return Item(reminder.kind, agreement, None, days, url, agreement.status_changed_at)


def common_context(recipient: User) -> dict:
    policy = ReminderPolicy.current()  # its real hour and digest day, stated in every e-mail's footer
    return {
        "recipient": recipient, "policy": policy, "zone": zone_label(zone_of(recipient).key),
        "site_url": settings.SITE_URL,
        "preferences_url": absolute(reverse("preferences")),
        "my_work_url": absolute(reverse("home")),
    }


def build(name: str, recipient: User, context: dict, *, ids: list[int], optional: bool) -> EmailMultiAlternatives:
    """Render `emails/<name>-*` in the recipient's zone and make the message."""
    with translation.override(recipient.reads), timezone.override(zone_of(recipient)):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject[:250], text, settings.DEFAULT_FROM_EMAIL, [recipient.email],
                                     headers=headers(ids, context["preferences_url"], optional))
    message.attach_alternative(html, "text/html")
    return message


def headers(ids: list[int], preferences_url: str, optional: bool) -> dict[str, str]:
    """No auto-replies to a robot; and the same Message-ID whenever the same reminders are
    sent again (the crash window in agreements.reminders.delivery), so mail systems can drop the copy."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    digest_of_ids = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:24]
    result = {
        "Message-ID": f"<reminder.{digest_of_ids}@{domain}>",
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if optional:
        result["List-Unsubscribe"] = f"<{preferences_url}>"
    return result


def urgency(item: Item) -> tuple:
    """Escalations first, then overdue (longest first), due soon (soonest first), the rest."""
    return ORDER.index(item.kind), item.days if item.kind == Kind.DUE_SOON else -item.days, item.agreement.reference


def reminder_message(recipient: User, reminders: list[Reminder], now: datetime.datetime) -> EmailMultiAlternatives:
    """One recipient's reminders of a run: one item says it in the subject, several are listed."""
    today = local_today(recipient, now)
    items = sorted((item_for(r, today, now) for r in reminders), key=urgency)
    context = {**common_context(recipient), "items": items[:MAX_ITEMS], "more": max(0, len(items) - MAX_ITEMS),
               "count": len(items), "first": items[0], "today": today}
    optional = any(r.kind in OPTIONAL for r in reminders)
    return build("reminder", recipient, context, ids=[r.pk for r in reminders], optional=optional)


def digest_message(recipient: User, reminders: list[Reminder], now: datetime.datetime) -> EmailMultiAlternatives | None:
    """The weekly digest, or None when it would have nothing to say."""
    summary = digest.summary(recipient, now)
    if summary.is_empty:
        return None
    context = {**common_context(recipient), "digest": summary, "list_url": absolute(reverse("agreement-list"))}
    return build("digest", recipient, context, ids=[r.pk for r in reminders], optional=True)


def compose(reminders: list[Reminder], now: datetime.datetime) -> EmailMultiAlternatives | None:
    """The e-mail for one group of claimed rows (agreements.reminders.delivery), in the recipient's
    language whoever triggered it (the whole message: subject, both parts, the digest's sections)."""
    recipient = reminders[0].recipient
    with translation.override(recipient.reads):
        if reminders[0].kind == Kind.DIGEST:
            return digest_message(recipient, reminders, now)
        return reminder_message(recipient, reminders, now)
