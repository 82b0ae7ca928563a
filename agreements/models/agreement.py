"""The agreement and its parties, with the codes of its status, health, kind and confidentiality.
`status` is written by agreements.workflow only."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models.reference import FocusArea, Organization, Pillar


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
    # Chosen per agreement by data entry staff or managers; never the default.
    PUBLIC = "public", _("Public (every signed-in user, and the public progress page)")


class PercentFrom(models.TextChoices):
    OFFICER = "officer", _("The officer's figure (with each progress update)")
    MILESTONES = "milestones", _("The milestones done, by weight")


class Origin(models.TextChoices):
    """Where an agreement's record comes from (issue 16): the public record of the summit, an
    earlier agreement of the wider cooperation, or an illustrative stand-in of the demo."""

    SUMMIT = "summit", _("Summit record")
    BEFORE = "before", _("Before the summit")
    ILLUSTRATIVE = "illustrative", _("Illustrative")


class Confidence(models.TextChoices):
    """How sure the record is, as the sources allow (public_record.md: high, medium, low)."""

    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class DatePrecision(models.TextChoices):
    """How exact `signed_on` is: a range or a month is stored as its first day."""

    DAY = "", _("Exact day")
    RANGE = "range", _("A range of days")
    MONTH = "month", _("A month")


class AgreementQuerySet(models.QuerySet):
    """Reusable filters. What a user may see is agreements.policy.visible_agreements (the policy
    sits above the models and asks them, never the other way)."""

    def open(self) -> "AgreementQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Agreement(models.Model):
    Kind = AgreementKind
    Confidentiality = Confidentiality
    PercentFrom = PercentFrom
    Origin = Origin
    Confidence = Confidence
    DatePrecision = DatePrecision

    reference = models.CharField(_("reference"), max_length=32, unique=True, help_text=_("For example CAJ-2025-017."))
    title = models.CharField(_("title"), max_length=300)
    # The title as signed (any language) stays `title`; these are optional translations data entry
    # staff may add, shown to readers of that language (`display_title`).
    title_ru = models.CharField(_("title in Russian"), max_length=300, blank=True)
    title_ja = models.CharField(_("title in Japanese"), max_length=300, blank=True)
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
    percent_from = models.CharField(
        _("percent complete from"), max_length=10, choices=PercentFrom.choices, default=PercentFrom.OFFICER,
        help_text=_("Where the agreement's percent comes from: the officer's figure, or its milestones done "
                    "(weighted; waived milestones left out)."))
    # The record's provenance (issue 16): its sources are SourceLink rows (agreements.models.record).
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices, default=Origin.SUMMIT,
                              help_text=_("Illustrative agreements stand in for documents whose titles are not public."))
    confidence = models.CharField(_("confidence"), max_length=6, choices=Confidence.choices, blank=True,
                                  help_text=_("How well the sources support the record."))
    date_precision = models.CharField(_("date precision"), max_length=5, choices=DatePrecision.choices, blank=True,
                                      default=DatePrecision.DAY)
    date_as_reported = models.CharField(_("date as reported"), max_length=40, blank=True,
                                        help_text=_("The date as the sources give it, when it is a range or a month."))
    # Optimistic concurrency: every save that edits the agreement bumps it (see agreements.actions.editing).
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
            models.CheckConstraint(condition=Q(origin__in=Origin.values), name="agreement_origin_valid"),
            models.CheckConstraint(condition=Q(confidence__in=["", *Confidence.values]), name="agreement_confidence_valid"),
            models.CheckConstraint(condition=Q(percent_complete__lte=100), name="agreement_percent_0_100"),
            models.CheckConstraint(condition=Q(percent_from__in=PercentFrom.values), name="agreement_percent_from_valid"),
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
    def display_title(self) -> str:
        """The title in the reader's language when data entry staff gave one, else as signed."""
        language = (translation.get_language() or "").split("-")[0]
        translated = getattr(self, f"title_{language}", "") if language in ("ru", "ja") else ""
        return translated or self.title

    @property
    def date_note(self) -> str:
        """What the stored date of signature stands for when the sources give no exact day."""
        reported = self.date_as_reported
        if not reported:
            return ""
        if "planned" in reported:
            return translation.gettext("Planned for %(reported)s; the signature is not confirmed.") % {
                "reported": reported}
        if self.date_precision == DatePrecision.RANGE:
            return translation.gettext("Given as %(reported)s, a range of days: the first day is stored.") % {
                "reported": reported}
        return translation.gettext("Given as %(reported)s, a month only: its first day is stored.") % {
            "reported": reported}

    @property
    def is_illustrative(self) -> bool:
        return self.origin == Origin.ILLUSTRATIVE

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
