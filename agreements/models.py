"""The nouns of the tracker (see DESIGN.md, "Domain model").

Integrity lives in the database (constraints), not only in forms. Status is written by
`agreements.workflow` only; visibility is decided by `agreements.policy`.
"""
from __future__ import annotations

import datetime
import secrets
import zoneinfo
from pathlib import PurePath

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class User(AbstractUser):
    """A person signing in. Roles are Django groups (see `agreements.roles`)."""

    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    notify_stale = models.BooleanField(_("remind me of agreements without updates"), default=True)
    notify_digest = models.BooleanField(_("send me the weekly digest"), default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Organization(models.Model):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry or government body")
        AGENCY = "agency", _("Agency")
        COMPANY = "company", _("Company")
        BANK = "bank", _("Bank or financial institution")
        UNIVERSITY = "university", _("University or research institute")
        HOSPITAL = "hospital", _("Hospital or medical centre")
        INTERNATIONAL = "international", _("International body")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    country = CountryField(_("country"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    sector = models.CharField(_("sector"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="organization_unique_name_country")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"


class Pillar(models.Model):
    """Reference data (seeded by a data migration, editable in the admin)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self) -> str:
        return self.name


class FocusArea(models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="focus_areas", verbose_name=_("pillar"))
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["pillar__position", "position", "name"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    PENDING_CLOSURE = "pending_closure", _("Pending closure")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


OPEN_STATUSES = (Status.DRAFT, Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD, Status.PENDING_CLOSURE)
CLOSED_STATUSES = (Status.COMPLETED, Status.TERMINATED)


class Health(models.TextChoices):
    UNKNOWN = "unknown", _("Not reported")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")


class AgreementKind(models.TextChoices):
    MOU = "mou", _("Memorandum of understanding")
    MOC = "moc", _("Memorandum of cooperation")
    EXCHANGE_OF_NOTES = "exchange_of_notes", _("Exchange of notes")
    GRANT = "grant", _("Grant agreement")
    LOAN = "loan", _("Loan agreement")
    SUPPLY = "supply", _("Supply/offtake contract")
    COMMERCIAL = "commercial", _("Commercial contract")
    JOINT_VENTURE = "joint_venture", _("Joint venture agreement")
    FRAMEWORK = "framework", _("Framework agreement")
    ROADMAP = "roadmap", _("Roadmap")
    TREATY = "treaty", _("Treaty/convention")
    JOINT_STATEMENT = "joint_statement", _("Joint statement/declaration")
    OTHER = "other", _("Other")

class Confidentiality(models.TextChoices):
    INTERNAL = "internal", _("Internal (every signed-in user)")
    RESTRICTED = "restricted", _("Restricted (owner, team and managers)")


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AgreementQuerySet":
        from agreements import policy

        return policy.visible_agreements(user, self)

    def open(self) -> "AgreementQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Agreement(models.Model):
    Kind = AgreementKind
    Confidentiality = Confidentiality

    reference = models.CharField(_("reference"), max_length=32, unique=True, help_text=_("For example CAJ-2025-017."))
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MOU)
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("pillar"))
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="agreements", verbose_name=_("focus areas"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_at = models.CharField(_("signed at"), max_length=100, blank=True, help_text=_("Place of signature."))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. JPY."))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Written only by agreements.workflow.
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now, editable=False)
    closure_requested_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Set by the latest progress update (agreements.progress.record_progress).
    health = models.CharField(_("health"), max_length=10, choices=Health.choices, default=Health.UNKNOWN, editable=False)
    percent_complete = models.PositiveSmallIntegerField(_("percent complete"), default=0, editable=False)
    last_progress_at = models.DateTimeField(_("last progress update"), null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        "User", on_delete=models.PROTECT, null=True, blank=True, related_name="owned_agreements", verbose_name=_("owner")
    )
    team = models.ManyToManyField("User", blank=True, related_name="team_agreements", verbose_name=_("team"))
    lead_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="led_agreements",
        verbose_name=_("lead organization"),
    )
    confidentiality = models.CharField(
        _("confidentiality"), max_length=10, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    # Optimistic concurrency: every save that edits the agreement bumps it (see agreements.editing).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[focus_areas, team], excluded_fields=["updated_at"])
    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="agreement_status_valid"),
            models.CheckConstraint(condition=Q(health__in=Health.values), name="agreement_health_valid"),
            models.CheckConstraint(condition=Q(kind__in=AgreementKind.values), name="agreement_kind_valid"),
            models.CheckConstraint(
                condition=Q(confidentiality__in=Confidentiality.values), name="agreement_confidentiality_valid"
            ),
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="agreement_percent_0_100"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="agreement_value_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(signed_on__isnull=True) | Q(end_date__gte=models.F("signed_on")),
                name="agreement_ends_after_signature",
            ),
            # A signed agreement has a signature date; drafts may not have one yet, and a draft
            # abandoned before signature is terminated without one.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "terminated"]) | Q(signed_on__isnull=False),
                name="agreement_signed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "pillar"], name="agreement_status_pillar"),
            models.Index(fields=["health"], name="agreement_health"),
            models.Index(fields=["signed_on"], name="agreement_signed_on"),
            models.Index(fields=["confidentiality", "owner"], name="agreement_visibility"),
            models.Index(fields=["status", "last_progress_at"], name="agreement_staleness"),
            # The dashboard's "at risk" table in its order (off track first, oldest update first):
            # its first rows straight from the index, no sort of thousands (reports.at_risk_agreements).
            models.Index(fields=["-health", "last_progress_at", "reference"], name="agreement_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("agreement-detail", args=[self.reference])

    def clean(self) -> None:
        errors = {}
        if self.currency:
            self.currency = self.currency.strip().upper()
            if len(self.currency) != 3 or not self.currency.isalpha():
                errors["currency"] = _("Use the three-letter ISO 4217 code, e.g. JPY or USD.")
        if self.value is not None and not self.currency:
            errors["currency"] = _("Give the currency of the value (e.g. JPY).")
        if not self.signed_on and self.status not in (Status.DRAFT, Status.TERMINATED):
            errors["signed_on"] = _("A signed agreement needs its date of signature.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def iati_status(self) -> int:
        """IATI activity-status code, for publishing in the standard donors use."""
        return IATI_ACTIVITY_STATUS[self.status]


IATI_ACTIVITY_STATUS = {
    Status.DRAFT: 1, Status.SIGNED: 1, Status.IN_PROGRESS: 2, Status.PENDING_CLOSURE: 3,
    Status.COMPLETED: 4, Status.TERMINATED: 5, Status.ON_HOLD: 6,
}


class Party(models.Model):
    class Role(models.TextChoices):
        SIGNATORY = "signatory", _("Signatory")
        IMPLEMENTING = "implementing", _("Implementing partner")
        FINANCIER = "financier", _("Financier")
        GUARANTOR = "guarantor", _("Guarantor")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties", verbose_name=_("agreement"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="parties", verbose_name=_("organization")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SIGNATORY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization", "role"], name="party_unique_role"),
            models.CheckConstraint(condition=Q(role__in=["signatory", "implementing", "financier", "guarantor"]), name="party_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.get_role_display()}"


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


# The extension of a stored or downloaded document, from its detected type (agreements.documents).
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


# --- Reminders (DESIGN.md, "Reminders") ----------------------------------------------------

def parse_day_list(value: str) -> list[int]:
    """'14, 7, 1' → [14, 7, 1] (largest first); raises ValueError on anything else."""
    days = sorted({int(part) for part in value.replace(";", ",").split(",") if part.strip()}, reverse=True)
    if not days or any(day < 1 or day > 365 for day in days):
        raise ValueError(value)
    return days


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReminderPolicy(models.Model):
    """When reminders go out: one row, edited in the admin, read by every sweep.

    Without a row the defaults below apply (`current()` never writes, so a dry run and the
    agreement list can read it freely). Beat only needs a static schedule: the sweep it
    triggers reads this row each time, so an edit takes effect at the next sweep.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    active = models.BooleanField(
        _("send reminders"), default=True,
        help_text=_("Untick to pause every reminder and digest (e.g. during a data migration)."))
    due_soon_days = models.CharField(
        _("milestone due soon: days before"), max_length=60, default="14, 7, 1",
        help_text=_("Comma-separated, e.g. “14, 7, 1”: one reminder as each is reached."))
    overdue_repeat_days = models.PositiveSmallIntegerField(
        _("overdue milestone: repeat every (days)"), default=7, validators=[MinValueValidator(1)],
        help_text=_("The first reminder goes the day after the due date."))
    escalation_days = models.PositiveSmallIntegerField(
        _("overdue milestone: copy the managers from (days overdue)"), default=14, validators=[MinValueValidator(1)])
    stale_days = models.PositiveSmallIntegerField(
        _("agreement stale after (days without a progress update)"), default=30, validators=[MinValueValidator(1)],
        help_text=_("Also the “no update” filter of the agreement list and the reports."))
    stale_repeat_days = models.PositiveSmallIntegerField(
        _("stale agreement: repeat every (days)"), default=14, validators=[MinValueValidator(1)])
    closure_waiting_days = models.PositiveSmallIntegerField(
        _("closure waiting for approval after (days)"), default=3, validators=[MinValueValidator(1)])
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest on"), choices=Weekday.choices, default=Weekday.MONDAY)
    local_hour = models.PositiveSmallIntegerField(
        _("local hour"), default=9, validators=[MaxValueValidator(23)],
        help_text=_("Reminders and the digest go out from this hour, in each recipient's own time zone."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="reminder_policy_single_row"),
            models.CheckConstraint(condition=Q(local_hour__lte=23), name="reminder_policy_hour_0_23"),
            models.CheckConstraint(condition=Q(digest_weekday__lte=6), name="reminder_policy_weekday_0_6"),
        ]

    def __str__(self) -> str:
        return str(_("Reminder policy"))

    @classmethod
    def current(cls) -> "ReminderPolicy":
        """The saved policy, or the defaults when nobody has saved one yet."""
        return cls.objects.filter(pk=cls.SINGLETON_ID).first() or cls()

    def clean(self) -> None:
        try:
            parse_day_list(self.due_soon_days)
        except ValueError:
            raise ValidationError(
                {"due_soon_days": _("Give whole numbers of days between 1 and 365, e.g. “14, 7, 1”.")}) from None

    @property
    def starts_at(self) -> datetime.time:
        """The local time reminders go out from (what the preferences page and e-mails state)."""
        return datetime.time(self.local_hour)

    @property
    def lead_days(self) -> list[int]:
        """The due-soon thresholds, largest first (the defaults if the stored text is unreadable)."""
        try:
            return parse_day_list(self.due_soon_days)
        except ValueError:
            return [14, 7, 1]


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Milestone due soon")
    OVERDUE = "overdue", _("Milestone overdue")
    ESCALATION = "escalation", _("Overdue milestone (managers copied)")
    STALE = "stale", _("Agreement without update")
    CLOSURE_WAITING = "closure_waiting", _("Closure waiting for approval")
    DIGEST = "digest", _("Weekly digest")


class ReminderState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Reminder(models.Model):
    """One reminder the sweep decided to send: the source of truth for e-mail delivery.

    The unique `key` (kind, subject, its date, threshold or repeat number, recipient) is
    what makes reminders exactly-once: a second sweep, or two beats at once, cannot insert
    the same reminder twice. Celery messages only wake the sender; a row that was queued but
    never sent is found again by the dispatcher (agreements.delivery).
    """

    Kind = ReminderKind
    State = ReminderState

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        "User", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("recipient"))
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
        verbose_name=_("agreement"))
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
        verbose_name=_("milestone"))
    # The date the reminder is about (due date, last update, closure request, digest week):
    # if it has changed by the time of sending, the reminder is moot and is cancelled.
    subject_date = models.DateField(_("about the date"), null=True, blank=True)
    threshold = models.IntegerField(
        _("days"), default=0, help_text=_("Days before or after the date that triggered it."))
    run_id = models.UUIDField(_("sweep"), db_index=True, help_text=_("Reminders decided by the same sweep."))
    state = models.CharField(_("state"), max_length=10, choices=ReminderState.choices, default=ReminderState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=ReminderState.values), name="reminder_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="reminder_sent_has_time"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="reminder_pending"),
            models.Index(fields=["state", "claimed_until"], name="reminder_claims"),
            models.Index(fields=["claim_token"], name="reminder_claim_token"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.get_state_display()})"


class DataVersion(models.Model):
    """One row whose token changes, in the same transaction, with every write to the tables the
    reports read — written by database triggers (migration 0005), so bulk imports, conditional
    UPDATEs and the admin all count without any code remembering to. A cached dashboard is keyed
    on the token (agreements/report_cache.py): after any committed change no request finds it."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("data version")
