"""What the weekly digest tells one reader: the week's updates, overdue milestones (and the owners'
"I'm on it" about them), agreements at risk, those reported better than the data suggests (honest
health), closures waiting and milestones coming up — among the agreements they may see
(agreements.policy; a manager sees them all).

A fixed number of queries per reader (a count and a short list per section), never one per
agreement. Each section links to the agreement list filtered to exactly its rows — but two: the
acknowledged milestones link to the overdue list they are part of, and "reported better than the
data" to the reports' panel of that name (no list filter computes the suggested health).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _, ngettext, pgettext

from agreements import dates, health, policy
from agreements.filters import RISKY, at_risk_q
from agreements.models import OPEN_STATUSES, Acknowledgement, Agreement, Health, Milestone, ProgressUpdate, Status, User
from agreements.zones import local_today, zone_of

PERIOD_DAYS = 7
UPCOMING_DAYS = 14
ITEMS_PER_SECTION = 10


@dataclass
class Section:
    name: str
    title: str
    count: int
    items: list
    link: str

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


@dataclass
class Digest:
    reader: User
    start: datetime.date
    end: datetime.date
    today: datetime.date
    sections: list[Section] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(section.count for section in self.sections)

    @property
    def headline(self) -> str:
        """'12 updates, 5 overdue milestones, …' for the subject line."""
        # Translators: between the items of a list ("12 updates, 5 overdue milestones"); Japanese: "、".
        separator = pgettext("list separator", ", ")
        return separator.join(short(section.name, section.count) for section in self.sections if section.count)

    @property
    def period(self) -> str:
        """"15–21 Dec 2026" as the reader's language writes a range."""
        return dates.date_range(self.start, self.end)


def short(name: str, count: int) -> str:
    forms = {
        "updates": ngettext("%(n)d update", "%(n)d updates", count),
        "overdue": ngettext("%(n)d overdue milestone", "%(n)d overdue milestones", count),
        "at_risk": ngettext("%(n)d at risk", "%(n)d at risk", count),
        "closures": ngettext("%(n)d closure waiting", "%(n)d closures waiting", count),
        "upcoming": ngettext("%(n)d due soon", "%(n)d due soon", count),
        "acknowledged": ngettext("%(n)d overdue milestone acknowledged", "%(n)d overdue milestones acknowledged",
                                 count),
        "rosier": ngettext("%(n)d reported better than the data", "%(n)d reported better than the data", count),
    }
    return forms[name] % {"n": count}


def list_link(**params) -> str:
    query = urlencode(params, doseq=True)
    return f"{settings.SITE_URL}{reverse('agreement-list')}{'?' + query if query else ''}"


def period_start(reader: User, now: datetime.datetime) -> datetime.datetime:
    """The first instant of the digest's week: midnight, in the reader's zone, PERIOD_DAYS days
    before today. Whole days, so that the list the digest links to (`progress_posted`, days in the
    reader's zone) shows exactly the updates counted. Last week's digest day is included again,
    from midnight, so an update posted on it after that digest went out is not missed."""
    start = local_today(reader, now) - datetime.timedelta(days=PERIOD_DAYS)
    return datetime.datetime.combine(start, datetime.time.min, tzinfo=zone_of(reader))


def querysets(reader: User, now: datetime.datetime) -> dict[str, QuerySet]:
    """Each section's rows, restricted to the reader's visible, open agreements."""
    today = local_today(reader, now)
    visible = policy.visible_agreements(reader, Agreement.objects.all())
    open_visible = visible.filter(status__in=OPEN_STATUSES)
    milestones = Milestone.objects.filter(agreement__in=open_visible).select_related("agreement", "owner")
    return {
        "updates": ProgressUpdate.objects.filter(
            agreement__in=visible, created_at__gte=period_start(reader, now),
        ).select_related("agreement", "author").order_by("-created_at"),
        "overdue": milestones.overdue(today).order_by("due_on", "pk"),
        "at_risk": visible.filter(at_risk_q()).select_related("owner").order_by("health", "reference"),
        "closures": visible.filter(status=Status.PENDING_CLOSURE).select_related("owner", "closure_requested_by")
        .order_by("status_changed_at"),
        "upcoming": milestones.due_within(today, UPCOMING_DAYS).order_by("due_on", "pk"),
        # The owners' "I'm on it" for the current due date of a milestone still open (passed ones too:
        # the e-mail says the date has passed).
        "acknowledged": Acknowledgement.objects.filter(
            milestone__agreement__in=open_visible, milestone__state=Milestone.State.PLANNED,
            milestone__due_on=F("due_on"),
        ).select_related("by", "milestone__agreement").order_by("expected_on", "pk"),
    }


