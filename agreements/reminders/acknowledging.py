"""“I'm on it”: the owner of an overdue milestone acknowledges it with a new expected date and a
sentence (agreements.models.Acknowledgement), from the link in an overdue e-mail or in the app.

The e-mailed link is `/ack/<token>/` and works without signing in, for this action only. The token
names the owner, the milestone and the due date that passed, and is signed with django.core.signing
(a TimestampSigner salted per user, like agreements.reminders.unsubscribe): another user's id, another
milestone or another date breaks the signature. Unlike the unsubscribe link it is

- *expiring*: LINK_DAYS after it was made (a fresh one comes with every overdue reminder);
- *single-use*: the use is stored — the acknowledgement row, unique per milestone and due date;
- *void* once the milestone is done, waived or moved to another date, the agreement closed, or the
  milestone has another owner (agreements.policy.may_acknowledge decides, as it does in the app).

Only the owner's e-mail carries it: a manager's escalation shows the owner's acknowledgement,
never a link that acts as the owner.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements import policy
from agreements.models import Acknowledgement, Milestone, User
from agreements.zones import local_today

LINK_DAYS = 30  # how long an e-mailed link works
MAX_AHEAD_DAYS = 90  # an acknowledgement is a short reprieve; a real re-plan moves the due date
SEPARATOR = "~"

# Why a link (or the app's button) can no longer be used.
EXPIRED, USED, MOOT = "expired", "used", "moot"


class CannotAcknowledge(ValidationError):
    """Raised when the milestone may not (or no longer) be acknowledged; forms show it as is."""


def signer(user_id: int) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"agreements.reminders.acknowledge:{user_id}", sep=SEPARATOR)


def token_for(user: User, milestone: Milestone) -> str:
    return signer(user.pk).sign(f"{user.pk}.{milestone.pk}.{milestone.due_on:%Y%m%d}")


@dataclass
class Grant:
    """What a genuine token names; `refusal` says why it can no longer be used ("" if it can)."""

    user: User
    milestone: Milestone
    due_on: datetime.date
    refusal: str = ""


def read(token: str, now: datetime.datetime | None = None) -> Grant | None:
    """The grant a token carries, or None for anything we did not sign (or naming nobody)."""
    now = now or timezone.now()
    parts = token.split(SEPARATOR)
    fields = parts[0].split(".") if len(parts) == 3 else []
    if len(fields) != 3 or not all(f.isdigit() and len(f) <= 18 for f in fields):
        return None
    user_id, milestone_id, day = fields
    expired = False
    try:
        signer(int(user_id)).unsign(token, max_age=datetime.timedelta(days=LINK_DAYS))
    except signing.SignatureExpired:
        expired = True  # genuine (the signature is checked first), but too old
    except signing.BadSignature:
        return None
    try:
        due_on = datetime.datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        return None
    user = User.objects.filter(pk=int(user_id)).first()
    milestone = Milestone.objects.select_related("agreement").filter(pk=int(milestone_id)).first()
    if user is None:
        return None
    if milestone is None:
        return Grant(user, Milestone(title="", due_on=due_on), due_on, MOOT)
    return Grant(user, milestone, due_on, EXPIRED if expired else refusal(user, milestone, due_on, now))


def refusal(user: User, milestone: Milestone, due_on: datetime.date, now: datetime.datetime) -> str:
    if milestone.due_on != due_on or not policy.may_acknowledge(user, milestone, local_today(user, now)):
        return MOOT
    if Acknowledgement.objects.filter(milestone=milestone, due_on=due_on).exists():
        return USED
    return ""


def acknowledge(user: User, milestone: Milestone, *, expected_on: datetime.date, sentence: str, via: str,
                now: datetime.datetime | None = None) -> Acknowledgement:
    """Record it, once: the milestone row is locked and re-read, so a link used twice at once, or a
    milestone marked done meanwhile, is refused; the unique constraint is the last guard."""
    now = now or timezone.now()
    sentence = sentence.strip()
    today = local_today(user, now)
    if not sentence:
        raise CannotAcknowledge({"sentence": _("Say in a sentence what is happening.")})
    if expected_on < today or expected_on > today + datetime.timedelta(days=MAX_AHEAD_DAYS):
        raise CannotAcknowledge({"expected_on": _("Give a date from today to %(days)d days ahead; for a longer "
                                                   "delay, record a new due date on the agreement page.")
                                 % {"days": MAX_AHEAD_DAYS}})
    with transaction.atomic():
        current = Milestone.objects.select_for_update().select_related("agreement").get(pk=milestone.pk)
        why = refusal(user, current, milestone.due_on, now)
        if why:
            raise CannotAcknowledge(MESSAGES[why])
        try:
            with transaction.atomic():
                return Acknowledgement.objects.create(milestone=current, by=user, due_on=current.due_on,
                                                      expected_on=expected_on, sentence=sentence, via=via,
                                                      created_at=now)
        except IntegrityError:
            raise CannotAcknowledge(MESSAGES[USED]) from None


MESSAGES = {
    USED: _("This milestone has already been acknowledged for this due date."),
    MOOT: _("This milestone no longer needs it: it is done, waived, has a new date, or is no longer yours."),
    EXPIRED: _("This link has expired."),
}


def current_for(milestone_ids) -> dict[int, Acknowledgement]:
    """The acknowledgement of each milestone's current due date (one query), for the e-mails and pages."""
    rows = Acknowledgement.objects.filter(milestone_id__in=list(milestone_ids)).select_related("by", "milestone")
    return {row.milestone_id: row for row in rows if row.due_on == row.milestone.due_on}
