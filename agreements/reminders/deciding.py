"""Decides which reminders are due and records them (DESIGN.md, "Reminders").

The sweep runs from beat (every 15 minutes) and from `manage.py send_reminders`. It reads
what is due with a handful of set-based queries — the policy, the managers, the planned
milestones of open agreements, the stale agreements, the closures waiting, the digest
readers, the recent reminder keys — whatever the number of agreements, then decides in
Python, per recipient and in the recipient's own time zone.

Thresholds are *crossed*, not hit: a reminder is due from the moment its condition holds
(e.g. "due within 7 days and the 7-day reminder not yet recorded"), so a sweep that was
skipped loses nothing. Each decision carries a key naming the kind, the subject, the
date it is about, the threshold or repeat number and the recipient — and no clock time,
so a sweep that runs twice, two beats at once, or a daylight-saving hour that repeats,
can never produce a second row: the unique constraint on `Reminder.key` refuses it.

Recipients get reminders from `ReminderPolicy.local_hour` (09:00) in their own zone: "the
hour has come" is `local hour >= 9`, not `== 9`, so a spring-forward day that skips the
hour still sends, and the key stops a repeated autumn hour from sending twice.
"""
from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from agreements import confirming, workflow
from agreements.filters import stale_q
from agreements.models import (CONFIRMATION_KINDS, OPEN_STATUSES, Acknowledgement, Agreement, Confirmation, FocalPoint,
                               Milestone, Reminder, ReminderKind, ReminderPolicy, Status, User)
from agreements.policy import Role
from agreements.reminders import digest
from agreements.zones import zone_of

Kind = ReminderKind


@dataclass
class Decision:
    """One reminder the sweep would send; `due_now` is False before the recipient's local hour."""

    kind: str
    key: str
    recipient: User
    threshold: int
    subject_date: datetime.date | None
    agreement: Agreement | None = None
    milestone: Milestone | None = None
    due_now: bool = True
    focal_point: FocalPoint | None = None  # a confirmation's (the recipient of a contact is a stand-in)
    confirmation: Confirmation | None = None


@dataclass
class SweepResult:
    decided: int = 0
    created: int = 0
    groups: list[list[int]] = field(default_factory=list)


class Context:
    """What one sweep knows: the instant, the policy, who can receive mail (loaded once, not
    once per row), and each zone's local time (computed once per zone)."""

    def __init__(self, now: datetime.datetime, policy: ReminderPolicy) -> None:
        self.now, self.policy = now, policy
        self.recipients = {u.pk: u for u in User.objects.filter(is_active=True).exclude(email="")}
        manager_ids = set(User.objects.filter(groups__name=Role.MANAGER).values_list("pk", flat=True))
        # Members of the Manager group (superusers are not copied: "admin" is a technical account).
        self.managers = [u for pk, u in sorted(self.recipients.items()) if pk in manager_ids]
        self._local: dict[str, datetime.datetime] = {}

    def recipient(self, user_id: int | None) -> User | None:
        return self.recipients.get(user_id)

    def local(self, user: User) -> datetime.datetime:
        name = user.time_zone or settings.TIME_ZONE
        if name not in self._local:
            self._local[name] = self.now.astimezone(zone_of(user))
        return self._local[name]

    def today(self, user: User) -> datetime.date:
        return self.local(user).date()

    def date_of(self, moment: datetime.datetime, user: User) -> datetime.date:
        return moment.astimezone(zone_of(user)).date()

    def morning_reached(self, user: User) -> bool:
        return self.local(user).hour >= self.policy.local_hour


def make(kind: str, recipient: User, threshold: int, about: datetime.date | None, subject: str, **objects) -> Decision:
    key = f"{kind}:{subject}:{about.isoformat() if about else '-'}:{threshold}:u{recipient.pk}"
    return Decision(kind, key, recipient, threshold, about, **objects)


# --- Milestones: due soon, overdue, escalated ------------------------------------------

MILESTONE_FIELDS = ("id", "title", "due_on", "owner_id", "agreement_id", "agreement__id", "agreement__reference",
                    "agreement__title", "agreement__owner_id")


def planned_milestones(today: datetime.date, policy: ReminderPolicy):
    """Planned milestones of open agreements, overdue or due within the longest lead time
    (+1 day: a recipient east of UTC is already a day ahead). Only the columns used."""
    horizon = today + datetime.timedelta(days=policy.lead_days[0] + 1)
    # The owner's "I'm on it" for the current due date, joined in: no extra query per sweep.
    acknowledged = Acknowledgement.objects.filter(milestone=OuterRef("pk"), due_on=OuterRef("due_on"))
    return (Milestone.objects.filter(state=Milestone.State.PLANNED, agreement__status__in=OPEN_STATUSES,
                                     due_on__lte=horizon)
            .select_related("agreement").only(*MILESTONE_FIELDS)
            .annotate(ack_id=Subquery(acknowledged.values("pk")[:1]),
                      ack_expected_on=Subquery(acknowledged.values("expected_on")[:1]))
            .order_by("due_on", "pk"))


