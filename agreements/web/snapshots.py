"""/reports/changes/ ("what changed since a day") and /reports/?as_of= (the dashboard's main figures
on a past day, side by side with another). Thin: the figures come from agreements.reports.changes
and agreements.reports.as_of, the "may they?" from agreements.policy."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agreements import policy
from agreements.models import FocusArea, Pillar
from agreements.reports import as_of, changes as changes_report
from agreements.reports.drilldown import dashboard_filter, filter_params, filter_summary, plain

DEFAULT_DAYS = 7
EARLIEST = datetime.date(2000, 1, 1)  # a `since` before it reads as it: day 1 of year 1 overflows a time zone
LAST_PAGE = 10_000  # a page number beyond this is the last one asked for (an OFFSET stays a small number)


def parse_day(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def quick_picks(today: datetime.date) -> list[tuple[str, datetime.date]]:
    return [(_("Last week"), today - datetime.timedelta(days=7)),
            (_("Last month"), today - datetime.timedelta(days=30)),
            (_("Since the summit"), as_of.SUMMIT_OPENED)]


@require_GET
def changes(request):
    """What changed since a day, for what the reader may see: every role reads it (officers and
    viewers for the agreements open to them), as the agreement pages themselves."""
    if not policy.can_view_changes(request.user):
        return render(request, "reports/forbidden.html", status=403)
    today = timezone.localdate()
    asked = request.GET.get("since")
    since = parse_day(asked) or today - datetime.timedelta(days=DEFAULT_DAYS)
    error = ""
    if asked and parse_day(asked) is None:
        error = _("“%(value)s” is not a date: showing the last 7 days.") % {"value": asked}
    elif since > today:
        error = _("%(day)s is in the future: showing today's changes.") % {"day": _day(since)}
        since = today
    since = max(since, EARLIEST)
    only = request.GET.get("section")
    only = only if only in changes_report.KEYS else None
    page = _page(request.GET.get("page")) if only else 1
    limit = changes_report.PAGE if only else changes_report.CAP
    result = changes_report.changes_since(request.user, since, only=only, offset=(page - 1) * limit, limit=limit)
    return render(request, "reports/changes.html", {
        "changes": result, "today": today, "picks": quick_picks(today), "error": error, "only": only,
        "page": page, "has_next": bool(only and result.sections and result.sections[0].count > page * limit),
        "since_query": urlencode({"since": since.isoformat()}),
        "sees_everything": policy.is_manager(request.user),
    })


def _page(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), LAST_PAGE)
    except ValueError:
        return 1


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def dashboard_as_of(request):
    """The dashboard's main figures at the end of `as_of` (and of `compare`), with the dashboard's
    filters. Refuses future days and days before the record starts, saying so."""
    today = timezone.localdate()
    filterset = dashboard_filter(request.user, request.GET, request)
    params = filter_params(filterset)
    pillars = list(Pillar.objects.all())
    days, problems = [], []
    first = as_of.first_record_day()
    for name in ("as_of", "compare"):
        value = request.GET.get(name, "").strip()
        if not value:
            continue
        day = parse_day(value)
        problem = _day_problem(value, day, today, first)
        if problem:
            problems.append(problem)
        elif day not in days:
            days.append(day)
    days.sort()
    agreements = plain(filterset.qs)
    snapshots = [as_of.snapshot(agreements, day) for day in days]
    return render(request, "reports/as_of.html", {
        "days": days, "problems": problems, "first": first, "today": today,
        "groups": as_of.side_by_side(snapshots, pillars) if snapshots else [],
        "comparing": len(days) > 1,
        "summary": filter_summary(params, pillars, list(FocusArea.objects.all()) if "focus_area" in params else []),
        "query": urlencode(params, doseq=True),
        "as_of_form": form_context(params, today, request.GET.get("as_of", ""), request.GET.get("compare", "")),
        "sees_everything": policy.is_manager(request.user),
    })


def _day_problem(value: str, day: datetime.date | None, today: datetime.date,
                 first: datetime.date | None) -> str:
    if day is None:
        return _("“%(value)s” is not a date (use the form YYYY-MM-DD).") % {"value": value}
    if day > today:
        return _("%(day)s has not come yet: the figures can be computed for past days and today only.") % {
            "day": _day(day)}
    if first is None or day < first:
        start = _day(first) if first else _("no day yet")
        return _("The record starts on %(start)s: there is nothing to compute for %(day)s.") % {
            "start": start, "day": _day(day)}
    return ""


def form_context(params: dict[str, list[str]], today: datetime.date, as_of_value: str = "",
                 compare_value: str = "") -> dict:
    """What the "as of" form needs (templates/reports/_as_of_form.html), on the dashboard too: no query."""
    return {"today": today, "as_of_value": as_of_value, "compare_value": compare_value,
            "filter_items": [(key, value) for key, values in params.items() for value in values],
            "anniversaries": _anniversaries(today, params)}


def _anniversaries(today: datetime.date, params: dict) -> list[dict]:
    """The summit's round dates: a link for those passed, "in N days" for those to come."""
    items = []
    for item in as_of.anniversaries():
        query = urlencode({**params, "as_of": item.day.isoformat()}, doseq=True)
        items.append({"label": item.label, "day": item.day, "query": query if item.day <= today else None,
                      "days_left": (item.day - today).days})
    return items
