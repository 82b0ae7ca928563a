"""The reminder e-mails: one function per e-mail, each rendering
`templates/emails/<name>-subject.txt`, `-body.txt` and `-body.html`.

Every e-mail has a plain-text and an HTML part, a subject that says what and which
agreement, absolute links built from SITE_URL, and a link to the preferences page. It is
written in the recipient's language; dates and "in N days" are computed in the recipient's
time zone at the time of sending. Its items are grouped by agreement: an agreement appears once,
with its milestones under it (the most urgent agreement first).

An e-mail that carries an optional kind (agreements.reminders.unsubscribe.OPTIONAL: the stale
reminder, the digest) has a one-click unsubscribe (RFC 8058: `List-Unsubscribe` with an https
link and `List-Unsubscribe-Post`); the mandatory kinds have none. There is no `mailto:`
unsubscribe: the tracker reads no mail, so an address there would promise what nobody does.

`compose` also returns what the in-app notifications keep of each reminder (`Note`), so the
app shows what the e-mail said.
"""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from agreements import confirming
from agreements.models import (CONFIRMATION_KINDS, Acknowledgement, Agreement, Milestone, Reminder, ReminderKind,
                               ReminderPolicy, User)
from agreements.reminders import acknowledging, digest, unsubscribe
from agreements.zones import local_today, zone_label, zone_of

Kind = ReminderKind
ORDER = [Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_SOON, Kind.CLOSURE_WAITING, Kind.STALE]
OPTIONAL = unsubscribe.OPTIONAL  # what the recipient may switch off on the preferences page
MAX_ITEMS = 40  # in one grouped e-mail; the rest are counted, with a link to the list


@dataclass
class Item:
    """One reminder as the templates show it (templates/emails/_sentence.html; the in-app
    Notification answers the same names)."""

    kind: str
    agreement: Agreement
    milestone: Milestone | None
    days: int
    url: str
    since: datetime.date | datetime.datetime | None = None  # a datetime is shown in the recipient's zone
    reminder: Reminder | None = None
    acknowledgement: Acknowledgement | None = None  # the owner's "I'm on it" for this due date
    ack_url: str = ""  # the owner's own link to give one (overdue, not yet acknowledged)

    @property
    def title(self) -> str:
        return self.milestone.title if self.milestone else ""

    @property
    def due_on(self) -> datetime.date | None:
        return self.milestone.due_on if self.milestone else None

    @property
    def owner_name(self) -> str:
        owner = (self.milestone.owner if self.milestone else None) or self.agreement.owner
        return str(owner) if owner else ""

    @property
    def requested_by(self) -> str:
        who = self.agreement.closure_requested_by
        return str(who) if who else ""

    @property
    def from_signature(self) -> bool:
        return self.agreement.last_progress_at is None


@dataclass
class Group:
    """One agreement of an e-mail, with its items under it."""

    agreement: Agreement
    url: str
    items: list[Item] = field(default_factory=list)


def grouped(items: list[Item]) -> list[Group]:
    """Items by agreement, in the order of each agreement's most urgent item (items come sorted)."""
    groups: dict[int, Group] = {}
    for item in items:
        groups.setdefault(item.agreement.pk, Group(item.agreement, item.url)).items.append(item)
    return list(groups.values())


@dataclass
class Note:
    """What an in-app notification keeps of one reminder sent (agreements.models.Notification)."""

    reminder: Reminder
    kind: str
    agreement: Agreement | None = None
    milestone: Milestone | None = None
    days: int = 0
    about: datetime.date | None = None
    facts: dict = field(default_factory=dict)


@dataclass
class Composed:
    message: EmailMultiAlternatives
    notes: list[Note]


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def item_for(reminder: Reminder, today: datetime.date, now: datetime.datetime) -> Item:
    agreement, milestone = reminder.agreement, reminder.milestone
    url = absolute(agreement.get_absolute_url())
    if reminder.kind == Kind.DUE_SOON:
        return Item(reminder.kind, agreement, milestone, (milestone.due_on - today).days, url, reminder=reminder)
    if reminder.kind in (Kind.OVERDUE, Kind.ESCALATION):
        return Item(reminder.kind, agreement, milestone, (today - milestone.due_on).days, url, reminder=reminder)
    if reminder.kind == Kind.STALE:
        return Item(reminder.kind, agreement, None, (today - reminder.subject_date).days, url, reminder.subject_date,
                    reminder=reminder)
    days = (now - agreement.status_changed_at).days
    return Item(reminder.kind, agreement, None, days, url, agreement.status_changed_at, reminder=reminder)