def rosier(reader: User, now: datetime.datetime) -> list[Agreement]:
    """Honest health: the open agreements the reader may see whose latest update reports a better
    health than the data suggests (agreements.health; the reports' "Reported better than the data
    suggests" panel), the worst gap first. Each carries its `suggestion`. Five queries."""
    chosen = policy.visible_agreements(reader, Agreement.objects.all()).filter(status__in=OPEN_STATUSES).exclude(
        health=Health.UNKNOWN)
    reported = list(chosen.select_related("owner").order_by("reference"))
    suggested = health.suggestions(reported, local_today(reader, now), among=chosen.order_by().values("pk"))
    found = []
    for agreement in reported:
        agreement.suggestion = suggested.get(agreement.pk)
        if agreement.suggestion and health.better_than(agreement.health, agreement.suggestion.health):
            found.append(agreement)
    found.sort(key=lambda a: (health.RANK[a.health] - health.RANK[a.suggestion.health], a.reference))
    return found


TITLES = {
    "updates": _("Progress updates this week"),
    "overdue": _("Overdue milestones"),
    "at_risk": _("Agreements at risk or off track"),
    "closures": _("Closures waiting for approval"),
    "upcoming": _("Milestones due in the next two weeks"),
    "acknowledged": _("Acknowledged overdue milestones"),
    "rosier": _("Reported better than the data suggests"),
}
ORDER = ["updates", "overdue", "acknowledged", "at_risk", "rosier", "closures", "upcoming"]


def links(start: datetime.date, today: datetime.date) -> dict[str, str]:
    """The list filtered to each section's rows (the list then counts those rows too: "61 overdue
    milestones" in 54 agreements); like the sections, milestones and risks of open agreements."""
    is_open = {"status": list(OPEN_STATUSES)}
    return {
        "updates": list_link(progress_posted_after=start.isoformat(), progress_posted_before=today.isoformat(),
                             sort="-updated"),
        "overdue": list_link(overdue=1, **is_open),
        "at_risk": list_link(health=list(RISKY), **is_open),
        "closures": list_link(status=Status.PENDING_CLOSURE),
        "upcoming": list_link(due_within=UPCOMING_DAYS, **is_open),
        "acknowledged": list_link(overdue=1, **is_open),
        # No list filter says "rosier than the data": the reports' panel lists them (managers and
        # viewers; the others, who may not open the reports, get the list of agreements at risk).
        "rosier": f"{settings.SITE_URL}{reverse('reports')}#honest-health",
    }


def summary(reader: User, now: datetime.datetime) -> Digest:
    today = local_today(reader, now)
    result = Digest(reader, start=today - datetime.timedelta(days=PERIOD_DAYS), end=today, today=today)
    urls = links(result.start, today)
    found = {}
    for name, rows in querysets(reader, now).items():
        items = list(rows[:ITEMS_PER_SECTION])
        for item in items:
            if isinstance(item, Milestone):
                item.days = abs((item.due_on - today).days)  # overdue by / due in, for the e-mail
        count = len(items) if len(items) < ITEMS_PER_SECTION else rows.count()
        found[name] = Section(name, str(TITLES[name]), count, items, urls[name])
    rosier_ones = rosier(reader, now)
    found["rosier"] = Section("rosier", str(TITLES["rosier"]), len(rosier_ones), rosier_ones[:ITEMS_PER_SECTION],
                              urls["rosier"] if policy.can_view_reports(reader) else urls["at_risk"])
    result.sections = [found[name] for name in ORDER]
    return result


def has_news(reader: User, now: datetime.datetime) -> bool:
    """Whether a digest would say anything (cheap EXISTS queries first; the sweep asks this)."""
    return any(rows.exists() for rows in querysets(reader, now).values()) or bool(rosier(reader, now))
