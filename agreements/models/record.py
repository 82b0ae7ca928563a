"""The public record (issue 16): the sources an agreement's record rests on, and the facts of the
summit that are not agreements (counts and totals the sources report)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from agreements.models.agreement import Agreement, Confidence


class SourceLink(models.Model):
    """A public page the agreement's record is taken from: a citation, not a verified link."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="sources", verbose_name=_("agreement"))
    url = models.URLField(_("address"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["agreement", "position", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [models.UniqueConstraint(fields=["agreement", "url"], name="source_unique_url")]

    def __str__(self) -> str:
        return self.title or self.url


class PublicFact(models.Model):
    """A count or total the sources report about the summit (an aggregate row of the public
    record): shown on the dashboard beside what the tracker records, never counted as agreements."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    text = models.CharField(_("text"), max_length=300)
    country = CountryField(_("country"), blank=True, help_text=_("Empty for the summit as a whole."))
    documents = models.PositiveIntegerField(_("documents"), null=True, blank=True,
                                            help_text=_("The number of documents reported, if any."))
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    reported_by = models.CharField(_("reported by"), max_length=120, blank=True)
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    source_title = models.CharField(_("source title"), max_length=300, blank=True)
    confidence = models.CharField(_("confidence"), max_length=6, choices=Confidence.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("public fact")
        verbose_name_plural = _("public facts")

    def __str__(self) -> str:
        return self.text
