"""Milestones: add, edit, mark done, waive, reopen (undo a mistaken "done" or "waived").

Each change is asked of the policy, refused on an agreement that moved on since the form
was opened (the agreement's version, see agreements.actions.editing), and bumps that version so
the next stale form is refused in turn. The milestone's own history (simple-history)
records who did what; the agreement page's timeline reads it from there.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _, gettext_lazy

from agreements import confirming, policy
from agreements.actions.editing import bump_version, check_version, merge_fields
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
                  owner: User | None = None, expected_version: int | None,
                  needs_confirmation: bool = False) -> Milestone:
    with transaction.atomic():
        _locked_for_change(agreement, by, expected_version, adding=True)
        milestone = Milestone(agreement=agreement, title=title, due_on=due_on, owner=owner or agreement.owner,
                              needs_counterpart_confirmation=needs_confirmation)
        milestone._history_user = by
        milestone.full_clean()
        milestone.save()
        bump_version(agreement)
    return milestone


EDITABLE = {"title": gettext_lazy("Title"), "due_on": gettext_lazy("Due on"), "owner": gettext_lazy("Owner")}


def edit_milestone(milestone: Milestone, *, by: User, title: str, due_on: datetime.date, owner: User | None,
                   expected_version: int | None, seen: dict | None = None) -> Milestone:
    """Save the milestone's title, due date and owner.

    With `seen` (the values the person's form showed: title, due_on, owner id) only the fields they
    changed are written, over whatever is stored now, and only a field somebody else changed
    meanwhile to another value is a conflict (editing.FieldConflict); without it, the agreement's
    version decides (an older caller)."""
    agreement = milestone.agreement
    with transaction.atomic():
        _locked_for_change(agreement, by, None if seen is not None else expected_version)
        wanted = {"title": title, "due_on": due_on, "owner": (owner or agreement.owner).pk if (owner or agreement.owner)
                  else None}
        if seen is not None:
            fresh = Milestone.objects.filter(pk=milestone.pk).first()
            if fresh is None:
                raise MilestoneError(_("This milestone no longer exists."), code="gone")
            current = {"title": fresh.title, "due_on": fresh.due_on, "owner": fresh.owner_id}
            seen = {**seen, "owner": seen.get("owner") or agreement.owner_id}
            wanted = merge_fields(EDITABLE, current=current, seen=seen, wanted=wanted, shown=_shown)
        milestone.title, milestone.due_on, milestone.owner_id = wanted["title"], wanted["due_on"], wanted["owner"]
        _save(milestone, by)
        bump_version(agreement)
    return milestone


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "due_on":
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if name == "owner":
        return str(User.objects.filter(pk=value).first() or "—")
    return str(value)


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
        if milestone.needs_counterpart_confirmation:  # issue 19: "awaiting confirmation" until they answer
            confirming.ask(milestone.agreement, milestone=milestone, by=by)
    return milestone


def waive_milestone(milestone: Milestone, *, by: User, reason: str, expected_version: int | None) -> Milestone:
    with transaction.atomic():
        _locked_for_change(milestone.agreement, by, expected_version)
        _require_planned(milestone)
        milestone.state, milestone.waiver_reason = Milestone.State.WAIVED, reason.strip()
        _save(milestone, by)
        bump_version(milestone.agreement)
    return milestone


REOPEN_REASON_MAX = 100  # kept as the history row's change reason, which the timeline shows


def reopen_milestone(milestone: Milestone, *, by: User, reason: str, expected_version: int | None = None) -> Milestone:
    """Put a done or waived milestone back to planned, with the reason (the timeline shows it).

    Allowed to whoever may mark it done (policy.can_reopen_milestone). Refused while a closure
    request waits for approval: the request says every milestone is closed."""
    reason = (reason or "").strip()
    with transaction.atomic():
        if not policy.can_reopen_milestone(by, milestone.agreement):
            raise PermissionDenied(str(NOT_MEMBER))
        check_version(milestone.agreement, expected_version)
        refusal = _state_refusal(milestone.agreement)
        if not refusal and milestone.agreement.status == Status.PENDING_CLOSURE:
            refusal = _("The closure request is waiting for approval: withdraw it (or ask a manager to reject it) "
                        "before reopening a milestone.")
        if refusal:
            raise MilestoneError(refusal, code="state")
        if not reason:
            raise MilestoneError({"reason": _("Say why the milestone is reopened.")}, code="reason")
        if len(reason) > REOPEN_REASON_MAX:
            raise MilestoneError({"reason": _("Keep the reason to %(max)d characters.") % {"max": REOPEN_REASON_MAX}},
                                 code="reason")
        state = Milestone.objects.filter(pk=milestone.pk).values_list("state", flat=True).first()
        if state is None:
            raise MilestoneError(_("This milestone no longer exists."), code="gone")
        if state == Milestone.State.PLANNED:
            raise MilestoneError(_("“%(title)s” is already planned: someone reopened it meanwhile.")
                                 % {"title": milestone.title}, code="planned")
        milestone.state, milestone.done_on, milestone.waiver_reason = Milestone.State.PLANNED, None, ""
        milestone._change_reason = reason
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
