"""The data version the dashboard cache is keyed on (agreements.data_version keeps its triggers)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """One row whose token changes, in the same transaction, with every write to the tables the
    reports read — written by database triggers (migration 0005), so bulk imports, conditional
    UPDATEs and the admin all count without any code remembering to. A cached dashboard is keyed
    on the token (agreements/reports/cache.py): after any committed change no request finds it."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("data version")
