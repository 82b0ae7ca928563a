"""The follow-up work on an agreement: milestones, progress updates, documents, and the log of
status changes."""
from __future__ import annotations

import datetime
import secrets
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models.agreement import Agreement, Health, Status


class MilestoneQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date) -> "MilestoneQuerySet":
        """Planned and due before today: derived, never stored."""
        return self.filter(state=Milestone.State.PLANNED, due_on__lt=today)

    def due_within(self, today: datetime.date, days: int) -> "MilestoneQuerySet":
        return self.filter(state=Milestone.State.PLANNED, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days))


class Milestone(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        WAIVED = "waived", _("Waived")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("agreement")
    )
    title = models.CharField(_("title"), max_length=300)
    due_on = models.DateField(_("due on"))
    owner = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="milestones",
        verbose_name=_("owner"), help_text=_("Defaults to the agreement's owner."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    waiver_reason = models.TextField(_("waiver reason"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How much of the agreement this milestone is, relative to the others (1 to 100; all 1: equal)."))
    needs_counterpart_confirmation = models.BooleanField(
        _("needs the counterpart's confirmation"), default=False,
        help_text=_("When it is marked done, the agreement's focal points are asked to confirm it."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["planned", "done", "waived"]), name="milestone_state_valid"),
            # A done date exactly when done.
            models.CheckConstraint(
                condition=(Q(state="done") & Q(done_on__isnull=False)) | (~Q(state="done") & Q(done_on__isnull=True)),
                name="milestone_done_on_iff_done",
            ),
            models.CheckConstraint(
                condition=~Q(state="waived") | ~Q(waiver_reason=""), name="milestone_waiver_has_reason"
            ),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=100), name="milestone_weight_1_100"),
        ]
        indexes = [
            models.Index(fields=["state", "due_on"], name="milestone_state_due"),
            models.Index(fields=["owner", "state", "due_on"], name="milestone_owner_state_due"),
            # Per-agreement summaries of the lists and My work (overdue count, next milestone): one
            # index range per row instead of reading all its milestones (workspace.with_milestone_summary).
            models.Index(fields=["agreement", "state", "due_on"], name="milestone_agreement_state_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if self.owner_id is None and self.agreement_id is not None:
            self.owner_id = Agreement.objects.filter(pk=self.agreement_id).values_list("owner_id", flat=True).first()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.state == self.State.DONE and not self.done_on:
            errors["done_on"] = _("Give the date the milestone was done.")
        if self.state != self.State.DONE and self.done_on:
            errors["done_on"] = _("Only a done milestone has a done date.")
        if self.state == self.State.WAIVED and not self.waiver_reason.strip():
            errors["waiver_reason"] = _("Say why the milestone is waived.")
        if errors:
            raise ValidationError(errors)

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.state == self.State.PLANNED and self.due_on < (today or timezone.localdate())


class ProgressUpdate(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="updates", verbose_name=_("agreement")
    )
    author = models.ForeignKey("User", on_delete=models.PROTECT, related_name="progress_updates", verbose_name=_("author"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, db_index=True)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    health = models.CharField(_("health"), max_length=10, choices=Health.choices[1:])
    summary = models.TextField(_("what happened"))
    next_steps = models.TextField(_("next steps"), blank=True)
    # What the data suggested when this update was posted (agreements.health), and the author's
    # reason when they reported a better health than that.
    suggested_health = models.CharField(_("health the data suggested"), max_length=10, choices=Health.choices,
                                        blank=True)
    health_reason = models.TextField(_("why the health is better than the data suggests"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="update_percent_0_100"),
            models.CheckConstraint(
                condition=Q(health__in=["on_track", "at_risk", "off_track"]), name="update_health_valid"
            ),
        ]
        indexes = [models.Index(fields=["agreement", "-created_at"], name="update_agreement_latest")]

    def __str__(self) -> str:
        return f"{self.agreement.reference} {self.created_at:%Y-%m-%d}"


def new_token() -> str:
    return secrets.token_hex(16)


# The extension of a stored or downloaded document, from its detected type (agreements.actions.documents).
DOCUMENT_EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


def document_path(instance: "Document", filename: str) -> str:
    # The original name is kept in a field for display; the stored name carries no user text,
    # and its extension is the detected type's, never the uploader's (`x.html` starting with %PDF).
    extension = DOCUMENT_EXTENSIONS.get(instance.content_type, "")
    return f"agreements/{instance.agreement_id}/{timezone.now():%Y%m}/{instance.stored_token}{extension}"


class Document(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="documents", verbose_name=_("agreement")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    stored_token = models.CharField(max_length=64, default=new_token, editable=False)
    uploaded_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The name a download is saved under: the original name's stem and the extension of the
        detected type, so the reader's machine opens it as what it is (a .pdf, not a .html)."""
        stem = PurePath(self.original_name.replace("\\", "/")).stem.strip() or "document"
        return stem + DOCUMENT_EXTENSIONS.get(self.content_type, "")


class TransitionLog(models.Model):
    """One row per status change: the audit trail of the workflow (never edited)."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("agreement")
    )
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transition log")
        indexes = [models.Index(fields=["agreement", "-at"], name="transition_agreement_latest")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.from_status or '∅'} → {self.to_status}"
