"""The home page of data entry staff: what the records they keep are missing, each gap a count that
opens the list filtered to it, beside the doors of their day (add, import, the reminder log).

One aggregate query for every count, whatever the number of agreements."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from agreements import policy
from agreements.filters import QUALITY_CHOICES, RECORD_GAPS, quality_q
from agreements.models import User


@dataclass(frozen=True)
class Gap:
    code: str
    label: str
    count: int


def gaps(user: User) -> list[Gap]:
    """The record's gaps first (signature date, value, parties), then the follow-up's."""
    choices = RECORD_GAPS + QUALITY_CHOICES
    counts = policy.visible_agreements(user).aggregate(
        **{code: Count("pk", filter=quality_q(code)) for code, _label in choices})
    return [Gap(code, str(label), counts[code]) for code, label in choices]
