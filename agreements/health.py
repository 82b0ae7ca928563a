"""Honest health: what the data says about an open agreement, next to what its officer reports.

The rule is a small table whose thresholds are edited in the reminder policy (README, "Honest
health"); the worst signal wins, no signal means on track:

| signal | at risk from | off track from |
| --- | --- | --- |
| a milestone overdue by | `health_overdue_at_risk_days` (1) | `health_overdue_off_track_days` (60) |
| milestones moved later than planned, in total | `health_slip_at_risk_days` (60) | `health_slip_off_track_days` (180) |
| no progress update for | `stale_days` (30) | — |
| a stage behind its planned date by | `health_stage_at_risk_days` (1) | `health_stage_off_track_days` (90) |

Everything is computed for many agreements at once in a fixed number of queries (`suggestions`),
so the page, the progress action, the reports and the digest all ask the same function.
"""
from __future__ import annotations

import datetime
import functools
from typing import Callable

from django.db.models import Count, DateField, F, Min, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from agreements.models import OPEN_STATUSES, Agreement, AgreementStage, Health, Milestone, ReminderPolicy

RANK = {Health.ON_TRACK: 0, Health.AT_RISK: 1, Health.OFF_TRACK: 2}


class Suggestion:
    """A health level and the reasons for it. The reasons are formatted when read, in the language
    active then: the dashboard's panel asks for every open agreement's suggestion (~17,000 at 20,000
    agreements) to show 25, and formatting them all was a quarter of its first view."""

    __slots__ = ("health", "_reasons", "for_update")

    def __init__(self, health: str, reasons: list = (), for_update: "Suggestion | None" = None):
        self.health = health
        self._reasons = list(reasons)  # strings, or callables giving one
        # The same without the silence, for the update being posted now (it ends the silence).
        self.for_update = for_update

    @property
    def reasons(self) -> list[str]:
        return [reason() if callable(reason) else reason for reason in self._reasons]

    @property
    def label(self) -> str:
        return str(Health(self.health).label)

    def __eq__(self, other) -> bool:
        return isinstance(other, Suggestion) and (self.health, self.reasons) == (other.health, other.reasons)

    def __repr__(self) -> str:
        return f"Suggestion({self.health!r}, {self.reasons!r})"


def better_than(reported: str, suggested: str) -> bool:
    """Is the reported health rosier than the data? (unknown is never rosier)"""
    return reported in RANK and suggested in RANK and RANK[reported] < RANK[suggested]


def _worse(current: str, candidate: str) -> str:
    return candidate if RANK[candidate] > RANK[current] else current


def suggestions(agreements: list[Agreement], today: datetime.date | None = None,
                policy: ReminderPolicy | None = None, *, posting: bool = False,
                among: QuerySet | None = None) -> dict[int, Suggestion]:
    """A suggestion per open agreement of `agreements` (closed ones get none): three queries.

    `posting`: for the update being written now, which ends the silence: "no update for N days"
    is then not a signal (the other three are). Each suggestion carries that variant too
    (`for_update`), so a page needing both asks once.
    `among`: a queryset of the same agreements' pks, for thousands of them: the milestones, stages
    and history are then read through it as a subquery, not a list of every id sent as parameters
    (at 20,000 agreements, building and sending those lists was a third of the panel's time)."""
    today = today or timezone.localdate()
    policy = policy or ReminderPolicy.current()
    open_ones = [a for a in agreements if a.status in OPEN_STATUSES]
    if not open_ones:
        return {}
    ids = among if among is not None else [a.pk for a in open_ones]
    overdue = {row["agreement_id"]: row for row in Milestone.objects.filter(
        agreement_id__in=ids, state=Milestone.State.PLANNED, due_on__lt=today).values("agreement_id").annotate(
        count=Count("id"), oldest=Min("due_on"))}
    slip = _slippage(ids)
    behind: dict[int, tuple[datetime.date, str]] = {}
    for agreement_id, planned, name in AgreementStage.objects.filter(
            agreement_id__in=ids, reached_on__isnull=True, planned_on__lt=today).order_by(
            "agreement_id", "planned_on").values_list("agreement_id", "planned_on", "stage__name"):
        behind.setdefault(agreement_id, (planned, name))
    found = {}
    for agreement in open_ones:
        signals = list(_signals(agreement, today, policy, overdue.get(agreement.pk), slip.get(agreement.pk, 0),
                                behind.get(agreement.pk)))
        suggestion = _worst(signals)
        suggestion.for_update = _worst([signal for signal in signals if not signal[2]])
        found[agreement.pk] = suggestion.for_update if posting else suggestion
    return found


