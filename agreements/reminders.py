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

import dataclasses
import datetime
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agreements import digest
from agreements.filters import stale_q
from agreements.models import (
    OPEN_STATUSES, Agreement, Milestone, Reminder, ReminderKind, ReminderPolicy, Status, User,
)
from agreements.policy import Role

Kind = ReminderKind


@dataclass(frozen=True)
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


@dataclass
class SweepResult:
    decided: int = 0
    created: int = 0
    groups: list[list[int]] = field(default_factory=list)


class LocalClock:
    """Each recipient's local time at one instant (zones resolved once per sweep)."""

    def __init__(self, now: datetime.datetime, hour: int) -> None:
        self.now, self.hour = now, hour
        self._zones: dict[str, zoneinfo.ZoneInfo] = {}

    def zone(self, user: User) -> zoneinfo.ZoneInfo:
        name = user.time_zone or settings.TIME_ZONE
        if name not in self._zones:
            try:
                self._zones[name] = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self._zones[name] = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return self._zones[name]

    def local(self, user: User) -> datetime.datetime:
        return self.now.astimezone(self.zone(user))

    def today(self, user: User) -> datetime.date:
        return self.local(user).date()

    def date_of(self, moment: datetime.datetime, user: User) -> datetime.date:
        return moment.astimezone(self.zone(user)).date()

    def morning_reached(self, user: User) -> bool:
        return self.local(user).hour >= self.hour


def can_receive(user: User | None) -> bool:
    return bool(user and user.is_active and user.email)


def make(kind: str, recipient: User, threshold: int, about: datetime.date | None, subject: str, **objects) -> Decision:
    key = f"{kind}:{subject}:{about.isoformat() if about else '-'}:{threshold}:u{recipient.pk}"
    return Decision(kind, key, recipient, threshold, about, **objects)


# --- Milestones: due soon, overdue, escalated ------------------------------------------

def planned_milestones(today: datetime.date, policy: ReminderPolicy):
    """Planned milestones of open agreements, overdue or due within the longest lead time
    (+1 day: a recipient east of UTC is already a day ahead)."""
    horizon = today + datetime.timedelta(days=policy.lead_days[0] + 1)
    return (Milestone.objects.filter(state=Milestone.State.PLANNED, agreement__status__in=OPEN_STATUSES,
                                     due_on__lte=horizon)
            .select_related("owner", "agreement__owner").order_by("due_on", "pk"))


def owner_decision(milestone: Milestone, owner: User, clock: LocalClock, policy: ReminderPolicy) -> Decision | None:
    days_left = (milestone.due_on - clock.today(owner)).days
    subject = f"m{milestone.pk}"
    objects = {"milestone": milestone, "agreement": milestone.agreement}
    if days_left >= 0:
        crossed = [lead for lead in policy.lead_days if days_left <= lead]
        if not crossed:
            return None
        # Only the tightest threshold crossed: a milestone entered 5 days before its due
        # date gets the 7-day reminder, not the 14-day one as well.
        return make(Kind.DUE_SOON, owner, min(crossed), milestone.due_on, subject, **objects)
    repeat = policy.overdue_repeat_days
    occurrence = 1 + (-days_left - 1) // repeat * repeat  # 1, 8, 15… days overdue
    return make(Kind.OVERDUE, owner, occurrence, milestone.due_on, subject, **objects)


def escalations(milestone: Milestone, owner: User | None, managers: list[User], clock: LocalClock,
                policy: ReminderPolicy) -> Iterator[Decision]:
    """From `escalation_days` overdue, the managers are told too, then at each repeat.
    Not optional: a manager's opt-outs do not apply (DESIGN.md)."""
    for manager in managers:
        if owner is not None and manager.pk == owner.pk:
            continue  # the owner's own overdue reminder already says it
        overdue = (clock.today(manager) - milestone.due_on).days
        if overdue < policy.escalation_days:
            continue
        steps = (overdue - policy.escalation_days) // policy.overdue_repeat_days
        threshold = policy.escalation_days + steps * policy.overdue_repeat_days
        yield make(Kind.ESCALATION, manager, threshold, milestone.due_on, f"m{milestone.pk}",
                   milestone=milestone, agreement=milestone.agreement)


def milestone_decisions(milestones: Iterable[Milestone], managers: list[User], clock: LocalClock,
                        policy: ReminderPolicy) -> Iterator[Decision]:
    for milestone in milestones:
        owner = milestone.owner or milestone.agreement.owner
        if can_receive(owner):
            decision = owner_decision(milestone, owner, clock, policy)
            if decision:
                yield decision
        if milestone.due_on < clock.now.date() + datetime.timedelta(days=1):
            yield from escalations(milestone, owner, managers, clock, policy)


# --- Agreements: stale, closure waiting ---------------------------------------------------

