"""What the tracker hands to other systems: the focus areas' OECD DAC sector codes for the IATI
export (agreements.interop.iati), and the secret calendar feeds people subscribe to
(agreements.interop.calendars)."""
from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models.reference import FocusArea, Pillar


class SectorCode(models.Model):
    """A focus area's OECD DAC 5-digit purpose code (IATI sector vocabulary 1); editable in the
    admin, seeded with sensible defaults by migration 0012."""

    focus_area = models.OneToOneField(FocusArea, on_delete=models.CASCADE, related_name="sector_code",
                                      verbose_name=_("focus area"))
    code = models.CharField(_("OECD DAC sector code"), max_length=5,
                            validators=[RegexValidator(r"^\d{5}$", _("Five digits, e.g. 23210."))],
                            help_text=_("The 5-digit purpose code published to IATI, e.g. 23210."))

    class Meta:
        ordering = ["focus_area__pillar__position", "focus_area__position"]
        verbose_name = _("IATI sector code")
        verbose_name_plural = _("IATI sector codes")

    def __str__(self) -> str:
        return f"{self.focus_area} → {self.code}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret URL a calendar app subscribes to (calendar apps cannot sign in). Only the SHA-256
    of the secret is stored: the URL is shown once, when it is made. The feed answers for its
    owner's rights as they are at each fetch (agreements.interop.calendars), never as they were."""

    class Scope(models.TextChoices):
        MINE = "mine", _("My milestones")
        PILLAR = "pillar", _("Open milestones of one pillar")
        ALL = "all", _("All open milestones")

    owner = models.ForeignKey("User", on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("owner"))
    scope = models.CharField(_("what it shows"), max_length=10, choices=Scope.choices, default=Scope.MINE)
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name=_("pillar"))
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last read"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=["mine", "pillar", "all"]), name="calendarfeed_scope_valid"),
            models.CheckConstraint(
                condition=Q(scope="pillar", pillar__isnull=False) | (~Q(scope="pillar") & Q(pillar__isnull=True)),
                name="calendarfeed_pillar_iff_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} — {self.describe()}"

    def describe(self) -> str:
        if self.scope == self.Scope.PILLAR and self.pillar_id:
            return str(_("Open milestones of %(pillar)s") % {"pillar": self.pillar})
        return str(self.get_scope_display())

    def clean(self) -> None:
        if self.scope == self.Scope.PILLAR and not self.pillar_id:
            raise ValidationError({"pillar": _("Choose the pillar.")})

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, owner, scope: str, pillar: Pillar | None = None) -> tuple["CalendarFeed", str]:
        """A new feed and its secret (returned once, never stored)."""
        secret = secrets.token_urlsafe(32)
        feed = cls.objects.create(owner=owner, scope=scope, pillar=pillar if scope == cls.Scope.PILLAR else None,
                                  secret_hash=hash_secret(secret))
        return feed, secret
