"""Follow-up beyond the workflow status: the stages an agreement of a kind climbs (a yen loan
becomes effective, disburses, completes; a treaty is ratified, enters into force), and the
dependencies between agreements and milestones ("the loan needs the feasibility study's handover").

The ladders are data (`Stage` rows per kind, seeded by migration 0017, editable in the admin);
each agreement's planned and actual dates per stage are `AgreementStage` rows, with history.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models.agreement import Agreement, AgreementKind
from agreements.models.work import Milestone


class Stage(models.Model):
    """One rung of the ladder of a kind of agreement; `position` orders the rungs."""

    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["kind", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [models.UniqueConstraint(fields=["kind", "position"], name="stage_unique_position")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class AgreementStage(models.Model):
    """An agreement's planned and actual date for one stage of its kind's ladder."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="stages", verbose_name=_("agreement"))
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("stage"))
    planned_on = models.DateField(_("planned on"), null=True, blank=True)
    reached_on = models.DateField(_("reached on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["stage__position"]
        verbose_name = _("agreement stage")
        verbose_name_plural = _("agreement stages")
        constraints = [models.UniqueConstraint(fields=["agreement", "stage"], name="agreement_stage_unique")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.stage_id}"


class Dependency(models.Model):
    """`dependent` (an agreement or one of its milestones) needs `prerequisite` (another
    agreement or milestone) first. Exactly one of each pair is set; cycles are refused by
    agreements.followup.dependencies.add_dependency (a graph property no constraint can hold)."""

    dependent_agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="prerequisites",
        verbose_name=_("dependent agreement"))
    dependent_milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="prerequisites",
        verbose_name=_("dependent milestone"))
    prerequisite_agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="dependents",
        verbose_name=_("prerequisite agreement"))
    prerequisite_milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="dependents",
        verbose_name=_("prerequisite milestone"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey("User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(dependent_agreement__isnull=True) ^ Q(dependent_milestone__isnull=True),
                name="dependency_one_dependent"),
            models.CheckConstraint(
                condition=Q(prerequisite_agreement__isnull=True) ^ Q(prerequisite_milestone__isnull=True),
                name="dependency_one_prerequisite"),
        ]

    def __str__(self) -> str:
        return f"{self.dependent} ← {self.prerequisite}"

    @property
    def dependent(self) -> Agreement | Milestone:
        return self.dependent_agreement or self.dependent_milestone

    @property
    def prerequisite(self) -> Agreement | Milestone:
        return self.prerequisite_agreement or self.prerequisite_milestone
