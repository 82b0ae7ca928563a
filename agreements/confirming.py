"""Both sides confirm (issue 19): asking an agreement's focal points to confirm a milestone done or a
closure request, the signed link that answers, and what the workflow reads before approving.

The rule: an agreement **with focal points** is closed only once every side that has a focal point
confirmed the current closure request (agreements.workflow, `needs_both_sides_confirmed`); an
agreement without focal points needs no confirmation, as before. A dispute blocks the approval (a
manager rejects the request, or the owner withdraws it and asks again later); a disputed milestone
stays done and is flagged "disputed" on the page with the comment, for its owner to reopen or answer.

The link is `/confirm/<token>/`: the token names the confirmation and its nonce and is signed with
django.core.signing (salted per confirmation), so it cannot be altered into another one. It expires
(`Confirmation.expires_at`, ReminderPolicy.confirmation_link_days) and is single-use: the answer is
a conditional UPDATE on an unanswered, unexpired row, so two answers at once record exactly one.

Asking records the first e-mail as a Reminder row (kind CONFIRMATION_REQUEST) in the same
transaction; the dispatcher (agreements.reminders.delivery, every minute) sends it — the domain
core does not know Celery. Reminders chase unanswered ones (reminders.deciding).
"""
from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import policy
from agreements.models import (Agreement, Confirmation, FocalPoint, Milestone, Reminder, ReminderKind,
                               ReminderPolicy, Side, Status, User)

SEPARATOR = "~"
Answer = Confirmation.Answer


class AnswerError(ValidationError):
    """The link can no longer answer (used, expired, no longer current); the message says which."""


# --- What is asked, and of whom --------------------------------------------------------------

def focal_points(agreement: Agreement) -> list[FocalPoint]:
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "focal_points" in cache:
        return list(cache["focal_points"])
    return list(agreement.focal_points.select_related("user"))


def confirmations(agreement: Agreement) -> list[Confirmation]:
    """Newest first (uses the page's prefetch)."""
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "confirmations" in cache:
        return list(cache["confirmations"])
    return list(agreement.confirmations.all())


def ask(agreement: Agreement, *, milestone: Milestone | None = None, by: User | None = None,
        now: datetime.datetime | None = None, sides: set[str] | None = None) -> list[Confirmation]:
    """Ask the focal points (of `sides`, default all) to confirm `milestone`, or the closure request.
    A milestone is not asked of the focal point who marked it done (it is their own word)."""
    now = now or timezone.now()
    days = ReminderPolicy.current().confirmation_link_days
    asked = [point for point in focal_points(agreement) if (sides is None or point.side in sides)
             and not (milestone and by and point.user_id == by.pk)]
    with transaction.atomic():
        rows = [Confirmation.objects.create(
            agreement=agreement, milestone=milestone, focal_point=point, side=point.side, sent_to=point.address,
            asked_by=by,
            asked_at=now, expires_at=now + datetime.timedelta(days=days)) for point in asked]
        # Queued as a lost message would be (next attempt a grace period ago), so the dispatcher's
        # next minute sends it; the unique key makes the request exactly-once like every reminder.
        grace = datetime.timedelta(seconds=settings.REMINDER_REDISPATCH_SECONDS)
        Reminder.objects.bulk_create([Reminder(
            kind=ReminderKind.CONFIRMATION_REQUEST, key=reminder_key(ReminderKind.CONFIRMATION_REQUEST, row, 0),
            recipient_id=row.focal_point.user_id, focal_point=row.focal_point, confirmation=row,
            agreement=agreement, milestone=milestone, subject_date=now.date(), threshold=0, run_id=uuid.uuid4(),
            created_at=now, next_attempt_at=now - grace) for row in rows if row.focal_point.address])
    return rows


def reminder_key(kind: str, confirmation: Confirmation, threshold: int) -> str:
    """The unique key of a reminder about a confirmation: it names the focal point, not a user
    (a contact has no account)."""
    return (f"{kind}:c{confirmation.pk}:{confirmation.asked_at.date().isoformat()}:{threshold}"
            f":f{confirmation.focal_point_id}")


def ask_closure(agreement: Agreement, *, by: User | None, now: datetime.datetime) -> list[Confirmation]:
    """Called by the workflow when the closure is requested (`now` is the request's time)."""
    return ask(agreement, by=by, now=now)


def asks_again(agreement: Agreement, now: datetime.datetime | None = None) -> set[str]:
    """The sides of the current closure request that can be asked again: never asked, link expired
    or disputed (a waiting link stays the one to answer; a confirmation stands)."""
    if agreement.status != Status.PENDING_CLOSURE:
        return set()
    latest = closure_answers(agreement)
    sides = set()
    for point in focal_points(agreement):
        row = latest.get(point.side)
        if row is None or row.status(now) in ("expired", Answer.DISPUTED):
            sides.add(point.side)
    return sides


def ask_again(agreement: Agreement, *, by: User, now: datetime.datetime | None = None) -> list[Confirmation]:
    if not policy.may_ask_confirmation(by, agreement):
        raise AnswerError(_("Only the owner, the team or a manager may ask the focal points again."))
    sides = asks_again(agreement, now)
    return ask(agreement, by=by, now=now, sides=sides) if sides else []


