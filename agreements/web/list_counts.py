"""What a filtered list counts besides agreements. A link that says "61 overdue milestones" (the
digest) or "12 milestones done in August" (the dashboard) opens the agreements having such rows;
the list then says how many agreements it shows *and* how many of those rows they hold, so the
number on the link is found again on the page it opens.

One COUNT per row filter in force (at most six), over the agreements listed: constant whatever
the number of rows."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import ngettext

from agreements.filters import ROW_FILTERS, AgreementFilter, rows_asked_for
from agreements.web.list_links import date_range, parse_day


@dataclass(frozen=True)
class Tally:
    name: str  # the filter
    count: int
    text: str


def tallies(filterset: AgreementFilter, agreements: QuerySet) -> list[Tally]:
    """For each valid row filter in force: how many of its rows the listed agreements hold."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    listed = agreements.order_by().values("pk")
    found = []
    for name in ROW_FILTERS:
        rows = rows_asked_for(name, filterset.form.cleaned_data.get(name))
        if rows is not None:
            count = rows.filter(agreement__in=listed).count()
            found.append(Tally(name, count, _text(name, count, filterset.data)))
    return found


def _text(name: str, count: int, data: QueryDict) -> str:
    if name == "overdue":
        return ngettext("%(count)d overdue milestone", "%(count)d overdue milestones", count) % {"count": count}
    if name == "due_within":
        return ngettext("%(count)d milestone due within %(days)s days", "%(count)d milestones due within %(days)s days",
                        count) % {"count": count, "days": data.get("due_within")}
    phrase = {
        "milestone_due": ngettext("%(count)d milestone due %(range)s", "%(count)d milestones due %(range)s", count),
        "milestone_done": ngettext("%(count)d milestone done %(range)s", "%(count)d milestones done %(range)s", count),
        "status_changed": ngettext("%(count)d status change %(range)s", "%(count)d status changes %(range)s", count),
        "progress_posted": ngettext("%(count)d progress update posted %(range)s",
                                    "%(count)d progress updates posted %(range)s", count),
    }[name]
    first, last = (parse_day(data.get(f"{name}_{end}", "")) for end in ("after", "before"))
    return phrase % {"count": count, "range": date_range(first, last)}