def _signals(agreement: Agreement, today: datetime.date, policy: ReminderPolicy, late: dict | None, slipped: int,
             behind: tuple[datetime.date, str] | None):
    """(health, reason, is the silence) for each signal the rule's table names; the reason is a
    callable that formats it (Suggestion.reasons)."""
    if late:
        days = (today - late["oldest"]).days
        if days >= policy.health_overdue_at_risk_days:
            yield (Health.OFF_TRACK if days >= policy.health_overdue_off_track_days else Health.AT_RISK,
                   functools.partial(_overdue_reason, late["count"], days), False)
    if slipped >= policy.health_slip_at_risk_days:
        yield (Health.OFF_TRACK if slipped >= policy.health_slip_off_track_days else Health.AT_RISK,
               functools.partial(_slip_reason, slipped), False)
    since = agreement.last_progress_at.date() if agreement.last_progress_at else agreement.signed_on
    if since and (today - since).days >= policy.stale_days:
        yield Health.AT_RISK, functools.partial(_silence_reason, (today - since).days), True
    if behind:
        planned, name = behind
        days = (today - planned).days
        if days >= policy.health_stage_at_risk_days:
            yield (Health.OFF_TRACK if days >= policy.health_stage_off_track_days else Health.AT_RISK,
                   functools.partial(_stage_reason, name, days), False)


def _overdue_reason(count: int, days: int) -> str:
    return ngettext("%(count)d milestone overdue, the oldest by %(days)d days",
                    "%(count)d milestones overdue, the oldest by %(days)d days", count) % {"count": count, "days": days}


def _slip_reason(days: int) -> str:
    return _("milestones moved %(days)d days later than first planned") % {"days": days}


def _silence_reason(days: int) -> str:
    return _("no progress update for %(days)d days") % {"days": days}


def _stage_reason(name: str, days: int) -> str:
    return _("stage “%(stage)s” %(days)d days behind its planned date") % {"stage": name, "days": days}


def _worst(signals: list[tuple[str, Callable[[], str], bool]]) -> Suggestion:
    health = Health.ON_TRACK
    for level, _reason, _silence in signals:
        health = _worse(health, level)
    return Suggestion(health, [reason for _level, reason, _silence in signals])


def suggest(agreement: Agreement, today: datetime.date | None = None, *, posting: bool = False) -> Suggestion | None:
    return suggestions([agreement], today, posting=posting).get(agreement.pk)


def _slippage(ids: list[int] | QuerySet) -> dict[int, int]:
    """Days the open and done milestones of each agreement are due later than first planned
    (the earliest due date in their history), added up: one grouped query. Summed in the database:
    reading every milestone and the earliest date of each to add them up here was half of the
    honest-health panel's queries' time at 20,000 agreements (~80,000 rows of each)."""
    first = (Milestone.history.model.objects.filter(id=OuterRef("pk")).order_by().values("id")
             .annotate(first=Min("due_on")).values("first"))
    later = (Milestone.objects.filter(agreement_id__in=ids).exclude(state=Milestone.State.WAIVED)
             .annotate(first=Subquery(first, output_field=DateField())).filter(due_on__gt=F("first")))
    return {agreement_id: moved.days for agreement_id, moved in later.order_by().values("agreement_id").annotate(
        moved=Sum(F("due_on") - F("first"))).values_list("agreement_id", "moved")}
