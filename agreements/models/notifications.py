"""In-app notifications: the reminders a person was sent, readable in the tracker too, so a
person whose mail is filtered (or bounced) still sees them.

One row per reminder that went out (`reminder` is unique), written by
agreements.reminders.delivery in the same transaction that records the reminder as sent (or as
failed for good: then the app is the only way it reaches its recipient). The row keeps what the
e-mail said — the numbers and names as of sending — and the sentence is composed when the page
is rendered, in the reader's language of the day, from the same templates as the e-mail.
"""
from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import Agreement
from agreements.models.reminders import Reminder, ReminderKind
from agreements.models.work import Milestone


class Notification(models.Model):
    recipient = models.ForeignKey(
        "User", on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"))
    reminder = models.OneToOneField(
        Reminder, on_delete=models.CASCADE, related_name="notification", verbose_name=_("reminder"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
        verbose_name=_("agreement"))
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications",
        verbose_name=_("milestone"))
    days = models.IntegerField(_("days"), default=0)  # "in 7 days", "9 days overdue", as when it was sent
    about = models.DateField(_("about the date"), null=True, blank=True)  # the due date or "since", as sent
    # What else the sentence names, as sent: the milestone's title, its owner, who requested the
    # closure, whether the agreement never had an update; the digest's counts and week.
    facts = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ReminderKind.values), name="notification_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"

    # What the shared sentence templates (templates/emails/_sentence.html) read, as the e-mail's items do.
    @property
    def title(self) -> str:
        return self.facts.get("title", "")

    @property
    def due_on(self) -> datetime.date | None:
        return self.about

    @property
    def since(self) -> datetime.date | None:
        return self.about

    @property
    def owner_name(self) -> str:
        return self.facts.get("owner", "")

    @property
    def requested_by(self) -> str:
        return self.facts.get("requested_by", "")

    @property
    def from_signature(self) -> bool:
        return bool(self.facts.get("from_signature"))

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
