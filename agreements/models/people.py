"""People who sign in: a user, their language, time zone and the e-mails they opted into.
Roles are Django groups (agreements.policy.Role)."""
from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class User(AbstractUser):
    """A person signing in. Roles are Django groups (see `agreements.roles`)."""

    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    # A code of settings.LANGUAGES (not choices here, so adding a language needs no migration);
    # blank until the person signs in for the first time, when the browser's language is taken.
    language = models.CharField(
        _("language"), max_length=16, blank=True,
        help_text=_("The language of the pages and of the e-mails this person receives."))
    notify_stale = models.BooleanField(_("remind me of agreements without updates"), default=True)
    notify_digest = models.BooleanField(_("send me the weekly digest"), default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def reads(self) -> str:
        """The language to address this person in: theirs, else the site's."""
        codes = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in codes else settings.LANGUAGE_CODE


class SavedView(models.Model):
    """A person's named filter of the agreement list ("my views"): the list's query string, kept as
    the list's URL parameters are (DESIGN.md, "URLs"), so a view opens exactly what was saved."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_per_user")]

    def __str__(self) -> str:
        return self.name
