"""Reassigning an agreement's owner and team (managers, see policy.can_reassign)."""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from agreements import policy
from agreements.editing import check_version
from agreements.models import Agreement, Milestone, User


def assignable_users() -> QuerySet:
    """People who can own or work on an agreement: active officers and managers."""
    roles = [policy.Role.OFFICER, policy.Role.MANAGER]
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by(
        "last_name", "first_name", "username")


def reassign(agreement: Agreement, *, by: User, owner: User, team: Iterable[User], expected_version: int | None,
             hand_over_milestones: bool = True) -> None:
    """Set owner and team in one versioned change.

    With `hand_over_milestones`, the previous owner's planned milestones follow the
    agreement to the new owner, so reminders reach someone who is still responsible.
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
        if hand_over_milestones and previous_owner_id and previous_owner_id != owner.pk:
            _hand_over(agreement, previous_owner_id, owner, by)


def _hand_over(agreement: Agreement, previous_owner_id: int, owner: User, by: User) -> None:
    milestones = list(agreement.milestones.filter(state=Milestone.State.PLANNED, owner_id=previous_owner_id))
    for milestone in milestones:
        milestone.owner = owner
    bulk_update_with_history(milestones, Milestone, ["owner"], default_user=by,
                             default_change_reason="Handed over with the agreement")