def after_acknowledgement(milestone: Milestone, today: datetime.date, ctx: Context) -> tuple[int, str] | None:
    """For an acknowledged milestone: None while its expected date has not passed (the reminders
    pause); once it has ("a second slip"), the days overdue to state and the subject of the keys —
    the acknowledgement named in them, so the series after the slip starts at once, then repeats
    every `overdue_repeat_days`, each exactly once."""
    slipped = (today - milestone.ack_expected_on).days
    if slipped <= 0:
        return None
    steps = (slipped - 1) // ctx.policy.overdue_repeat_days * ctx.policy.overdue_repeat_days
    days_overdue = (milestone.ack_expected_on - milestone.due_on).days + 1 + steps
    return days_overdue, f"m{milestone.pk}.k{milestone.ack_id}"


def owner_decision(milestone: Milestone, owner: User, ctx: Context) -> Decision | None:
    days_left = (milestone.due_on - ctx.today(owner)).days
    subject = f"m{milestone.pk}"
    objects = {"milestone": milestone, "agreement": milestone.agreement}
    if days_left >= 0:
        crossed = [lead for lead in ctx.policy.lead_days if days_left <= lead]
        if not crossed:
            return None
        # Only the tightest threshold crossed: a milestone entered 5 days before its due
        # date gets the 7-day reminder, not the 14-day one as well.
        return make(Kind.DUE_SOON, owner, min(crossed), milestone.due_on, subject, **objects)
    if getattr(milestone, "ack_id", None):
        # Acknowledged: quiet until the expected date, then at once (and the managers with it).
        slip = after_acknowledgement(milestone, ctx.today(owner), ctx)
        return slip and make(Kind.OVERDUE, owner, slip[0], milestone.due_on, slip[1], **objects)
    repeat = ctx.policy.overdue_repeat_days
    occurrence = 1 + (-days_left - 1) // repeat * repeat  # 1, 8, 15… days overdue
    return make(Kind.OVERDUE, owner, occurrence, milestone.due_on, subject, **objects)


def escalations(milestone: Milestone, owner_id: int | None, ctx: Context) -> Iterator[Decision]:
    """From `escalation_days` overdue, the managers are told too, then at each repeat.
    Not optional: a manager's opt-outs do not apply (DESIGN.md). An owner's "I'm on it" pauses
    it until the expected date; a second slip is escalated the day after, whatever the days."""
    policy = ctx.policy
    for manager in ctx.managers:
        if manager.pk == owner_id:
            continue  # the owner's own overdue reminder already says it
        if getattr(milestone, "ack_id", None):
            slip = after_acknowledgement(milestone, ctx.today(manager), ctx)
            if slip:
                yield make(Kind.ESCALATION, manager, slip[0], milestone.due_on, slip[1],
                           milestone=milestone, agreement=milestone.agreement)
            continue
        overdue = (ctx.today(manager) - milestone.due_on).days
        if overdue < policy.escalation_days:
            continue
        steps = (overdue - policy.escalation_days) // policy.overdue_repeat_days
        threshold = policy.escalation_days + steps * policy.overdue_repeat_days
        yield make(Kind.ESCALATION, manager, threshold, milestone.due_on, f"m{milestone.pk}",
                   milestone=milestone, agreement=milestone.agreement)


def milestone_decisions(ctx: Context) -> Iterator[Decision]:
    latest_escalated = ctx.now.date() - datetime.timedelta(days=ctx.policy.escalation_days - 1)
    for milestone in planned_milestones(ctx.now.date(), ctx.policy):
        owner_id = milestone.owner_id or milestone.agreement.owner_id
        owner = ctx.recipient(owner_id)
        if owner:
            decision = owner_decision(milestone, owner, ctx)
            if decision:
                yield decision
        # Cheap pre-check; each manager's own date decides (an acknowledged one: its expected date).
        if milestone.due_on <= latest_escalated or milestone.ack_id:
            yield from escalations(milestone, owner_id, ctx)


# --- Agreements: stale, closure waiting ---------------------------------------------------

AGREEMENT_FIELDS = ("id", "reference", "title", "owner_id", "last_progress_at", "signed_on", "status_changed_at",
                    "closure_requested_by_id")


