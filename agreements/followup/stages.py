"""The stage ladder of an agreement: the rungs its kind climbs (`Stage`, data editable in the
admin), each with a planned and an actual date (`AgreementStage`).

The current stage is the highest rung reached. A rung planned before today and not reached is
behind schedule: the page says so (and the suggested health will read it, issue 19 item 1).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import policy
from agreements.models import Agreement, AgreementKind, AgreementStage, Stage, User


@dataclass
class Rung:
    stage: Stage
    planned_on: datetime.date | None
    reached_on: datetime.date | None
    behind: bool  # planned before today, not reached
    current: bool = False

    @property
    def state(self) -> str:
        if self.reached_on:
            return "reached"
        return "behind" if self.behind else "ahead"


def stages_by_kind() -> dict[str, list[Stage]]:
    """Every ladder, one query."""
    ladders: dict[str, list[Stage]] = defaultdict(list)
    for stage in Stage.objects.order_by("kind", "position"):
        ladders[stage.kind].append(stage)
    return ladders


def ladder(agreement: Agreement, today: datetime.date | None = None) -> list[Rung]:
    """The agreement's ladder with its dates (reads `agreement.stages`, prefetch it with the stage)."""
    today = today or timezone.localdate()
    dates = {row.stage_id: row for row in agreement.stages.all()}
    rungs = []
    for stage in Stage.objects.filter(kind=agreement.kind).order_by("position"):
        row = dates.get(stage.pk)
        planned, reached = (row.planned_on, row.reached_on) if row else (None, None)
        rungs.append(Rung(stage, planned, reached, behind=bool(planned and not reached and planned < today)))
    reached = [rung for rung in rungs if rung.reached_on]
    if reached:
        reached[-1].current = True
    return rungs


def behind_schedule(rungs: list[Rung]) -> list[Rung]:
    return [rung for rung in rungs if rung.behind]


def record_stage(agreement: Agreement, stage: Stage, *, by: User, planned_on: datetime.date | None,
                 reached_on: datetime.date | None) -> AgreementStage:
    """Set a stage's planned and actual dates (history keeps the earlier ones)."""
    if not policy.can_record_follow_up(by, agreement):
        raise PermissionDenied(_("Only the owner, the team, data entry staff or a manager may record stages."))
    if stage.kind != agreement.kind:
        raise ValidationError(_("This stage belongs to another kind of agreement."))
    if reached_on and reached_on > timezone.localdate():
        raise ValidationError({"reached_on": _("A stage cannot be reached in the future: give the planned date instead.")})
    with transaction.atomic():
        row, _created = AgreementStage.objects.update_or_create(
            agreement=agreement, stage=stage, defaults={"planned_on": planned_on, "reached_on": reached_on})
    return row


@dataclass
class KindRow:
    kind: str
    label: str
    counts: list[tuple[Stage | None, int]]  # (None = no stage reached yet), in ladder order
    total: int


def counts_per_stage(agreements: QuerySet) -> list[KindRow]:
    """How many of these agreements stand on each rung of their kind's ladder: three queries
    whatever the number of agreements (the ladders, the kinds, the highest rung reached)."""
    ladders = stages_by_kind()
    kinds = dict(agreements.values_list("pk", "kind"))
    highest: dict[int, Stage] = {}
    by_id = {stage.pk: stage for rungs in ladders.values() for stage in rungs}
    reached = AgreementStage.objects.filter(agreement__in=agreements, reached_on__isnull=False)
    for agreement_id, stage_id in reached.values_list("agreement_id", "stage_id"):
        stage = by_id.get(stage_id)
        if stage and (agreement_id not in highest or stage.position > highest[agreement_id].position):
            highest[agreement_id] = stage
    rows = []
    labels = dict(AgreementKind.choices)
    for kind, rungs in ladders.items():
        ids = [pk for pk, k in kinds.items() if k == kind]
        if not ids:
            continue
        tally: dict[int | None, int] = defaultdict(int)
        for pk in ids:
            stage = highest.get(pk)
            tally[stage.pk if stage else None] += 1
        counts = [(None, tally[None])] + [(stage, tally[stage.pk]) for stage in rungs]
        rows.append(KindRow(kind, str(labels.get(kind, kind)), counts, len(ids)))
    return sorted(rows, key=lambda row: row.label)
