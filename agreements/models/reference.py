"""Reference data: organizations, and the initiative's pillars and focus areas (seeded by a
data migration, editable in the admin)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


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