def note_for(item: Item, zone) -> Note:
    """The notification's copy of an item: its numbers and names as the e-mail gave them."""
    since = item.since
    if isinstance(since, datetime.datetime):
        since = since.astimezone(zone).date()
    facts = {"title": item.title}
    if item.acknowledgement:  # what the e-mail quoted; the app shows it as it was sent
        ack = item.acknowledgement
        facts.update(ack_by=str(ack.by), ack_on=ack.created_at.astimezone(zone).date().isoformat(),
                     ack_expected=ack.expected_on.isoformat(), ack_sentence=ack.sentence)
    if item.kind == Kind.ESCALATION:
        facts["owner"] = item.owner_name
    elif item.kind == Kind.STALE:
        facts["from_signature"] = item.from_signature
    elif item.kind == Kind.CLOSURE_WAITING:
        facts["requested_by"] = item.requested_by
    return Note(item.reminder, item.kind, item.agreement, item.milestone, item.days, item.due_on or since,
                {key: value for key, value in facts.items() if value})


def common_context(recipient: User) -> dict:
    policy = ReminderPolicy.current()  # its real hour and digest day, stated in every e-mail's footer
    return {
        "recipient": recipient, "policy": policy, "zone": zone_label(zone_of(recipient).key),
        "site_url": settings.SITE_URL,
        "preferences_url": absolute(reverse("preferences")),
        "my_work_url": absolute(reverse("home")),
    }


def unsubscribe_url(recipient: User, kinds) -> str | None:
    """The one-click link for the optional kind among `kinds` (one e-mail carries at most one:
    the digest comes on its own, and the stale reminder is the only optional one among the rest)."""
    optional = sorted(set(kinds) & OPTIONAL)
    if not optional:
        return None
    return absolute(reverse("unsubscribe", args=[unsubscribe.token_for(recipient, optional[0])]))


def build(name: str, recipient: User, context: dict, *, ids: list[int]) -> EmailMultiAlternatives:
    """Render `emails/<name>-*` in the recipient's zone and make the message."""
    with translation.override(recipient.reads), timezone.override(zone_of(recipient)):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject[:250], text, settings.DEFAULT_FROM_EMAIL, [recipient.email],
                                     headers=headers(ids, context.get("unsubscribe_url")))
    message.attach_alternative(html, "text/html")
    return message


def headers(ids: list[int], unsubscribe_link: str | None) -> dict[str, str]:
    """No auto-replies to a robot; the same Message-ID whenever the same reminders are sent again
    (the crash window in agreements.reminders.delivery), so mail systems can drop the copy; and,
    for an optional kind, the one-click unsubscribe of RFC 8058 (an https link that a POST of
    `List-Unsubscribe=One-Click` follows at once, without signing in)."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    digest_of_ids = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:24]
    result = {
        "Message-ID": f"<reminder.{digest_of_ids}@{domain}>",
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if unsubscribe_link:
        result["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        result["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return result


def urgency(item: Item) -> tuple:
    """Escalations first, then overdue (longest first), due soon (soonest first), the rest."""
    return ORDER.index(item.kind), item.days if item.kind == Kind.DUE_SOON else -item.days, item.agreement.reference


def with_acknowledgements(items: list[Item], recipient: User) -> None:
    """Each milestone item with the owner's acknowledgement, if any (one query for the e-mail), and,
    for the owner's own overdue items not yet acknowledged, their single-use "I'm on it" link. A
    manager's escalation never carries the link: it would act as the owner."""
    milestone_items = [item for item in items if item.kind in (Kind.OVERDUE, Kind.ESCALATION)]
    if not milestone_items:
        return
    found = acknowledging.current_for(item.milestone.pk for item in milestone_items)
    for item in milestone_items:
        item.acknowledgement = found.get(item.milestone.pk)
        if item.kind == Kind.OVERDUE and item.acknowledgement is None:
            item.ack_url = absolute(reverse("acknowledge-link",
                                            args=[acknowledging.token_for(recipient, item.milestone)]))


