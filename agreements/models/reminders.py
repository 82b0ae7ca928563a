"""Reminders (DESIGN.md, "Reminders"): the policy that says when they go out, and one row per
reminder decided — the source of truth for delivery."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import Agreement
from agreements.models.work import Milestone


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
    # The honest-health rule (agreements.health): what the data says about an open agreement.
    health_overdue_at_risk_days = models.PositiveSmallIntegerField(
        _("suggest at risk: a milestone overdue by (days)"), default=1, validators=[MinValueValidator(1)])
    health_overdue_off_track_days = models.PositiveSmallIntegerField(
        _("suggest off track: a milestone overdue by (days)"), default=60, validators=[MinValueValidator(1)])
    health_slip_at_risk_days = models.PositiveSmallIntegerField(
        _("suggest at risk: milestones moved later by (days in total)"), default=60, validators=[MinValueValidator(1)],
        help_text=_("Slippage: how much later the open and done milestones are due than first planned, added up."))
    health_slip_off_track_days = models.PositiveSmallIntegerField(
        _("suggest off track: milestones moved later by (days in total)"), default=180,
        validators=[MinValueValidator(1)])
    health_stage_at_risk_days = models.PositiveSmallIntegerField(
        _("suggest at risk: a stage behind its planned date by (days)"), default=1, validators=[MinValueValidator(1)])
    health_stage_off_track_days = models.PositiveSmallIntegerField(
        _("suggest off track: a stage behind its planned date by (days)"), default=90,
        validators=[MinValueValidator(1)])
    confirmation_link_days = models.PositiveSmallIntegerField(
        _("confirmation link valid for (days)"), default=14, validators=[MinValueValidator(1)],
        help_text=_("How long the link asking a focal point to confirm or dispute keeps working."))
    confirmation_repeat_days = models.PositiveSmallIntegerField(
        _("unanswered confirmation: remind every (days)"), default=3, validators=[MinValueValidator(1)])
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
    CONFIRMATION_REQUEST = "confirmation", _("Confirmation asked")
    CONFIRMATION_WAITING = "confirmation_waiting", _("Confirmation not yet answered")


CONFIRMATION_KINDS = (ReminderKind.CONFIRMATION_REQUEST, ReminderKind.CONFIRMATION_WAITING)


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
    never sent is found again by the dispatcher (agreements.reminders.delivery).
    """

    Kind = ReminderKind
    State = ReminderState

    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # A user, or — for a confirmation — a focal point, who may be a contact without an account
    # (then `recipient` is empty and the key names the focal point).
    recipient = models.ForeignKey(
        "User", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
        verbose_name=_("recipient"))
    focal_point = models.ForeignKey(
        "FocalPoint", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
        verbose_name=_("focal point"))
    confirmation = models.ForeignKey(
        "Confirmation", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
        verbose_name=_("confirmation"))
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
            models.CheckConstraint(condition=Q(recipient__isnull=False) | Q(focal_point__isnull=False),
                                   name="reminder_has_recipient"),
            models.CheckConstraint(condition=~Q(kind__in=CONFIRMATION_KINDS) | Q(confirmation__isnull=False),
                                   name="reminder_confirmation_kind_names_it"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="reminder_pending"),
            models.Index(fields=["state", "claimed_until"], name="reminder_claims"),
            models.Index(fields=["claim_token"], name="reminder_claim_token"),
        ]

    def __str__(self) -> str:
        to = self.recipient_id or f"f{self.focal_point_id}"
        return f"{self.get_kind_display()} → {to} ({self.get_state_display()})"


class AcknowledgementVia(models.TextChoices):
    LINK = "link", _("Link in an e-mail")
    APP = "app", _("In the tracker")


class Acknowledgement(models.Model):
    """"I'm on it": the owner of an overdue milestone says when it will be done, and why it is late.

    One per milestone and due date (the unique constraint is the single-use guard of the e-mailed
    link: a second use, or two clicks at once, cannot insert a second row). While `expected_on` has
    not passed, the overdue reminders and the managers' escalation pause; once it has, with the
    milestone still planned on the same due date, the managers are told at once ("a second slip",
    agreements.reminders.deciding). Moving the due date starts afresh: a new date, a new row.
    """

    Via = AcknowledgementVia

    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("milestone"))
    by = models.ForeignKey(
        "User", on_delete=models.PROTECT, related_name="acknowledgements", verbose_name=_("by"))
    due_on = models.DateField(_("acknowledged due date"), help_text=_("The due date that had passed."))
    expected_on = models.DateField(_("new expected date"))
    sentence = models.TextField(_("what is happening"), max_length=500)
    via = models.CharField(_("via"), max_length=4, choices=AcknowledgementVia.choices)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["milestone", "due_on"], name="acknowledgement_once_per_due_date"),
            models.CheckConstraint(condition=Q(expected_on__gt=models.F("due_on")),
                                   name="acknowledgement_expected_after_due"),
            models.CheckConstraint(condition=~Q(sentence=""), name="acknowledgement_has_sentence"),
            models.CheckConstraint(condition=Q(via__in=AcknowledgementVia.values), name="acknowledgement_via_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id} @ {self.due_on} → {self.expected_on}"
