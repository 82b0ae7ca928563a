"""Calendar feeds: the feed itself (a secret URL, no sign-in: calendar apps cannot sign in), and
making and revoking one from the preferences page. Thin: agreements.interop.calendars decides."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agreements.interop import calendars
from agreements.models import CalendarFeed
from agreements.web.calendar_forms import CalendarFeedForm, feed_section


@login_not_required
@require_safe
def calendar_feed(request, secret: str):
    """Unknown, revoked, a closed account or a right lost: 404, the same answer for each."""
    feed = calendars.active_feed(secret)
    if feed is None or not calendars.may_hold(feed):
        raise Http404("No such calendar.")
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    response = StreamingHttpResponse(calendars.feed_ics(feed, now), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="milestones.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def create_calendar_feed(request):
    form = CalendarFeedForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "agreements/calendar_feed.html", feed_section(request.user, form), status=400)
    feed, secret = CalendarFeed.issue(request.user, form.cleaned_data["scope"], form.cleaned_data.get("pillar"))
    # Shown on this page only: the secret is not stored, so it cannot be shown again.
    url = request.build_absolute_uri(reverse("calendar-feed", args=[secret]))
    return render(request, "agreements/calendar_feed.html",
                  {"feed": feed, "feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[-1]})


@require_POST
def revoke_calendar_feed(request, pk: int):
    feed = get_object_or_404(CalendarFeed, pk=pk, owner=request.user)
    if feed.revoked_at is None:
        CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("The calendar address is revoked: calendars subscribed to it get nothing more."))
    return redirect(reverse("preferences") + "#calendars")
