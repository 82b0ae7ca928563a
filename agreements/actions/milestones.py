"""Milestones: add, edit, mark done, waive.

Each change is asked of the policy, refused on an agreement that moved on since the form
was opened (the agreement's version, see agreements.actions.editing), and bumps that version so
the next stale form is refused in turn. The milestone's own history (simple-history)
records who did what; the agreement page's timeline reads it from there.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from agreements import policy
from agreements.actions.editing import bump_version, check_version
from agreements.models import Agreement, Milestone, Status, User


class MilestoneError(ValidationError):
    """A milestone change that is not possible in the agreement's current state."""


def owner_choices(agreement: Agreement) -> list[User]:
    """Who may own a milestone: the agreement's owner and team (uses prefetched team)."""
    people = [agreement.owner] if agreement.owner_id else []
    people += [member for member in agreement.team.all() if member.pk != agreement.owner_id]
    return people


NOT_MEMBER = gettext_lazy("Only the owner, the team or a manager may change this agreement's milestones.")


def _state_refusal(agreement: Agreement, *, adding: bool = False) -> str | None:
    if not agreement.is_open:
        return _("This agreement is %(status)s: reopen it before changing its milestones.") % {
            "status": agreement.get_status_display().lower()}
    if adding and agreement.status == Status.PENDING_CLOSURE:
        # A new planned milestone would contradict the pending request ("all milestones closed").
        return _("The closure request is waiting for approval: a manager must reject it before new milestones "
                 "can be added.")
    return None


def change_refusal(agreement: Agreement, *, may_work: bool) -> str | None:
    """Why the milestones cannot be changed now, or None (for the page to show); `may_work` is
    the policy's answer for this person (policy.Rights.work), asked once by the page."""
    if not may_work:
        return str(NOT_MEMBER)
    return _state_refusal(agreement)


def add_refusal(agreement: Agreement, *, may_work: bool) -> str | None:
    return change_refusal(agreement, may_work=may_work) or _state_refusal(agreement, adding=True)


def _locked_for_change(agreement: Agreement, by: User, expected_version: int | None, *, adding: bool = False) -> None:
    """Permission, then the version under a row lock, then the agreement's state.

    Call inside a transaction: the lock taken by check_version is held until commit, so
    two people saving at once are serialised and the second sees the first's version.
    """
    if not policy.can_work_on(by, agreement):
        raise PermissionDenied(str(NOT_MEMBER))
    check_version(agreement, expected_version)
    refusal = _state_refusal(agreement, adding=adding)
    if refusal:
        raise MilestoneError(refusal, code="state")


def add_milestone(agreement: Agreement, *, by: User, title: str, due_on: datetime.date,
                  owner: User | None = None, expected_version: int | None) -> Milestone:
    with transaction.atomic():
        _locked_for_change(agreement, by, expected_version, adding=True)
        milestone = Milestone(agreement=agreement, title=title, due_on=due_on, owner=owner or agreement.owner)
        milestone._history_user = by
        milestone.full_clean()
        milestone.save()
        bump_version(agreement)
    return milestone


def edit_milestone(milestone: Milestone, *, by: User, title: str, due_on: datetime.date, owner: User | None,
                   expected_version: int | None) -> Milestone:
    with transaction.atomic():
        _locked_for_change(milestone.agreement, by, expected_version)
        milestone.title, milestone.due_on, milestone.owner = title, due_on, owner or milestone.agreement.owner
        _save(milestone, by)
        bump_version(milestone.agreement)
    return milestone


def complete_milestone(milestone: Milestone, *, by: User, done_on: datetime.date, evidence: str,
                       expected_version: int | None, today: datetime.date | None = None) -> Milestone:
    with transaction.atomic():
        _locked_for_change(milestone.agreement, by, expected_version)
        _require_planned(milestone)
        if done_on > (today or timezone.localdate()):
            raise MilestoneError({"done_on": _("The done date cannot be in the future.")}, code="future")
        milestone.state, milestone.done_on, milestone.evidence = Milestone.State.DONE, done_on, evidence.strip()
        _save(milestone, by)
        bump_version(milestone.agreement)
    return milestone


def waive_milestone(milestone: Milestone, *, by: User, reason: str, expected_version: int | None) -> Milestone:
    with transaction.atomic():
        _locked_for_change(milestone.agreement, by, expected_version)
        _require_planned(milestone)
        milestone.state, milestone.waiver_reason = Milestone.State.WAIVED, reason.strip()
        _save(milestone, by)
        bump_version(milestone.agreement)
    return milestone


def _require_planned(milestone: Milestone) -> None:
    state = Milestone.objects.filter(pk=milestone.pk).values_list("state", flat=True).first()
    if state is None:
        raise MilestoneError(_("This milestone no longer exists."), code="gone")
    if state != Milestone.State.PLANNED:
        raise MilestoneError(_("“%(title)s” is already %(state)s.")
                             % {"title": milestone.title, "state": Milestone.State(state).label.lower()},
                             code="not_planned")


def _save(milestone: Milestone, by: User) -> None:
    milestone._history_user = by
    milestone.full_clean()
    milestone.save()