def stale_decisions(now: datetime.datetime, clock: LocalClock, policy: ReminderPolicy) -> Iterator[Decision]:
    """The same stale agreements as the list's "no update" filter (filters.stale_q), then
    every `stale_repeat_days` while nothing is posted. A new update starts a new series."""
    for agreement in Agreement.objects.filter(stale_q(policy.stale_days, now)).select_related("owner"):
        owner = agreement.owner
        if not can_receive(owner) or not owner.notify_stale:
            continue
        since = clock.date_of(agreement.last_progress_at, owner) if agreement.last_progress_at else agreement.signed_on
        silent = (clock.today(owner) - since).days
        steps = max(0, (silent - policy.stale_days) // policy.stale_repeat_days)
        threshold = policy.stale_days + steps * policy.stale_repeat_days
        yield make(Kind.STALE, owner, threshold, since, f"a{agreement.pk}", agreement=agreement)


def closure_decisions(now: datetime.datetime, managers: list[User], clock: LocalClock,
                      policy: ReminderPolicy) -> Iterator[Decision]:
    """Pending closure for more than `closure_waiting_days`: once per request, to each manager
    who may approve it (not the one who requested it: four eyes). The weekly digest keeps
    listing it after that."""
    waiting_since = now - datetime.timedelta(days=policy.closure_waiting_days)
    waiting = Agreement.objects.filter(status=Status.PENDING_CLOSURE, status_changed_at__lte=waiting_since)
    for agreement in waiting:
        requested = agreement.status_changed_at
        for manager in managers:
            if manager.pk == agreement.closure_requested_by_id:
                continue
            subject = f"a{agreement.pk}@{requested:%Y%m%dT%H%M%S}"
            yield make(Kind.CLOSURE_WAITING, manager, policy.closure_waiting_days, requested.date(), subject,
                       agreement=agreement)


# --- Weekly digest ----------------------------------------------------------------------------

def digest_decisions(clock: LocalClock, policy: ReminderPolicy) -> Iterator[Decision]:
    """Readers with the digest switched on (managers by default), on the digest weekday in
    their zone, from the local hour to midnight: a sweep that misses the hour still sends it
    that day; on the next day it would be old news, so it waits for the next week."""
    readers = User.objects.filter(is_active=True, notify_digest=True).exclude(email="")
    for reader in readers:
        today = clock.today(reader)
        if today.weekday() == policy.digest_weekday:
            yield make(Kind.DIGEST, reader, 7, today, "week")


# --- Deciding and recording -----------------------------------------------------------------

def managers() -> list[User]:
    """Members of the Manager group who can receive e-mail (superusers are not copied:
    the admin account is a technical one)."""
    return list(User.objects.filter(groups__name=Role.MANAGER, is_active=True).exclude(email="").distinct())


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
    clock = LocalClock(now, policy.local_hour)
    team = managers()
    candidates = [
        *milestone_decisions(planned_milestones(now.date(), policy), team, clock, policy),
        *stale_decisions(now, clock, policy),
        *closure_decisions(now, team, clock, policy),
        *digest_decisions(clock, policy),
    ]
    known = existing_keys(now, policy)
    fresh = [d for d in candidates if d.key not in known]
    # Nobody gets an empty digest (checked again when it is sent).
    fresh = [d for d in fresh if d.kind != Kind.DIGEST or digest.has_news(d.recipient, now)]
    decided = [dataclasses.replace(d, due_now=clock.morning_reached(d.recipient)) for d in unique(fresh)]
    return [d for d in decided if d.due_now] if only_due_now else decided


def unique(decisions: Iterable[Decision]) -> list[Decision]:
    seen: dict[str, Decision] = {}
    for decision in decisions:
        seen.setdefault(decision.key, decision)
    return list(seen.values())


def record(decisions: list[Decision], now: datetime.datetime | None = None, *, enqueue: bool = True) -> SweepResult:
    """Insert one row per decision; rows whose key exists already are skipped by the database
    (ON CONFLICT DO NOTHING), which is what makes two concurrent sweeps safe. Only the rows
    this call inserted are sent, and only once the transaction has committed."""
    now = now or timezone.now()
    run = uuid.uuid4()
    rows = [Reminder(kind=d.kind, key=d.key, recipient=d.recipient, agreement=d.agreement, milestone=d.milestone,
                     subject_date=d.subject_date, threshold=d.threshold, run_id=run, created_at=now,
                     next_attempt_at=now) for d in decisions]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        created = list(Reminder.objects.filter(run_id=run).values_list("pk", "recipient_id", "kind"))
        groups = group_ids(created)
        if enqueue and groups:
            from agreements import tasks

            # robust: if the broker is down, the rows stay queued and the dispatcher sends them later.
            transaction.on_commit(partial(tasks.enqueue_groups, groups), robust=True)
    return SweepResult(decided=len(decisions), created=len(created), groups=groups)


def group_ids(rows: Iterable[tuple[int, int, str]]) -> list[list[int]]:
    """One e-mail per recipient for their reminders of a run, the digest apart."""
    groups: dict[tuple[int, bool], list[int]] = defaultdict(list)
    for pk, recipient_id, kind in rows:
        groups[(recipient_id, kind == Kind.DIGEST)].append(pk)
    return [sorted(ids) for _, ids in sorted(groups.items())]


def sweep(now: datetime.datetime | None = None, *, enqueue: bool = True) -> SweepResult:
    """Decide what is due now and record it (beat's task and the cron command call this)."""
    now = now or timezone.now()
    return record(decide(now), now, enqueue=enqueue)
