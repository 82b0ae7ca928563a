"""Dependencies: an agreement or milestone that needs another agreement or milestone first
("the loan needs the feasibility study's handover").

A dependency is shown on both pages; a prerequisite that is late flags what depends on it; a
dependency that would close a circle is refused (nothing could ever start).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import policy
from agreements.models import Agreement, Dependency, Milestone, Status, User

Node = tuple[str, int]  # ("a", agreement id) or ("m", milestone id)


def node(item: Agreement | Milestone) -> Node:
    return ("a", item.pk) if isinstance(item, Agreement) else ("m", item.pk)


def _agreement_of(item: Agreement | Milestone) -> Agreement:
    return item if isinstance(item, Agreement) else item.agreement


def _edges() -> dict[Node, set[Node]]:
    """dependent → its prerequisites, for every dependency (one query of four ids per row)."""
    graph: dict[Node, set[Node]] = defaultdict(set)
    for da, dm, pa, pm in Dependency.objects.values_list(
            "dependent_agreement_id", "dependent_milestone_id", "prerequisite_agreement_id", "prerequisite_milestone_id"):
        graph[("a", da) if da else ("m", dm)].add(("a", pa) if pa else ("m", pm))
    return graph


def would_cycle(dependent: Node, prerequisite: Node) -> bool:
    """Would `dependent` needing `prerequisite` close a circle? True when the prerequisite
    already needs the dependent, however indirectly."""
    graph, seen, todo = _edges(), set(), [prerequisite]
    while todo:
        current = todo.pop()
        if current == dependent:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, ()))
    return False


def add_dependency(*, by: User, dependent: Agreement | Milestone, prerequisite: Agreement | Milestone,
                   note: str = "") -> Dependency:
    if not policy.can_record_follow_up(by, _agreement_of(dependent)):
        raise PermissionDenied(_("Only the owner, the team, data entry staff or a manager may record dependencies."))
    if not policy.can_view(by, _agreement_of(prerequisite)):
        raise ValidationError(_("There is no agreement with this reference that you can see."))
    if node(dependent) == node(prerequisite):
        raise ValidationError(_("Something cannot depend on itself."))
    if would_cycle(node(dependent), node(prerequisite)):
        raise ValidationError(_("This would make a circle: %(prerequisite)s already depends on %(dependent)s, "
                                "directly or through others.") % {
            "prerequisite": label(prerequisite), "dependent": label(dependent)})
    fields = {("dependent_agreement" if isinstance(dependent, Agreement) else "dependent_milestone"): dependent,
              ("prerequisite_agreement" if isinstance(prerequisite, Agreement) else "prerequisite_milestone"):
                  prerequisite}
    if Dependency.objects.filter(**fields).exists():
        raise ValidationError(_("This dependency is already recorded."))
    return Dependency.objects.create(note=note, created_by=by, **fields)


def remove_dependency(dependency: Dependency, *, by: User) -> None:
    if not policy.can_record_follow_up(by, _agreement_of(dependency.dependent)):
        raise PermissionDenied(_("Only the owner, the team, data entry staff or a manager may record dependencies."))
    dependency.delete()


def label(item: Agreement | Milestone) -> str:
    if isinstance(item, Agreement):
        return item.reference
    return f"{item.agreement.reference}: {item.title}"


def lateness(prerequisite: Agreement | Milestone, needed_by: datetime.date | None, today: datetime.date) -> str | None:
    """Why a prerequisite holds up what depends on it, or None when it does not (yet)."""
    if isinstance(prerequisite, Milestone):
        if prerequisite.state != Milestone.State.PLANNED:
            return None
        if prerequisite.due_on < today:
            return _("overdue since %(date)s") % {"date": prerequisite.due_on.isoformat()}
        if needed_by and prerequisite.due_on > needed_by:
            return _("due only on %(date)s, after it is needed") % {"date": prerequisite.due_on.isoformat()}
        return None
    if prerequisite.status == Status.COMPLETED:
        return None
    if prerequisite.status == Status.TERMINATED:
        return _("terminated")
    if prerequisite.end_date and prerequisite.end_date < today:
        return _("still open after its end date %(date)s") % {"date": prerequisite.end_date.isoformat()}
    if needed_by and needed_by < today:
        return _("not completed, needed since %(date)s") % {"date": needed_by.isoformat()}
    return None


@dataclass
class Link:
    dependency: Dependency
    other: Agreement | Milestone  # the far side
    here: Agreement | Milestone  # this agreement or one of its milestones
    visible: bool  # may the reader open the far side?
    late: str | None = None


def links(agreement: Agreement, user: User, today: datetime.date | None = None) -> dict[str, list[Link]]:
    """What this agreement (and its milestones) needs, and what needs it: two queries."""
    today = today or timezone.localdate()
    related = ("dependent_agreement", "dependent_milestone__agreement", "prerequisite_agreement",
               "prerequisite_milestone__agreement")
    rows = list(Dependency.objects.select_related(*related).filter(
        Q(dependent_agreement=agreement) | Q(dependent_milestone__agreement=agreement)
        | Q(prerequisite_agreement=agreement) | Q(prerequisite_milestone__agreement=agreement)))
    others = {_agreement_of(side).pk for row in rows for side in (row.dependent, row.prerequisite)}
    visible = set(policy.visible_agreements(user).filter(pk__in=others).values_list("pk", flat=True)) if rows else set()
    needs, needed_by = [], []
    for row in rows:
        if _agreement_of(row.dependent).pk == agreement.pk:
            due = row.dependent.due_on if isinstance(row.dependent, Milestone) else agreement.end_date
            needs.append(Link(row, row.prerequisite, row.dependent, _agreement_of(row.prerequisite).pk in visible,
                              lateness(row.prerequisite, due, today)))
        if _agreement_of(row.prerequisite).pk == agreement.pk:
            needed_by.append(Link(row, row.dependent, row.prerequisite, _agreement_of(row.dependent).pk in visible))
    return {"needs": needs, "needed_by": needed_by}


def flag_milestones(milestones: list[Milestone], needs: list[Link]) -> None:
    """Mark each milestone whose prerequisite is late (`milestone.held_up`: the reasons)."""
    by_milestone = defaultdict(list)
    for link in needs:
        if link.late and isinstance(link.here, Milestone):
            by_milestone[link.here.pk].append(link)
    for milestone in milestones:
        milestone.held_up = by_milestone.get(milestone.pk, [])
