"""/reports/: the managers' dashboard, and its workbook. Thin: figures come from
agreements.reports.figures, pictures from agreements.reports.charts, the workbook from
agreements.reports.workbook, the "may they?" from agreements.policy."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from agreements import policy, rollup
from agreements.reports import cache, charts, drilldown, figures as reports, honesty, workbook
from agreements.web import own_writes, page_cache, snapshots
from agreements.web.page_cache import cached_page


def refused(request):
    # Not a 404: the page exists for everyone; officers are pointed to their own work.
    return render(request, "reports/forbidden.html", status=403)


@require_GET
@cached_page  # the whole page again while nothing it shows changed: its figures are cached anyway
def dashboard(request):
    if not policy.can_view_reports(request.user):
        return refused(request)
    if request.GET.get("as_of", "").strip() or request.GET.get("compare", "").strip():  # a past day (issue 19)
        return snapshots.dashboard_as_of(request)
    today = timezone.localdate()
    # Other people's writes may wait up to REPORTS_STALE_SECONDS; the reader's own never do, nor
    # anything after "Count again" (`fresh`, not a filter: the figures' links never carry it).
    not_before = cache.accepted_since(own_writes.last_write(request), fresh=bool(request.GET.get("fresh")))
    board = reports.build(request.user, request.GET, today=today, request=request, not_before=not_before)
    health = _health_and_rollup(request.user, board, today, not_before)
    counted = min(board.counted, health, key=lambda c: (c.current, c.at))  # the older, or the one behind
    response = render(request, "reports/dashboard.html", {
        "dash": board,
        # The panels are kept under the counts they show (`board_key`): the page around them, whose
        # header (notifications, the notice) is the reader's and the moment's, is drawn on each view,
        # the panels and their charts once per count — after someone else's change, ~75% of the page's time.
        "board_key": cache.count_key(request.user, board.params, today, board.counted, health),
        "charts": SimpleLazyObject(lambda: charts.dashboard_charts(board)),
        "generated_at": timezone.now() if counted.current else counted.counted_at,
        "behind": not counted.current,
        "counted_seconds_ago": max(1, round(time.time() - counted.at)),  # "0 seconds ago" reads oddly
        "count_again_url": "?" + urlencode({**board.params, "fresh": "1"}, doseq=True),
        "sees_everything": policy.is_manager(request.user),
        "list_url": reverse("agreement-list"),  # every number links there: reversed once, not per number
        **health.panels,
        "as_of_form": snapshots.form_context(board.params, today),
    })
    # A page from figures behind the data is not kept under the data's version: a reader who has
    # just written must not be served it from the page cache.
    return page_cache.not_kept(response) if not counted.current else response


def _health_and_rollup(user, board: reports.Dashboard, today, not_before: float | None) -> cache.Counted:
    """The honest-health panel (for what the reader may see, not the dashboard's filters) and the
    roll-up, cached like the board's figures: both read every open agreement's milestones (and
    their history), which only a write or the clock changes — the cache key holds the user, the
    filters, the day and the language; the entry the data version and the minute."""
    return cache.remember(user, board.params, today, lambda: {
        "honesty": honesty.rosier_than_the_data(policy.visible_agreements(user), today),
        "rollup": _rollup(board),
    }, part="health+rollup", not_before=not_before)


def _rollup(board: reports.Dashboard) -> rollup.Rollup:
    """Progress by pillar over the dashboard's filtered agreements (the board's own filter), each
    count a drill-down that keeps the dashboard's filters (as every figure of the page does)."""
    drill = drilldown.Drill(board.params)
    result = rollup.rollup(drilldown.plain(board.filterset.qs))
    counted = list(rollup.COUNTED)
    for pillar, share in result.pillars:
        share.figure = drill.figure(share.count, pillar=pillar.code, status=counted)
    result.total.figure = drill.figure(result.total.count, status=counted)
    return result


@require_GET
def dashboard_xlsx(request):
    """"Export XLSX": the panels of /reports/ with the same filters, one sheet each."""
    if not policy.can_view_reports(request.user):
        return refused(request)
    today = timezone.localdate()
    board = reports.build(request.user, request.GET, today=today, request=request)
    content = workbook.dashboard_workbook(board, generated_at=timezone.localtime(),
                                          prepared_for=request.user.get_full_name() or request.user.username)
    response = HttpResponse(content, content_type=workbook.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="reports-{today.isoformat()}.xlsx"'
    return response
