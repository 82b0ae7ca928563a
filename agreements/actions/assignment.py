"""Reassigning an agreement's owner and team (managers, see policy.can_reassign)."""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from agreements import policy
from agreements.actions.editing import check_version
from agreements.models import Agreement, Milestone, User


def assignable_users() -> QuerySet:
    """People who can own or work on an agreement: active officers and managers."""
    roles = [policy.Role.OFFICER, policy.Role.MANAGER]
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by(
        "last_name", "first_name", "username")


def planned_milestones_by_person(agreement: Agreement) -> list[tuple[User, int]]:
    """Who owns how many of the agreement's planned milestones (for the reassign page)."""
    counts = dict(agreement.milestones.filter(state=Milestone.State.PLANNED, owner__isnull=False)
                  .values_list("owner").annotate(count=Count("pk")).values_list("owner", "count"))
    return [(person, counts[person.pk]) for person in User.objects.filter(pk__in=counts)]


def reassign(agreement: Agreement, *, by: User, owner: User, team: Iterable[User], expected_version: int | None,
             hand_over_milestones: bool = True) -> int:
    """Set owner and team in one versioned change; return how many milestones were handed over.

    With `hand_over_milestones`, the planned milestones of the previous owner and of everyone
    who is neither owner nor on the team afterwards (people taken off the team, people who left
    earlier) go to the new owner: their reminders then reach someone who may still see and
    complete the milestone — a restricted agreement is hidden from whoever leaves it, and
    delivery cancels reminders its recipient may no longer see.
    """
    if not policy.can_reassign(by, agreement):
        raise PermissionDenied(_("Only a manager may reassign an agreement."))
    team = [member for member in team if member.pk != owner.pk]
    with transaction.atomic():
        check_version(agreement, expected_version)
        previous_owner_id = agreement.owner_id
        # One history row for the whole change, taken at save() below, instead of one per
        # m2m add/remove signal (the timeline would show three edits for one action).
        agreement.skip_history_when_saving = True
        try:
            agreement.team.set(team)
        finally:
            del agreement.skip_history_when_saving
        agreement.owner = owner
        agreement.version += 1
        agreement._history_user = by
        agreement.save(update_fields=["owner", "version", "updated_at"])
        if not hand_over_milestones:
            return 0
        members = {owner.pk, *(member.pk for member in team)}
        return _hand_over(agreement, Q(owner_id=previous_owner_id) | ~Q(owner_id__in=members), owner, by)


def _hand_over(agreement: Agreement, whose: Q, owner: User, by: User) -> int:
    milestones = list(agreement.milestones.filter(whose, state=Milestone.State.PLANNED, owner__isnull=False)
                      .exclude(owner=owner))
    for milestone in milestones:
        milestone.owner = owner
    bulk_update_with_history(milestones, Milestone, ["owner"], default_user=by,
                             default_change_reason="Handed over with the agreement")
    return len(milestones)


def reassign_many(agreements: Iterable[Agreement], *, by: User, owner: User) -> int:
    """The list's bulk action: each agreement to a new owner (team kept, the new owner taken off it,
    planned milestones handed over as on the reassign page); return how many changed owner."""
    if not policy.is_manager(by):
        raise PermissionDenied(_("Only a manager may reassign an agreement."))
    changed = 0
    with transaction.atomic():
        for agreement in agreements:
            if agreement.owner_id == owner.pk:
                continue
            reassign(agreement, by=by, owner=owner, team=list(agreement.team.all()), expected_version=None)
            changed += 1
    return changed
