"""Reported versus suggested health: the open agreements whose latest update reports a better
health than the data suggests (agreements.health) — "reported on track, data suggests at risk"."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from agreements import health
from agreements.models import OPEN_STATUSES, Agreement, Health

LIST_ROWS = 25
LIGHT_FIELDS = ("pk", "reference", "status", "health", "last_progress_at", "signed_on")  # what health.suggestions reads


@dataclass
class Rosier:
    agreement: Agreement
    suggestion: health.Suggestion


@dataclass
class Honesty:
    count: int
    rows: list[Rosier]  # the worst first, up to LIST_ROWS
    by_pair: list[tuple[str, str, int]]  # (reported label, suggested label, count)


def rosier_than_the_data(agreements: QuerySet, today: datetime.date) -> Honesty:
    """Among `agreements` (already what the reader may see), those reported better than suggested."""
    # Every open agreement is read, but only the fields the rule needs; whole records (translated
    # titles, summaries, owner, pillar) only for the rows shown: building them for every open
    # agreement (~40,000 model instances at 20,000 agreements) was most of the panel's time; even
    # deferred model instances cost a third of it, so the rule reads named rows of those fields.
    chosen = agreements.filter(status__in=OPEN_STATUSES).exclude(health=Health.UNKNOWN)
    reported = list(chosen.order_by("reference").values_list(*LIGHT_FIELDS, named=True))  # rows, not models
    suggested = health.suggestions(reported, today, among=chosen.order_by().values("pk"))
    found = [Rosier(a, suggested[a.pk]) for a in reported
             if a.pk in suggested and health.better_than(a.health, suggested[a.pk].health)]
    found.sort(key=lambda r: (-health.RANK[r.suggestion.health] + health.RANK[r.agreement.health], r.agreement.reference))
    shown = Agreement.objects.select_related("owner", "pillar").in_bulk([row.agreement.pk for row in found[:LIST_ROWS]])
    for row in found[:LIST_ROWS]:
        row.agreement = shown[row.agreement.pk]
    pairs: dict[tuple[str, str], int] = {}
    for row in found:
        key = (row.agreement.health, row.suggestion.health)
        pairs[key] = pairs.get(key, 0) + 1
    labels = dict(Health.choices)
    return Honesty(len(found), found[:LIST_ROWS],
                   [(str(labels[r]), str(labels[s]), n) for (r, s), n in sorted(pairs.items())])
