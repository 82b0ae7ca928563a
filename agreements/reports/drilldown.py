"""The dashboard's filters and drill-down links: every number on /reports/ is a `Figure`
carrying the query string of the agreement list that shows exactly the agreements behind it.

The dashboard filters with the list's own FilterSet (`AgreementFilter`) over what the user
may see; a figure's link is the dashboard's filters plus the figure's own parameters
(`Drill`). Evaluating that query string with AgreementFilter gives `Figure.agreements`
(tests/test_reports_drilldown.py checks every link on the page).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agreements import policy
from agreements.filters import AgreementFilter
from agreements.models import Agreement, FocusArea, Pillar, Status

# The filters the dashboard offers (a subset of the list's parameters, same names).
DASHBOARD_FILTERS = ("pillar", "focus_area", "country", "status", "owner", "signed_after", "signed_before")
# Multi-valued parameters: a figure's own values are intersected with the dashboard's.
INTERSECTED = ("pillar", "focus_area", "country", "status", "health")


@dataclass(frozen=True)
class Figure:
    """A number on the dashboard and the agreement list behind it.

    `count` is what is shown (agreements, milestones, status changes or an amount of money,
    as `counts` says); `agreements` is how many agreements the link lists; `query` is the
    list's query string, or None when there is nothing to list."""

    count: int | Decimal
    query: str | None
    agreements: int
    counts: str = "agreements"

    @property
    def linked(self) -> bool:
        return self.query is not None  # "" is a link too: the whole (unfiltered) list


class Drill:
    """Query strings for drill-downs: the dashboard's filters plus a figure's own parameters.

    A figure's value for a multi-valued parameter *replaces* the dashboard's after being
    intersected with it (a pillar cell under a two-pillar filter lists that one pillar);
    date bounds are narrowed (the later start, the earlier end). An empty intersection
    means the figure is zero and gets no link."""

    def __init__(self, params: dict[str, list[str]]):
        self.params = params

    def query(self, **cell) -> str | None:
        params = dict(self.params)
        for key, value in cell.items():
            values = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
            if key in INTERSECTED and key in params:
                values = [v for v in values if v in params[key]]
            elif key in ("signed_after", "signed_before") and key in params:
                values = [(max if key == "signed_after" else min)(values[0], params[key][0])]  # ISO dates sort
            if not values:
                return None
            params[key] = values
        if params.get("signed_after", [""])[0] > params.get("signed_before", ["9999"])[0]:
            return None
        return urlencode(params, doseq=True)

    def figure(self, count: int | Decimal, *, agreements: int | None = None, counts: str = "agreements",
               **cell) -> Figure:
        agreements = count if agreements is None else agreements
        return Figure(count, self.query(**cell) if agreements else None, int(agreements), counts)


def dashboard_filter(user, data: QueryDict, request=None) -> AgreementFilter:
    """AgreementFilter on the dashboard's parameters only, over what the user may see."""
    subset = QueryDict(mutable=True)
    for name in DASHBOARD_FILTERS:
        subset.setlist(name, [v for v in data.getlist(name) if v.strip()])
    return AgreementFilter(subset, queryset=policy.visible_agreements(user), request=request)


def plain(agreements: QuerySet) -> QuerySet:
    """The filtered agreements without DISTINCT (the pillar filter adds one): Django would wrap
    aggregates over a DISTINCT query in a subquery, which breaks their Exists conditions.
    `pk IN (...)` keeps the same rows; without DISTINCT the queryset is used as it is, which
    saves a join in every query."""
    agreements = agreements.order_by()
    if agreements.query.distinct:
        return Agreement.objects.filter(pk__in=agreements.values("pk"))
    return agreements


def filter_params(filterset: AgreementFilter) -> dict[str, list[str]]:
    """The valid dashboard filters, as canonical query parameters (invalid ones are dropped,
    as the list drops them)."""
    filterset.is_valid()
    params = {}
    for name in DASHBOARD_FILTERS:
        value = filterset.form.cleaned_data.get(name)
        if name in ("pillar", "focus_area") and value is not None:
            value = [item.code for item in value]
        elif isinstance(value, datetime.date):
            value = [value.isoformat()]
        elif isinstance(value, str):
            value = [value.strip()] if value.strip() else []
        if value:
            params[name] = list(value)
    return params


def filter_summary(params: dict[str, list[str]], pillars: list[Pillar], areas: list[FocusArea]) -> list[tuple]:
    """(label, values) pairs saying in words which filters are on (for screen and print)."""
    names = {
        "pillar": {p.code: p.name for p in pillars}, "focus_area": {a.code: a.name for a in areas},
        "country": dict(countries), "status": dict(Status.choices),
    }
    labels = {
        "pillar": _("Pillar"), "focus_area": _("Focus area"), "country": _("Party country"), "status": _("Status"),
        "owner": _("Owner"), "signed_after": _("Signed from"), "signed_before": _("Signed until"),
    }
    return [(labels[key], [names.get(key, {}).get(v, v) for v in values]) for key, values in params.items()]
