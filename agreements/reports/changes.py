"""What changed since a day: new agreements, status and stage changes, milestones done or moved,
health changes — each with who and when, read from the history already recorded (issue 19).

Sources, and why each:
- new agreements: the "created" row django-simple-history writes (`history_user` is who entered it);
- status changes: TransitionLog (the workflow's own record, with the comment);
- stage changes and milestones done or moved: the history rows of AgreementStage and Milestone,
  each compared with the object's previous history row (one correlated subquery, in SQL);
- health changes: ProgressUpdate, each compared with the agreement's previous update (the health
  an agreement shows is its latest update's; an agreement without one is "unknown").

Every section is two queries whatever the number of rows (a count and the first rows shown), over
the agreements the reader may see (agreements.policy.visible_agreements): restricted agreements stay
out of an officer's view as everywhere else. Used by /reports/changes/; plain data, so a digest or
the API can reuse it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agreements import policy
from agreements.models import Agreement, AgreementStage, Health, Milestone, ProgressUpdate, TransitionLog
from agreements.zones import start_of_day

CAP = 25  # rows shown per section on the page; the rest is "and N more"
PAGE = 200  # rows of one section shown on its own page


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


@dataclass
class Changes:
    since: datetime.date
    start: datetime.datetime  # the first moment of `since` in the reader's time zone
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(section.count for section in self.sections)


def previous(history: QuerySet, name: str) -> Subquery:
    """`name` in the object's history row just before this one (by date, then id: rows written
    back-dated by the demo seed or an import need not be in id order)."""
    earlier = history.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")))
    return Subquery(earlier.order_by("-history_date", "-history_id").values(name)[:1])


def new_agreements(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    return (Agreement.history.model.objects.filter(history_type="+", history_date__gte=start, id__in=visible)
            .select_related("history_user").order_by("-history_date", "-history_id"))


def status_changes(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    return (TransitionLog.objects.filter(at__gte=start, agreement__in=visible)
            .select_related("agreement", "by").order_by("-at", "-id"))


def stage_changes(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    """A stage reached, or its planned date set or moved (a row only re-saved is no change)."""
    history = AgreementStage.history.model.objects
    rows = history.filter(history_date__gte=start, history_type__in=("+", "~"), agreement_id__in=visible).annotate(
        was_reached=previous(history.all(), "reached_on"), was_planned=previous(history.all(), "planned_on"),
        had_before=previous(history.all(), "history_id"))
    changed = (Q(had_before__isnull=True) & (Q(reached_on__isnull=False) | Q(planned_on__isnull=False))) | (
        Q(had_before__isnull=False) & (_differs("reached_on", "was_reached") | _differs("planned_on", "was_planned")))
    return rows.filter(changed).select_related("history_user", "agreement", "stage").order_by(
        "-history_date", "-history_id")


def milestones_done(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    history = Milestone.history.model.objects
    rows = history.filter(history_date__gte=start, history_type__in=("+", "~"), state=Milestone.State.DONE,
                          agreement_id__in=visible).annotate(was=Coalesce(previous(history.all(), "state"), Value("")))
    return (rows.exclude(was=Milestone.State.DONE).select_related("history_user", "agreement")
            .order_by("-history_date", "-history_id"))


def milestones_moved(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    history = Milestone.history.model.objects
    rows = history.filter(history_date__gte=start, history_type="~", agreement_id__in=visible).annotate(
        was_due=previous(history.all(), "due_on"))
    return (rows.filter(was_due__isnull=False).exclude(due_on=F("was_due"))
            .select_related("history_user", "agreement").order_by("-history_date", "-history_id"))


def health_changes(visible: QuerySet, start: datetime.datetime) -> QuerySet:
    earlier = ProgressUpdate.objects.filter(agreement_id=OuterRef("agreement_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lt=OuterRef("id")))
    was = Coalesce(Subquery(earlier.order_by("-created_at", "-id").values("health")[:1]), Value(Health.UNKNOWN))
    return (ProgressUpdate.objects.filter(created_at__gte=start, agreement__in=visible).annotate(was=was)
            .exclude(health=F("was")).select_related("agreement", "author").order_by("-created_at", "-id"))


def _differs(name: str, was: str) -> Q:
    """`name` differs from annotation `was`, NULLs compared as values (SQL's <> is unknown on NULL)."""
    return (Q(**{f"{name}__isnull": True}) & Q(**{f"{was}__isnull": False})) | (
        Q(**{f"{name}__isnull": False}) & Q(**{f"{was}__isnull": True})) | (
        Q(**{f"{name}__isnull": False}) & Q(**{f"{was}__isnull": False}) & ~Q(**{name: F(was)}))


SECTIONS = [
    ("new", _("New agreements"), new_agreements),
    ("status", _("Status changes"), status_changes),
    ("stages", _("Stage changes"), stage_changes),
    ("done", _("Milestones done"), milestones_done),
    ("moved", _("Milestones moved"), milestones_moved),
    ("health", _("Health changes"), health_changes),
]
KEYS = [key for key, _title, _query in SECTIONS]


def changes_since(user, since: datetime.date, *, only: str | None = None, offset: int = 0,
                  limit: int = CAP) -> Changes:
    """Every section (or `only` one, rows `offset` to `offset + limit`) for what `user` may see."""
    start, visible = start_of_day(since), policy.visible_agreements(user).order_by().values("pk")
    sections = []
    for key, title, query in SECTIONS:
        if only and key != only:
            continue
        rows = query(visible, start)
        shown = list(rows[offset:offset + limit])
        for row in shown:
            if key == "health":
                row.was_label = Health(row.was).label
            elif key == "new":  # a history row's `instance` would read its recorded team and focus areas
                row.display_title = Agreement(title=row.title, title_ru=row.title_ru, title_ja=row.title_ja).display_title
        sections.append(Section(key, str(title), rows.count(), shown))
    return Changes(since, start, sections)
