"""Synthetic stage dates for the demo: each agreement stands somewhere on its kind's ladder, in
step with its workflow status (a completed one has climbed every rung, a freshly signed one only
the first), with the next rung planned and, for some, planned dates already passed (behind plan).
Follow-up activity is synthetic (README, "The demo"); the ladders themselves are the seeded ones."""
from __future__ import annotations

import datetime
import random

from django.utils import timezone

from agreements.models import Agreement, AgreementStage, Stage, Status

# How far up its ladder an agreement of each status has climbed (a share of the rungs).
CLIMBED = {Status.SIGNED: 0.0, Status.IN_PROGRESS: 0.5, Status.ON_HOLD: 0.4, Status.PENDING_CLOSURE: 0.9,
           Status.COMPLETED: 1.0, Status.TERMINATED: 0.3}


def stage_rows(agreements: list[Agreement], today: datetime.date, rng: random.Random) -> list[AgreementStage]:
    """Rows for signed agreements (drafts climb nothing), none saved."""
    ladders: dict[str, list[Stage]] = {}
    for stage in Stage.objects.order_by("kind", "position"):
        ladders.setdefault(stage.kind, []).append(stage)
    rows = []
    for agreement in agreements:
        rungs = ladders.get(agreement.kind)
        if not rungs or not agreement.signed_on or agreement.status == Status.DRAFT:
            continue
        climbed = 1 + round(CLIMBED.get(agreement.status, 0.0) * (len(rungs) - 1) * rng.uniform(0.6, 1.0))
        if agreement.status == Status.COMPLETED:
            climbed = len(rungs)
        span = max((today - agreement.signed_on).days, 1)
        day = agreement.signed_on
        for index, stage in enumerate(rungs):
            if index < climbed:
                reached = min(day, today)
                rows.append(_dated(AgreementStage(agreement=agreement, stage=stage, planned_on=reached,
                                                  reached_on=reached), reached))
                day = reached + datetime.timedelta(days=rng.randint(span // (2 * len(rungs)) + 1, span // len(rungs) + 2))
            elif index == climbed and agreement.status not in (Status.TERMINATED, Status.COMPLETED):
                # The next rung: planned, a third of them already behind their plan.
                offset = rng.randint(-60, -5) if rng.random() < 1 / 3 else rng.randint(20, 200)
                rows.append(_dated(AgreementStage(agreement=agreement, stage=stage,
                                                  planned_on=today + datetime.timedelta(days=offset)), day))
    return rows


def _dated(row: AgreementStage, day: datetime.date) -> AgreementStage:
    """The date its history row is written with (agreements.demo.summit.write_creation_history)."""
    row._history_date = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return row
