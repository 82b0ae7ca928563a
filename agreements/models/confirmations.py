"""Both sides confirm (issue 19): each agreement's focal points on the Japanese and the Central
Asian side, and every confirmation asked of them — of a milestone marked done, or of a closure
request — with its answer. The Confirmation rows are the log; the link that answers one is signed,
expires (`expires_at`) and is single-use (`answered_at`: a second answer finds it set)."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.agreement import Agreement
from agreements.models.work import Milestone


class Side(models.TextChoices):
    JAPANESE = "japanese", _("Japanese side")
    CENTRAL_ASIAN = "central_asian", _("Central Asian side")


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class FocalPoint(models.Model):
    """Who confirms for one side of an agreement: a user of the tracker, or a named contact with an
    e-mail address (no account: they answer through the link they are sent). One per side."""

    Side = Side

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="focal_points",
                                  verbose_name=_("agreement"))
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    user = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="focal_points",
                             verbose_name=_("user"), help_text=_("A user of the tracker, or leave empty and give a "
                                                                 "name and e-mail address."))
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    # A code of settings.LANGUAGES, as User.language (no choices here: a new language needs no migration).
    language = models.CharField(_("language"), max_length=16, blank=True,
                                help_text=_("The language of the e-mails a contact receives."))
    organization = models.ForeignKey("Organization", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("organization"))

    class Meta:
        ordering = ["agreement", "side"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "side"], name="focal_point_one_per_side"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="focal_point_side_valid"),
            # A user, or a contact's name and address — exactly one of the two.
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(name="") & Q(email=""))
                | (Q(user__isnull=True) & ~Q(name="") & ~Q(email="")),
                name="focal_point_user_or_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_side_display()})"

    def clean(self) -> None:
        if self.user_id and (self.name or self.email):
            raise ValidationError(_("Choose a user or give a contact's name and e-mail address, not both."))
        if not self.user_id and not (self.name.strip() and self.email.strip()):
            raise ValidationError(_("Choose a user, or give the contact's name and e-mail address."))

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.name

    @property
    def address(self) -> str:
        return self.user.email if self.user_id else self.email

    @property
    def reads(self) -> str:
        """The language of their e-mails and of the link's page: the user's, or the contact's stated one."""
        if self.user_id:
            return self.user.reads
        codes = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in codes else settings.LANGUAGE_CODE


class Answer(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")


class Confirmation(models.Model):
    """One confirmation asked of a focal point: of `milestone` (done), or — without a milestone — of
    the closure request made at `asked_at`. Never deleted: the agreement page shows the log."""

    Answer = Answer

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations",
                                  verbose_name=_("agreement"))
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="confirmations", verbose_name=_("milestone"))
    # RESTRICT: the log outlives no focal point, and no focal point goes while it has a log (the
    # admin says so), except with its agreement. Replacing the person is an edit of the row, which the
    # address asked (`sent_to`) tells apart: their old link stops working (policy.may_answer_confirmation).
    focal_point = models.ForeignKey(FocalPoint, on_delete=models.RESTRICT, related_name="confirmations",
                                    verbose_name=_("focal point"))
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)  # kept if the focal point changes side
    sent_to = models.EmailField(_("asked at the address"), blank=True)
    asked_by = models.ForeignKey("User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("asked by"))
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires at"))
    # Part of the signed link: a link signed for another nonce (an earlier request) does not open this one.
    nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        constraints = [
            models.CheckConstraint(condition=Q(answer="") | Q(answer__in=Answer.values),
                                   name="confirmation_answer_valid"),
            models.CheckConstraint(condition=Q(answer="", answered_at__isnull=True)
                                   | (~Q(answer="") & Q(answered_at__isnull=False)),
                                   name="confirmation_answered_at_iff_answer"),
            models.CheckConstraint(condition=~Q(answer="disputed") | ~Q(comment=""),
                                   name="confirmation_dispute_has_comment"),
        ]
        indexes = [models.Index(fields=["agreement", "-asked_at"], name="confirmation_agreement_latest"),
                   models.Index(fields=["answer", "expires_at"], name="confirmation_open")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.milestone_id or 'closure'} → {self.focal_point_id}"

    @property
    def is_closure(self) -> bool:
        return self.milestone_id is None

    def is_expired(self, now=None) -> bool:
        return not self.answer and (now or timezone.now()) >= self.expires_at

    def status(self, now=None) -> str:
        """"confirmed", "disputed", "expired" or "waiting" (what the page shows)."""
        return self.answer or ("expired" if self.is_expired(now) else "waiting")
