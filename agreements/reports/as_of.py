"""The dashboard's main figures as they stood at the end of a past day, computed from the record's
history — no stored copies (issue 19).

How each figure is read back, and why that source:
- an agreement existed from its first history row (django-simple-history's "created" row; the
  creation time when an agreement predates the history);
- its pillar is the one in its latest history row of that day;
- its status is the `to` of its latest TransitionLog row up to then, else the `from` of its first
  one after (it had not moved yet), else its status today (it never moved). The transition log, not
  the history rows, because imports and the demo record past transitions with their own dates;
- its health and percent are those of its latest progress update up to then ("unknown", 0 % before
  any); an agreement whose percent comes from its milestones gets done weight ÷ live weight of its
  milestones as they stood;
- each milestone is its latest history row of that day (done: done by then; overdue: planned and due
  before that day, as the dashboard counts it on its own day).

Set-based: one query for the agreements (correlated subqueries, not a query per agreement), one for
their milestones, one for the pillars — whatever the number of agreements. The dashboard's filters
choose the agreements by their current record (as the agreement list would); the figures then say
how those agreements stood on the day.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    OPEN_STATUSES,
    Agreement,
    Health,
    Milestone,
    PercentFrom,
    Pillar,
    ProgressUpdate,
    Status,
    TransitionLog,
)
from agreements.rollup import COUNTED, weighted_percent
from agreements.zones import start_of_day

SUMMIT_OPENED = datetime.date(2025, 12, 19)  # the Tokyo summit, 19–20 December 2025
SUMMIT_CLOSED = datetime.date(2025, 12, 20)


@dataclass(frozen=True)
class Anniversary:
    label: str
    day: datetime.date


def anniversaries() -> list[Anniversary]:
    """The summit's round dates, all counted from its opening day (19 December 2025): "100 days" is
    the hundredth day after it (19 December + 100 days = 29 March 2026), "6 months" and "1 year" the
    same day of the month (19 June and 19 December 2026). Each is read at the end of its day."""
    return [
        Anniversary(str(_("End of the summit")), SUMMIT_CLOSED),
        Anniversary(str(_("100 days")), SUMMIT_OPENED + datetime.timedelta(days=100)),
        Anniversary(str(_("6 months")), SUMMIT_OPENED.replace(year=2026, month=6)),
        Anniversary(str(_("1 year")), SUMMIT_OPENED.replace(year=SUMMIT_OPENED.year + 1)),
    ]


@dataclass
class Snapshot:
    day: datetime.date
    total: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_pillar: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    health: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # open agreements only
    milestones_done: int = 0
    milestones_overdue: int = 0
    percent_sum: dict[int | None, int] = field(default_factory=lambda: defaultdict(int))  # None: the initiative
    counted: dict[int | None, int] = field(default_factory=lambda: defaultdict(int))

    def progress(self, pillar_id: int | None = None) -> int | None:
        """Mean percent of the counted agreements (agreements.rollup's method, by count)."""
        n = self.counted[pillar_id]
        return round(self.percent_sum[pillar_id] / n) if n else None


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the current (the reader's) time zone."""
    return start_of_day(day + datetime.timedelta(days=1))


def first_record_day() -> datetime.date | None:
    """The day the record starts: the earliest history row or status change (local date)."""
    firsts = [Agreement.history.model.objects.aggregate(at=Min("history_date"))["at"],
              TransitionLog.objects.aggregate(at=Min("at"))["at"]]
    firsts = [at for at in firsts if at is not None]
    return timezone.localdate(min(firsts)) if firsts else None


def _latest(queryset: QuerySet, moment: str, end: datetime.datetime, value: str) -> Subquery:
    """`value` of the latest row of `queryset` (already narrowed to one agreement) before `end`."""
    return Subquery(queryset.filter(**{f"{moment}__lt": end}).order_by(f"-{moment}", "-pk").values(value)[:1])


def agreement_rows(agreements: QuerySet, end: datetime.datetime) -> list[tuple]:
    """(pk, pillar_id, status, health, update percent, percent_from) of the agreements that
    existed before `end`, as they stood then: one query."""
    history = Agreement.history.model.objects.filter(id=OuterRef("pk"))
    logs = TransitionLog.objects.filter(agreement_id=OuterRef("pk"))
    updates = ProgressUpdate.objects.filter(agreement_id=OuterRef("pk"))
    first_seen = Subquery(history.order_by("history_date").values("history_date")[:1])
    next_log = Subquery(logs.filter(at__gte=end).order_by("at", "pk").values("from_status")[:1])
    return list(agreements.order_by().annotate(
        first_seen=Coalesce(first_seen, F("created_at")),
        was_pillar=Coalesce(_latest(history, "history_date", end, "pillar_id"), F("pillar_id"),
                            output_field=IntegerField()),
        was_status=Coalesce(_latest(logs, "at", end, "to_status"), next_log, F("status")),
        was_health=Coalesce(_latest(updates, "created_at", end, "health"), Value(Health.UNKNOWN)),
        was_percent=Coalesce(_latest(updates, "created_at", end, "percent_complete"), Value(0),
                             output_field=IntegerField()),
    ).filter(first_seen__lt=end).values_list("pk", "was_pillar", "was_status", "was_health", "was_percent",
                                             "percent_from"))


def milestone_rows(agreements: QuerySet, day: datetime.date, end: datetime.datetime) -> dict[int, dict]:
    """Per agreement: milestones done and overdue, done and live weight, as the milestones' latest
    history rows before `end` say (deleted ones left out): one grouped query."""
    history = Milestone.history.model.objects
    latest = Subquery(history.filter(id=OuterRef("id"), history_date__lt=end)
                      .order_by("-history_date", "-history_id").values("history_id")[:1])
    rows = (history.filter(history_date__lt=end, agreement_id__in=agreements.order_by().values("pk"))
            .annotate(latest=latest).filter(history_id=F("latest")).exclude(history_type="-"))
    done = Q(state=Milestone.State.DONE, done_on__lte=day)
    groups = rows.order_by().values("agreement_id").annotate(
        done=Count("history_id", filter=done),
        overdue=Count("history_id", filter=Q(state=Milestone.State.PLANNED, due_on__lt=day)),
        done_weight=Sum("weight", filter=done),
        live_weight=Sum("weight", filter=~Q(state=Milestone.State.WAIVED)))
    return {group["agreement_id"]: group for group in groups}


def snapshot(agreements: QuerySet, day: datetime.date) -> Snapshot:
    """The figures of `agreements` at the end of `day` (two queries)."""
    end = end_of(day)
    result = Snapshot(day)
    milestones = milestone_rows(agreements, day, end)
    for group in milestones.values():
        result.milestones_done += group["done"]
        result.milestones_overdue += group["overdue"]
    for pk, pillar_id, status, health, percent, percent_from in agreement_rows(agreements, end):
        status = status or Status.DRAFT
        result.total += 1
        result.by_status[status] += 1
        result.by_pillar[pillar_id] += 1
        if status in OPEN_STATUSES:
            result.health[health] += 1
        if status in COUNTED:
            if status == Status.COMPLETED:
                percent = 100
            elif percent_from == PercentFrom.MILESTONES:
                group = milestones.get(pk, {})
                percent = weighted_percent(group.get("done_weight"), group.get("live_weight"))
            for key in (None, pillar_id):
                result.counted[key] += 1
                result.percent_sum[key] += percent
    return result


# --- Side by side ---------------------------------------------------------------------------

@dataclass
class Line:
    """A figure on each day, and the change from the first day to the last."""

    label: str
    values: list[int | None]
    badge: str = ""

    @property
    def difference(self) -> int | None:
        first, last = self.values[0], self.values[-1]
        return None if len(self.values) < 2 or first is None or last is None else last - first


@dataclass
class Group:
    key: str
    title: str
    lines: list[Line]
    unit: str = ""  # "%" for the roll-up


def side_by_side(snapshots: list[Snapshot], pillars: list[Pillar]) -> list[Group]:
    """The figures of one or two days as table groups (the page shows one column per day)."""
    def line(label, get, badge=""):
        return Line(str(label), [get(s) for s in snapshots], badge)

    health_order = (Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, Health.UNKNOWN)
    return [
        Group("total", str(_("Agreements")), [line(_("Agreements recorded"), lambda s: s.total)]),
        Group("status", str(_("Agreements by status")),
              [line(label, lambda s, v=value: s.by_status[v], value) for value, label in Status.choices]),
        Group("pillar", str(_("Agreements by pillar")),
              [line(p.name, lambda s, pk=p.pk: s.by_pillar[pk]) for p in pillars]),
        Group("health", str(_("Health of open agreements")),
              [line(Health(h).label, lambda s, h=h: s.health[h], h) for h in health_order]),
        Group("milestones", str(_("Milestones")), [
            line(_("Milestones done to date"), lambda s: s.milestones_done),
            line(_("Milestones overdue"), lambda s: s.milestones_overdue)]),
        Group("progress", str(_("Progress (mean percent of the counted agreements)")), [
            *[line(p.name, lambda s, pk=p.pk: s.progress(pk)) for p in pillars],
            line(_("The whole initiative"), lambda s: s.progress(None))], unit="%"),
    ]
