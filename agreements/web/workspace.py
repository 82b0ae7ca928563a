"""What a person has to do: the queries behind "My work" and the per-row summaries of lists.

Every function is one set-based query (or a count beside it), so the pages built on them
make the same number of queries whether a user has three agreements or three thousand.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from agreements import policy
from agreements.filters import stale_q
from agreements.models import Agreement, Milestone, Status, User

SOON_DAYS = 14
SECTION_LIMIT = 50  # rows shown per section; the full set is one click away in the list


@dataclass(frozen=True)
class Section:
    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def section(queryset: QuerySet, limit: int = SECTION_LIMIT) -> Section:
    return Section(list(queryset[:limit]), queryset.count())


def with_milestone_summary(queryset: QuerySet, today: datetime.date) -> QuerySet:
    """Annotate `overdue_count` and `next_due_on` (the next planned milestone from today on)."""
    overdue = (Milestone.objects.overdue(today).filter(agreement=OuterRef("pk")).order_by()
               .values("agreement").annotate(n=Count("pk")).values("n"))
    next_due = (Milestone.objects.filter(agreement=OuterRef("pk"), state=Milestone.State.PLANNED, due_on__gte=today)
                .order_by("due_on").values("due_on")[:1])
    return queryset.annotate(
        overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
        next_due_on=Subquery(next_due),
    )


def member_q(user: User) -> Q:
    """Agreements the user owns or is on the team of: `pk IN (owned UNION ALL on the team)`, two
    index lookups, where `owner = me OR …` read all 20,000 agreements to find a manager's none."""
    owned = Agreement.objects.filter(owner_id=user.pk).order_by().values("pk")
    return Q(pk__in=owned.union(policy.team_agreement_ids(user), all=True))


def my_agreements(user: User, today: datetime.date) -> QuerySet:
    """My open agreements, those needing attention (overdue, off track) first."""
    qs = policy.visible_agreements(user).open().filter(member_q(user)).select_related("pillar", "owner")
    return with_milestone_summary(qs, today).order_by("-overdue_count", "next_due_on", "reference")


def my_milestones(user: User, today: datetime.date, days: int = SOON_DAYS) -> QuerySet:
    """Planned milestones I own that are overdue or due within `days`, on open agreements I can see."""
    visible = policy.visible_agreements(user).open()
    return (Milestone.objects.filter(owner=user, state=Milestone.State.PLANNED,
                                     due_on__lte=today + datetime.timedelta(days=days))
            .filter(agreement__in=visible.values("pk"))
            .select_related("agreement").order_by("due_on", "id"))


def my_stale_agreements(user: User, days: int | None = None) -> QuerySet:
    """Agreements I own or work on without an update for `days` (the reminder policy's threshold)."""
    return (policy.visible_agreements(user).filter(member_q(user)).filter(stale_q(days))
            .select_related("pillar").order_by("last_progress_at", "reference"))


def closures_awaiting(user: User) -> QuerySet:
    """Closure requests a manager may decide; those they requested themselves need another manager."""
    if not policy.is_manager(user):
        return Agreement.objects.none()
    return (policy.visible_agreements(user).filter(status=Status.PENDING_CLOSURE)
            .select_related("owner", "closure_requested_by").order_by("status_changed_at", "reference"))