def stale_decisions(ctx: Context) -> Iterator[Decision]:
    """The same stale agreements as the list's "no update" filter (filters.stale_q), then
    every `stale_repeat_days` while nothing is posted. A new update starts a new series."""
    policy = ctx.policy
    for agreement in Agreement.objects.filter(stale_q(policy.stale_days, ctx.now)).only(*AGREEMENT_FIELDS):
        owner = ctx.recipient(agreement.owner_id)
        if owner is None or not owner.notify_stale:
            continue
        since = ctx.date_of(agreement.last_progress_at, owner) if agreement.last_progress_at else agreement.signed_on
        silent = (ctx.today(owner) - since).days
        steps = max(0, (silent - policy.stale_days) // policy.stale_repeat_days)
        threshold = policy.stale_days + steps * policy.stale_repeat_days
        yield make(Kind.STALE, owner, threshold, since, f"a{agreement.pk}", agreement=agreement)


def sides_not_confirmed():
    """The focal points of an agreement (OuterRef) whose side has not confirmed its current closure
    request (agreements.confirming.closure_refusal, as one subquery for the whole sweep)."""
    confirmed = Confirmation.objects.filter(
        agreement_id=OuterRef("agreement_id"), milestone__isnull=True, side=OuterRef("side"),
        asked_at__gte=OuterRef("agreement__status_changed_at"), answer=Confirmation.Answer.CONFIRMED)
    return FocalPoint.objects.filter(agreement_id=OuterRef("pk")).exclude(Exists(confirmed))


def closure_decisions(ctx: Context) -> Iterator[Decision]:
    """Pending closure for more than `closure_waiting_days`: once per request, to each manager
    who may approve it (not the one who requested it: four eyes). The weekly digest keeps
    listing it after that."""
    waiting_since = ctx.now - datetime.timedelta(days=ctx.policy.closure_waiting_days)
    waiting = Agreement.objects.filter(status=Status.PENDING_CLOSURE, status_changed_at__lte=waiting_since).exclude(
        Exists(sides_not_confirmed()))  # a manager could not approve it yet: the focal points are chased instead
    for agreement in waiting.only(*AGREEMENT_FIELDS):
        requested = agreement.status_changed_at
        for manager in ctx.managers:
            if workflow.needs_second_manager(agreement, manager) is None:
                yield make(Kind.CLOSURE_WAITING, manager, ctx.policy.closure_waiting_days, requested.date(),
                           f"a{agreement.pk}@{requested:%Y%m%dT%H%M%S}", agreement=agreement)


# --- Weekly digest ----------------------------------------------------------------------------

def digest_decisions(ctx: Context) -> Iterator[Decision]:
    """Readers with the digest switched on (managers by default), on the digest weekday in
    their zone, from the local hour to midnight: a sweep that misses the hour still sends it
    that day; on the next day it would be old news, so it waits for the next week."""
    for reader in ctx.recipients.values():
        if reader.notify_digest and ctx.today(reader).weekday() == ctx.policy.digest_weekday:
            yield make(Kind.DIGEST, reader, 7, ctx.today(reader), "week")


# --- Confirmations not yet answered (issue 19) -------------------------------------------------

def confirmation_decisions(ctx: Context) -> Iterator[Decision]:
    """Every `confirmation_repeat_days` after it was asked, while the link is unanswered, unexpired and
    still current. A contact has no account and no time zone: the site's zone decides their morning."""
    repeat = ctx.policy.confirmation_repeat_days
    waiting = (Confirmation.objects.filter(answer="", expires_at__gt=ctx.now,
                                           asked_at__lte=ctx.now - datetime.timedelta(days=repeat))
               .select_related("agreement", "milestone", "focal_point"))
    for row in waiting:
        point = row.focal_point
        # A contact: an unsaved stand-in (no id), named for the dry run's listing.
        recipient = (ctx.recipient(point.user_id) if point.user_id
                     else User(time_zone=settings.TIME_ZONE, username=point.name, email=point.email))
        if recipient is None or not confirming.is_current(row, row.agreement) or point.side != row.side:
            continue
        threshold = (ctx.now - row.asked_at).days // repeat * repeat
        yield Decision(Kind.CONFIRMATION_WAITING, confirming.reminder_key(Kind.CONFIRMATION_WAITING, row, threshold),
                       recipient, threshold, row.asked_at.date(), agreement=row.agreement, milestone=row.milestone,
                       focal_point=point, confirmation=row)


# --- Deciding and recording -----------------------------------------------------------------

def existing_keys(now: datetime.datetime, policy: ReminderPolicy) -> set[str]:
    """Keys that could come up again in this sweep. Only an optimisation: the unique
    constraint is the guard, so a key outside this window is refused on insert anyway."""
    days = max(policy.lead_days[0], policy.overdue_repeat_days, policy.stale_repeat_days, 7) + 2
    recent = Q(created_at__gte=now - datetime.timedelta(days=days))
    waiting = Q(kind=Kind.CLOSURE_WAITING, agreement__status=Status.PENDING_CLOSURE)
    return set(Reminder.objects.filter(recent | waiting).values_list("key", flat=True))


def decide(now: datetime.datetime | None = None, policy: ReminderPolicy | None = None, *,
           only_due_now: bool = True) -> list[Decision]:
    """Every reminder due and not yet recorded. With `only_due_now=False`, also those due
    later today once the recipient's local hour comes (for the dry run)."""
    now = now or timezone.now()
    policy = policy or ReminderPolicy.current()
    if not policy.active:
        return []
    ctx = Context(now, policy)
    candidates = [*milestone_decisions(ctx), *stale_decisions(ctx), *closure_decisions(ctx), *digest_decisions(ctx),
                  *confirmation_decisions(ctx)]
    known = existing_keys(now, policy)
    fresh = unique(d for d in candidates if d.key not in known)
    for decision in fresh:
        decision.due_now = ctx.morning_reached(decision.recipient)
    if only_due_now:
        fresh = [d for d in fresh if d.due_now]
    # Nobody gets an empty digest (checked again when it is sent); asked only of digests due.
    return [d for d in fresh if d.kind != Kind.DIGEST or digest.has_news(d.recipient, now)]


def unique(decisions: Iterable[Decision]) -> list[Decision]:
    seen: dict[str, Decision] = {}
    for decision in decisions:
        seen.setdefault(decision.key, decision)
    return list(seen.values())


Enqueue = Callable[[list[list[int]]], None]  # hands groups of reminder ids to the senders (reminders.tasks)


def record(decisions: list[Decision], now: datetime.datetime | None = None, *,
           enqueue: Enqueue | None = None) -> SweepResult:
    """Insert one row per decision; rows whose key exists already are skipped by the database
    (ON CONFLICT DO NOTHING), which is what makes two concurrent sweeps safe. Only the rows
    this call inserted are sent, and only once the transaction has committed."""
    now = now or timezone.now()
    run = uuid.uuid4()
    # Ids, not instances: setting 160,000 foreign keys through their descriptors took a second
    # of a 54,000-reminder sweep.
    rows = [Reminder(kind=d.kind, key=d.key, recipient_id=d.recipient.pk, agreement_id=d.agreement and d.agreement.pk,
                     milestone_id=d.milestone and d.milestone.pk, subject_date=d.subject_date, threshold=d.threshold,
                     focal_point_id=d.focal_point and d.focal_point.pk,
                     confirmation_id=d.confirmation and d.confirmation.pk, run_id=run, created_at=now,
                     next_attempt_at=now) for d in decisions]
    with transaction.atomic():
        # No batch_size: one INSERT on PostgreSQL whatever the number of rows (Django sends them
        # as one array per column through UNNEST), so the sweep's queries stay constant; SQLite
        # splits by its own limit on variables.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(Reminder.objects.filter(run_id=run).values_list("pk", "recipient_id", "kind"))
        groups = group_ids(created)
        if enqueue and groups:
            # robust: if the broker is down, the rows stay queued and the dispatcher sends them later.
            # A function, not a functools.partial: Django names the callback in the error it logs
            # (func.__qualname__), and a partial has no name — the log line itself would raise.
            def send_after_commit() -> None:
                enqueue(groups)

            transaction.on_commit(send_after_commit, robust=True)
    return SweepResult(decided=len(decisions), created=len(created), groups=groups)


def group_ids(rows: Iterable[tuple[int, int, str]]) -> list[list[int]]:
    """One e-mail per recipient for their reminders of a run, the digest apart; a confirmation's
    e-mail on its own (it carries its link, and a contact has no recipient id)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, recipient_id, kind in rows:
        apart = pk if kind in CONFIRMATION_KINDS else 0
        groups[(recipient_id or 0, kind == Kind.DIGEST, apart)].append(pk)
    return [sorted(ids) for _, ids in sorted(groups.items())]


def sweep(now: datetime.datetime | None = None, *, enqueue: Enqueue | None = None) -> SweepResult:
    """Decide what is due now and record it (beat's task and the cron command call this).
    `enqueue` is called with the new groups after the commit: the Celery task passes
    `tasks.enqueue_groups`; the cron command sends them itself and passes nothing."""
    now = now or timezone.now()
    return record(decide(now), now, enqueue=enqueue)