def reminder_message(recipient: User, reminders: list[Reminder], now: datetime.datetime) -> Composed:
    """One recipient's reminders of a run: one item says it in the subject, several are listed,
    grouped by agreement."""
    today = local_today(recipient, now)
    items = sorted((item_for(r, today, now) for r in reminders), key=urgency)
    with_acknowledgements(items, recipient)
    shown = items[:MAX_ITEMS]
    groups = grouped(shown)
    context = {**common_context(recipient), "groups": groups, "more": max(0, len(items) - MAX_ITEMS),
               "count": len(items), "first": items[0], "today": today,
               "agreements": len({item.agreement.pk for item in items}),
               "unsubscribe_url": unsubscribe_url(recipient, [r.kind for r in reminders])}
    message = build("reminder", recipient, context, ids=[r.pk for r in reminders])
    zone = zone_of(recipient)
    return Composed(message, [note_for(item, zone) for item in items])


def digest_message(recipient: User, reminders: list[Reminder], now: datetime.datetime) -> Composed | None:
    """The weekly digest, or None when it would have nothing to say."""
    summary = digest.summary(recipient, now)
    if summary.is_empty:
        return None
    context = {**common_context(recipient), "digest": summary, "list_url": absolute(reverse("agreement-list")),
               "unsubscribe_url": unsubscribe_url(recipient, [Kind.DIGEST])}
    message = build("digest", recipient, context, ids=[r.pk for r in reminders])
    facts = {"counts": {section.name: section.count for section in summary.sections if section.count},
             "start": summary.start.isoformat(), "end": summary.end.isoformat()}
    return Composed(message, [Note(r, Kind.DIGEST, about=summary.end, facts=facts) for r in reminders])


def confirmation_message(reminder: Reminder, now: datetime.datetime) -> Composed:
    """Issue 19: ask a focal point — maybe a contact without an account — to confirm or dispute, in
    their language, with the signed link; the chase says it again. No preferences page, no
    unsubscribe: a contact has neither, and the request is part of the agreement."""
    confirmation, point = reminder.confirmation, reminder.focal_point
    zone = zone_of(point.user) if point.user_id else zone_of(User(time_zone=settings.TIME_ZONE))
    context = {"confirmation": confirmation, "point": point, "agreement": reminder.agreement,
               "milestone": confirmation.milestone, "chase": reminder.kind == Kind.CONFIRMATION_WAITING,
               "link": absolute(reverse("confirmation-answer", args=[confirming.token_for(confirmation)])),
               "site_url": settings.SITE_URL, "zone": zone_label(zone.key)}
    with translation.override(point.reads), timezone.override(zone):
        subject = " ".join(render_to_string("emails/confirmation-subject.txt", context).split())
        text = render_to_string("emails/confirmation-body.txt", context)
        html = render_to_string("emails/confirmation-body.html", context)
    message = EmailMultiAlternatives(subject[:250], text, settings.DEFAULT_FROM_EMAIL, [point.address],
                                     headers=headers([reminder.pk], None))
    message.attach_alternative(html, "text/html")
    return Composed(message, [])


def compose_with_notes(reminders: list[Reminder], now: datetime.datetime) -> Composed | None:
    """The e-mail for one group of claimed rows (agreements.reminders.delivery), in the recipient's
    language whoever triggered it (the whole message: subject, both parts, the digest's sections),
    and what the in-app notifications keep of it."""
    if reminders[0].kind in CONFIRMATION_KINDS:  # one per e-mail (reminders.deciding.group_ids)
        return confirmation_message(reminders[0], now)
    recipient = reminders[0].recipient
    with translation.override(recipient.reads):
        if reminders[0].kind == Kind.DIGEST:
            return digest_message(recipient, reminders, now)
        return reminder_message(recipient, reminders, now)


def compose(reminders: list[Reminder], now: datetime.datetime) -> EmailMultiAlternatives | None:
    """The e-mail alone (the dry run and the tests read it)."""
    composed = compose_with_notes(reminders, now)
    return composed.message if composed else None
