"""Roll-up: an agreement's percent (the officer's figure, or its milestones done by weight), and
the progress of a pillar and of the whole initiative from its agreements, by count or by value.

Methods, as the pages state them:
- an agreement "from milestones": done weight ÷ weight of the milestones not waived (none: 0 %),
  stored in `percent_complete` whenever its milestones change (`store_percent`), so every page,
  report, export and the API read one figure;
- a completed agreement counts as 100 %;
- by count: the mean percent of the agreements (each counts once);
- by value: per currency, Σ(value × percent) ÷ Σ value over the agreements with a value in it
  (currencies are never added together).
Counted: signed agreements not terminated (drafts have not started; a terminated one will not end).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from agreements.models import Agreement, Milestone, PercentFrom, Pillar, Status

COUNTED = (Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD, Status.PENDING_CLOSURE, Status.COMPLETED)


def weighted_percent(done_weight: int | None, live_weight: int | None) -> int:
    """Done weight ÷ live (not waived) weight, in whole percent; 0 without live milestones."""
    return round(100 * (done_weight or 0) / live_weight) if live_weight else 0


def milestone_percents(agreement_ids: list[int]) -> dict[int, int]:
    """Each agreement's `weighted_percent`: one query."""
    rows = Milestone.objects.filter(agreement_id__in=agreement_ids).values("agreement_id").annotate(
        live=Sum("weight", filter=~Q(state=Milestone.State.WAIVED)),
        done=Sum("weight", filter=Q(state=Milestone.State.DONE)))
    return {row["agreement_id"]: weighted_percent(row["done"], row["live"]) for row in rows}


def store_percent(agreement: Agreement) -> None:
    """An agreement whose percent comes from its milestones: write it where every page, report,
    export and API reads `percent_complete` (called whenever its milestones change)."""
    if agreement.percent_from != PercentFrom.MILESTONES:
        return
    agreement.percent_complete = milestone_percents([agreement.pk]).get(agreement.pk, 0)
    Agreement.objects.filter(pk=agreement.pk).update(percent_complete=agreement.percent_complete)


@dataclass
class Share:
    """Progress of a group of agreements: by count, and by value per currency."""

    count: int = 0
    percent_sum: int = 0
    value_sum: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    weighted: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(self, percent: int, value: Decimal | None, currency: str) -> None:
        self.count += 1
        self.percent_sum += percent
        if value and currency:
            self.value_sum[currency] += value
            self.weighted[currency] += value * percent

    @property
    def by_count(self) -> int | None:
        return round(self.percent_sum / self.count) if self.count else None

    @property
    def by_value(self) -> list[tuple[str, int, Decimal]]:
        """(currency, percent, value counted) per currency, the largest value first."""
        return sorted(((c, round(self.weighted[c] / v), v) for c, v in self.value_sum.items() if v),
                      key=lambda row: -row[2])


@dataclass
class Rollup:
    total: Share
    pillars: list[tuple[Pillar, Share]]


def rollup(agreements: QuerySet) -> Rollup:
    """Per pillar and for the initiative: two queries (the pillars, the agreements' figures)."""
    rows = agreements.filter(status__in=COUNTED).values_list("pillar_id", "status", "percent_complete", "value",
                                                             "currency")
    pillars = list(Pillar.objects.order_by("position", "name"))
    shares = {pillar.pk: Share() for pillar in pillars}
    total = Share()
    for pillar_id, status, stored, value, currency in rows:
        percent = 100 if status == Status.COMPLETED else stored
        for share in (total, shares.get(pillar_id)):
            if share is not None:
                share.add(percent, value, currency)
    return Rollup(total, [(pillar, shares[pillar.pk]) for pillar in pillars if shares[pillar.pk].count])