# --- What the workflow and the page read -------------------------------------------------------

def is_current(confirmation: Confirmation, agreement: Agreement) -> bool:
    """A closure confirmation belongs to the current request; a milestone's, to it while done."""
    if confirmation.is_closure:
        return (agreement.status == Status.PENDING_CLOSURE and agreement.status_changed_at is not None
                and confirmation.asked_at >= agreement.status_changed_at)
    return confirmation.milestone.state == Milestone.State.DONE


def closure_answers(agreement: Agreement) -> dict[str, Confirmation]:
    """Side → the newest confirmation asked for the current closure request."""
    since = agreement.status_changed_at
    latest: dict[str, Confirmation] = {}
    for row in confirmations(agreement):
        if row.milestone_id is None and since and row.asked_at >= since:
            latest.setdefault(row.side, row)
    return latest


def closure_refusal(agreement: Agreement) -> str | None:
    """Why a manager cannot approve yet: a side that has a focal point has not confirmed."""
    sides = {point.side for point in focal_points(agreement)}
    if not sides:
        return None  # no focal points: no confirmation needed
    latest = closure_answers(agreement)
    for side in (Side.JAPANESE, Side.CENTRAL_ASIAN):
        if side not in sides:
            continue
        row, name = latest.get(side), Side(side).label
        if row is None:
            return _("Approval needs both sides' confirmation: the %(side)s has not been asked yet.") % {"side": name}
        if row.answer == Answer.DISPUTED:
            return _("Approval needs both sides' confirmation: the %(side)s disputed the closure (“%(comment)s”).") % {
                "side": name, "comment": row.comment}
        if row.answer != Answer.CONFIRMED:
            return _("Approval needs both sides' confirmation: the %(side)s has not confirmed yet.") % {"side": name}
    return None


def milestone_answers(agreement: Agreement) -> dict[int, str]:
    """Milestone id → "awaiting", "confirmed" or "disputed" for the done milestones that need the
    counterpart's confirmation: disputed if any newest answer per side disputes, confirmed when
    every side asked confirmed, else awaiting."""
    latest: dict[tuple[int, str], Confirmation] = {}
    for row in confirmations(agreement):
        if row.milestone_id:
            latest.setdefault((row.milestone_id, row.side), row)
    result: dict[int, list[str]] = {}
    for (milestone_id, _side), row in latest.items():
        result.setdefault(milestone_id, []).append(row.answer)
    return {pk: Answer.DISPUTED if Answer.DISPUTED in answers else
            Answer.CONFIRMED if all(a == Answer.CONFIRMED for a in answers) else "awaiting"
            for pk, answers in result.items()}


# --- The signed link -----------------------------------------------------------------------------

def _signer(pk: int) -> signing.Signer:
    return signing.Signer(salt=f"agreements.confirming:{pk}", sep=SEPARATOR)


def token_for(confirmation: Confirmation) -> str:
    return _signer(confirmation.pk).sign(f"{confirmation.pk}.{confirmation.nonce}")


def read(token: str) -> Confirmation | None:
    """The confirmation a token names, or None for anything we did not sign for it."""
    value, _sep, _signature = token.rpartition(SEPARATOR)
    pk, _dot, nonce = value.partition(".")
    if not pk.isdigit() or len(pk) > 18 or not nonce:
        return None
    try:
        _signer(int(pk)).unsign(token)
    except signing.BadSignature:
        return None
    row = (Confirmation.objects
           .select_related("agreement", "milestone", "focal_point__user", "focal_point__organization")
           .filter(pk=int(pk), nonce=nonce).first())
    return row if row and policy.may_answer_confirmation(row) else None


def link_state(confirmation: Confirmation, now: datetime.datetime | None = None) -> str:
    """"open" (the link page shows the form), or why it cannot be answered."""
    if confirmation.answer:
        return "answered"
    if confirmation.is_expired(now):
        return "expired"
    if not is_current(confirmation, confirmation.agreement):
        return "moot"
    return "open"


def answer(confirmation: Confirmation, *, answer: str, comment: str = "", now: datetime.datetime | None = None) -> None:
    """Record the focal point's answer, once. The guard is the conditional UPDATE (unanswered and
    unexpired in the WHERE clause): of two submissions of the same link, one changes the row."""
    now, comment = now or timezone.now(), (comment or "").strip()
    if answer not in Answer.values:
        raise AnswerError(_("Choose to confirm or to dispute."))
    if answer == Answer.DISPUTED and not comment:
        raise AnswerError({"comment": _("Say what is not right: the owner reads your comment.")})
    state = link_state(confirmation, now)
    if state != "open":
        raise AnswerError(REFUSALS[state](), code=state)
    changed = Confirmation.objects.filter(pk=confirmation.pk, answer="", expires_at__gt=now).update(
        answer=answer, comment=comment, answered_at=now)
    if not changed:
        raise AnswerError(REFUSALS["answered"](), code="answered")
    confirmation.answer, confirmation.comment, confirmation.answered_at = answer, comment, now


REFUSALS = {
    "answered": lambda: _("This link has already been used: the answer is recorded."),
    "expired": lambda: _("This link has expired. Ask the agreement's owner to send a new one."),
    "moot": lambda: _("This request is no longer current: nothing needs your answer."),
}
