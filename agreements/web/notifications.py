"""The in-app notifications (the reminders sent to me) and the one-click unsubscribe of the
optional e-mails. Thin: the rules are in agreements.reminders.notifications and .unsubscribe,
"may they?" in agreements.policy (only the recipient; hidden with the agreement)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from agreements import policy
from agreements.models import ReminderKind
from agreements.reminders import notifications, unsubscribe as unsubscribing
from agreements.zones import local_today

PAGE_SIZE = 50


def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    rows = notifications.listing(request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    today = local_today(request.user, timezone.now())
    for row in page.object_list:
        if row.kind == ReminderKind.DIGEST:
            row.headline, row.period = notifications.digest_headline(row), notifications.digest_period(row)
        row.acknowledgement = notifications.quoted_acknowledgement(row)
        if row.milestone is not None:
            row.milestone.agreement = row.agreement  # the same row, already read
        row.may_acknowledge = (row.kind == ReminderKind.OVERDUE and not row.acknowledged and row.milestone is not None
                               and policy.may_acknowledge(request.user, row.milestone, today)
                               and row.milestone.due_on == row.about)
    # The unread count is the header badge's (agreements.web.context_processors): asked once per page.
    return render(request, "agreements/notifications.html",
                  {"page": page, "unread_only": unread_only, "today": today})


def back(request: HttpRequest) -> HttpResponse:
    """To the list as the person left it (unread only or all): only our own two addresses."""
    target = reverse("notifications")
    return redirect(f"{target}?show=unread" if request.POST.get("show") == "unread" else target)


@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not notifications.mark_read(request.user, pk):
        raise Http404("No such notification.")
    return back(request)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications.mark_all_read(request.user)
    return back(request)


@login_not_required
@csrf_exempt  # this view only: the link carries its own signature, and mail systems POST without cookies
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: POST (the mail client's one click, or the button here) unsubscribes at once; GET
    only shows the button (a link scanner or a prefetch must not unsubscribe anyone)."""
    found = unsubscribing.read(token)
    if found is None:
        return render(request, "agreements/unsubscribe.html", {"invalid": True}, status=400)
    with translation.override(found.user.reads):  # the page in the language of the e-mail it came from
        done = request.method == "POST"
        if done:
            unsubscribing.apply(found)
        return render(request, "agreements/unsubscribe.html", {
            "subscription": found, "done": done, "subscribed": found.is_subscribed, "kind": found.kind})
