"""Calendar feeds (ICS) of milestones, built with `icalendar`, behind a secret URL
(agreements.models.CalendarFeed): calendar apps cannot sign in, so the URL is the key, and the
feed shows only milestones — nothing else is reachable with it.

- "mine": the milestones I own, or on agreements I own or am on the team of;
- for managers, "pillar" (the open milestones of one pillar) and "all" (every open milestone).

Every fetch asks the policy again for the owner as they are now: an account closed, a role lost, an
agreement restricted or handed over shows at the next refresh (a manager's feed of a former manager
answers 404). One all-day event per milestone on its due date; planned milestones of open
agreements, and done and waived ones for `RECENT_DAYS` after they were done or waived. SEQUENCE and
LAST-MODIFIED come from the milestone's history (django-simple-history): every saved change — a
new due date, done, waived — adds a history row, so both move with the milestone. Three queries
whatever the number of milestones (the feed, the roles, the milestones with their history, read
in chunks and streamed event by event).
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db.models import Count, DateTimeField, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agreements import policy
from agreements.models import OPEN_STATUSES, CalendarFeed, Milestone, hash_secret

RECENT_DAYS = 90
CHUNK = 2000
REFRESH = datetime.timedelta(hours=1)


def active_feed(secret: str) -> CalendarFeed | None:
    """The feed of this secret, if it is not revoked and its owner's account is open."""
    if not secret or len(secret) > 100:
        return None
    return (CalendarFeed.objects.select_related("owner", "pillar")
            .filter(secret_hash=hash_secret(secret), revoked_at__isnull=True, owner__is_active=True).first())


def may_hold(feed: CalendarFeed) -> bool:
    """The owner's right to this kind of feed, now (a personal feed: any role; the others: manager)."""
    if feed.scope == CalendarFeed.Scope.MINE:
        return bool(policy.roles(feed.owner))
    return policy.is_manager(feed.owner)


def scopes_for(user) -> list[str]:
    return [CalendarFeed.Scope.MINE] + ([CalendarFeed.Scope.PILLAR, CalendarFeed.Scope.ALL]
                                        if policy.is_manager(user) else [])


def feed_milestones(feed: CalendarFeed, now: datetime.datetime) -> QuerySet:
    owner = feed.owner
    history = Milestone.history.model.objects.filter(id=OuterRef("pk")).order_by().values("id")
    milestones = (Milestone.objects.filter(agreement__in=policy.visible_agreements(owner))
                  .select_related("agreement")
                  .annotate(changes=Coalesce(Subquery(history.annotate(n=Count("*")).values("n")[:1]), 1,
                                             output_field=IntegerField()),
                            changed_at=Coalesce(Subquery(history.annotate(at=Max("history_date")).values("at")[:1]),
                                                "created_at", output_field=DateTimeField())))
    if feed.scope == CalendarFeed.Scope.MINE:
        milestones = milestones.filter(Q(owner=owner) | Q(agreement__owner=owner)
                                       | Q(agreement_id__in=policy.team_agreement_ids(owner)))
    elif feed.scope == CalendarFeed.Scope.PILLAR:
        milestones = milestones.filter(agreement__pillar_id=feed.pillar_id)
    cutoff = now - datetime.timedelta(days=RECENT_DAYS)
    shown = (Q(state=Milestone.State.PLANNED, agreement__status__in=OPEN_STATUSES)
             | Q(state=Milestone.State.DONE, done_on__gte=timezone.localdate(cutoff))
             | Q(state=Milestone.State.WAIVED, changed_at__gte=cutoff))
    return milestones.filter(shown).order_by("due_on", "id")


def feed_ics(feed: CalendarFeed, now: datetime.datetime | None = None) -> Iterator[bytes]:
    """The feed as an iCalendar file, in its owner's language, streamed: the calendar's own lines,
    then each event as it is built (bounded memory, the first bytes at once, whatever the size)."""
    now = now or timezone.now()
    with translation.override(feed.owner.reads):
        calendar = Calendar()
        calendar.add("prodid", "-//CA+JAD Agreement Tracker//Milestones//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", _("CA+JAD milestones: %(feed)s") % {"feed": feed.describe()})
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", REFRESH)
        head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    yield head.removesuffix(end)
    links = AgreementLinks()
    for milestone in feed_milestones(feed, now).iterator(chunk_size=CHUNK):
        with translation.override(feed.owner.reads):
            yield milestone_event(milestone, now, links).to_ical()
    yield end


class AgreementLinks:
    """The agreement page's address, reversed once (`reverse` per event was a fifth of the time)."""

    def __init__(self):
        self.pattern = settings.SITE_URL.rstrip("/") + reverse("agreement-detail", args=["REFERENCE"])
        self.host = urlsplit(settings.SITE_URL).hostname or "tracker"

    def url(self, reference: str) -> str:
        return self.pattern.replace("REFERENCE", quote(reference, safe=""))


def summary(milestone: Milestone) -> str:
    names = {"title": milestone.title, "reference": milestone.agreement.reference}
    if milestone.state == Milestone.State.DONE:
        return _("Done: %(title)s (%(reference)s)") % names
    if milestone.state == Milestone.State.WAIVED:
        return _("Waived: %(title)s (%(reference)s)") % names
    return _("Due: %(title)s (%(reference)s)") % names


def milestone_event(milestone: Milestone, now: datetime.datetime, links: AgreementLinks | None = None) -> Event:
    links = links or AgreementLinks()
    agreement = milestone.agreement
    url = links.url(agreement.reference)
    event = Event()
    event.add("uid", f"milestone-{milestone.pk}@{links.host}")
    event.add("dtstamp", now)
    event.add("dtstart", milestone.due_on)
    event.add("dtend", milestone.due_on + datetime.timedelta(days=1))
    event.add("summary", summary(milestone))
    event.add("description", f"{agreement.reference} — {agreement.display_title}\n{url}")
    event.add("url", url)
    event.add("status", "CANCELLED" if milestone.state == Milestone.State.WAIVED else "CONFIRMED")
    event.add("sequence", max(milestone.changes - 1, 0))
    event.add("last-modified", milestone.changed_at.astimezone(datetime.timezone.utc).replace(microsecond=0))
    event.add("transp", "TRANSPARENT")
    return event
