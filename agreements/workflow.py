"""The agreement workflow: the only code that writes `Agreement.status`.

`WORKFLOW` is the specification, read as a table: from-status → {to-status: rule}, each
rule saying who may take it and what it needs. `transition()` is the one way to move an
agreement: it locks the row, re-checks the rule on the fresh row, writes the status and a
TransitionLog in one transaction, and refuses with a `TransitionError` whose message a
user can read. Views, admin actions, import and commands all call it.

Why a small explicit table rather than django-fsm-2 or viewflow: we need every refusal
*reason* (to show next to a disabled button), the rights of the policy module per
object, and a `select_for_update` lock around check-and-write; fsm libraries give a
boolean condition and a decorated method, so we would wrap every transition anyway.
"""
from __future__ import annotations

import datetime
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from agreements import confirming, policy
from agreements.models import Agreement, Milestone, Status, TransitionLog, User

Check = Callable[[Agreement, User], "str | None"]


class TransitionError(ValidationError):
    """A refused transition; its message says why in words a user understands."""


# --- Conditions ("needs" column). Each returns None when met, else the reason. --------

def _planned_milestones(agreement: Agreement) -> int:
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "milestones" in cache:
        return sum(1 for m in cache["milestones"] if m.state == Milestone.State.PLANNED)
    return agreement.milestones.filter(state=Milestone.State.PLANNED).count()


def _party_organizations(agreement: Agreement) -> int:
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "parties" in cache:
        return len({p.organization_id for p in cache["parties"]})
    return agreement.parties.values("organization_id").distinct().count()


def needs_signature_date(agreement: Agreement, user: User) -> str | None:
    return None if agreement.signed_on else str(_("Signing needs the date of signature."))


def needs_signature_to_reopen(agreement: Agreement, user: User) -> str | None:
    """A draft may be terminated (abandoned before signature); it reopens only once signed."""
    return None if agreement.signed_on else str(
        _("Reopening needs the date of signature: this agreement was terminated before it was signed."))


def needs_two_parties(agreement: Agreement, user: User) -> str | None:
    count = _party_organizations(agreement)
    if count >= 2:
        return None
    return ngettext(
        "Signing needs at least two parties: %(count)d is recorded.",
        "Signing needs at least two parties: %(count)d are recorded.",
        count,
    ) % {"count": count}


def needs_owner(agreement: Agreement, user: User) -> str | None:
    return None if agreement.owner_id else str(_("Signing needs an owner."))


def needs_milestones_closed(agreement: Agreement, user: User) -> str | None:
    planned = _planned_milestones(agreement)
    if not planned:
        return None
    return ngettext(
        "Closure needs every milestone done or waived: %(count)d is still planned.",
        "Closure needs every milestone done or waived: %(count)d are still planned.",
        planned,
    ) % {"count": planned}


def needs_second_manager(agreement: Agreement, user: User) -> str | None:
    """Four eyes: the manager who requested the closure cannot approve it."""
    if agreement.closure_requested_by_id and agreement.closure_requested_by_id == user.pk:
        return str(_("Approval needs a second manager: you requested this closure yourself."))
    return None


def needs_both_sides_confirmed(agreement: Agreement, user: User) -> str | None:
    """Issue 19: an agreement with focal points closes only once each side confirmed the request."""
    return confirming.closure_refusal(agreement)


# --- The table ------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    action: str
    label: str
    who: Callable[[User, Agreement], bool]
    who_text: str
    needs_reason: bool = False
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def refusal(self, agreement: Agreement, user: User, comment: str = "", *, check_comment: bool = True) -> str | None:
        """Why this user cannot take this rule now, or None."""
        if not self.who(user, agreement):
            return str(self.who_text)
        for check in self.checks:
            reason = check(agreement, user)
            if reason:
                return reason
        if check_comment and self.needs_reason and not comment.strip():
            return str(_("%(action)s needs a reason.") % {"action": self.label})
        return None


MEMBER = policy.may_act_as_member
MANAGER = policy.may_act_as_manager
MEMBER_TEXT = _("Only the owner, the team or a manager may do this.")
MANAGER_TEXT = _("Only a manager may do this.")

SIGN = Rule("sign", _("Sign"), policy.may_sign, _("Only data entry staff or a manager may record a signature."),
            checks=(needs_signature_date, needs_two_parties, needs_owner))
START = Rule("start", _("Start implementation"), MEMBER, MEMBER_TEXT)
HOLD = Rule("hold", _("Put on hold"), MEMBER, MEMBER_TEXT, needs_reason=True)
RESUME = Rule("resume", _("Resume"), MEMBER, MEMBER_TEXT)
REQUEST_CLOSURE = Rule("request_closure", _("Request closure"), MEMBER, MEMBER_TEXT, checks=(needs_milestones_closed,))
APPROVE = Rule("approve", _("Approve closure"), MANAGER, MANAGER_TEXT,
               checks=(needs_second_manager, needs_both_sides_confirmed))
REJECT = Rule("reject", _("Reject closure"), MANAGER, MANAGER_TEXT, needs_reason=True)
TERMINATE = Rule("terminate", _("Terminate"), MANAGER, MANAGER_TEXT, needs_reason=True)
WITHDRAW = Rule("withdraw", _("Withdraw the closure request"), policy.may_withdraw_closure,
                _("Only the owner or the person who requested the closure may withdraw it."))
REOPEN = Rule("reopen", _("Reopen"), MANAGER, MANAGER_TEXT, needs_reason=True, checks=(needs_signature_to_reopen,))

WORKFLOW: dict[str, dict[str, Rule]] = {
    Status.DRAFT: {Status.SIGNED: SIGN, Status.TERMINATED: TERMINATE},
    Status.SIGNED: {Status.IN_PROGRESS: START, Status.TERMINATED: TERMINATE},
    Status.IN_PROGRESS: {Status.ON_HOLD: HOLD, Status.PENDING_CLOSURE: REQUEST_CLOSURE, Status.TERMINATED: TERMINATE},
    Status.ON_HOLD: {Status.IN_PROGRESS: RESUME, Status.TERMINATED: TERMINATE},
    Status.PENDING_CLOSURE: {Status.COMPLETED: APPROVE, Status.IN_PROGRESS: REJECT, Status.TERMINATED: TERMINATE},
    Status.COMPLETED: {Status.IN_PROGRESS: REOPEN},
    Status.TERMINATED: {Status.IN_PROGRESS: REOPEN},
}
# Second doors to a status another rule of the table already leads to, told apart by their action
# (a pending closure goes back to "in progress" by a manager's rejection or by its requester's withdrawal).
SIDE_DOORS: dict[str, dict[str, tuple[str, Rule]]] = {
    Status.PENDING_CLOSURE: {WITHDRAW.action: (Status.IN_PROGRESS, WITHDRAW)},
}
RULES_BY_ACTION: dict[str, Rule] = {rule.action: rule for targets in WORKFLOW.values() for rule in targets.values()}
RULES_BY_ACTION.update({rule.action: rule for doors in SIDE_DOORS.values() for _to, rule in doors.values()})
SIDE_DOOR_ACTIONS = frozenset(action for doors in SIDE_DOORS.values() for action in doors)


def target_of(status: str, action: str) -> str | None:
    """The status `action` leads to from `status`, if the table has that edge."""
    for to, rule in WORKFLOW.get(status, {}).items():
        if rule.action == action:
            return to
    door = SIDE_DOORS.get(status, {}).get(action)
    return door[0] if door else None


def side_door_target(action: str) -> str:
    """Where a side door leads, from whichever status it opens."""
    return next(to for doors in SIDE_DOORS.values() for name, (to, _rule) in doors.items() if name == action)


def _rule_for(from_status: str, to: str, action: str | None = None) -> Rule:
    door = SIDE_DOORS.get(from_status, {}).get(action) if action else None
    if door and door[0] == to:
        return door[1]
    if action in SIDE_DOOR_ACTIONS:
        raise TransitionError(
            _("“%(action)s” is not possible from %(status)s.")
            % {"action": RULES_BY_ACTION[action].label, "status": Status(from_status).label.lower()},
            code="invalid_transition",
        )
    try:
        return WORKFLOW[from_status][to]
    except KeyError:
        raise TransitionError(
            _("A %(from)s agreement cannot become %(to)s.")
            % {"from": Status(from_status).label.lower(), "to": Status(to).label.lower()},
            code="invalid_transition",
        ) from None


# --- Asking and acting ----------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    to: str
    rule: Rule
    blocked_reason: str | None  # None: can be taken now (a reason may still be asked for)

    @property
    def to_label(self) -> str:
        return Status(self.to).label

    @property
    def key(self) -> str:
        """What names it in URLs and form prefixes: the target status, or the action of a side door."""
        return self.rule.action if self.rule.action in SIDE_DOOR_ACTIONS else self.to


def available_transitions(agreement: Agreement, user: User) -> list[Option]:
    """The transitions this user has the right to take from the current status, each with
    the reason it cannot be taken now (or None). Transitions they have no right to are left out."""
    options = []
    for to, rule in WORKFLOW.get(agreement.status, {}).items():
        if not rule.who(user, agreement):
            continue
        options.append(Option(to, rule, rule.refusal(agreement, user, check_comment=False)))
    for to, rule in SIDE_DOORS.get(agreement.status, {}).values():
        if rule.who(user, agreement):
            options.append(Option(to, rule, rule.refusal(agreement, user, check_comment=False)))
    return options


def transition(agreement: Agreement, to: str, *, by: User, comment: str = "", at: datetime.datetime | None = None,
               action: str | None = None) -> TransitionLog:
    """Move `agreement` to status `to` on behalf of `by`, or raise TransitionError.

    `action` names a side door (SIDE_DOORS, e.g. "withdraw") when it is not the table's own rule.

    The row is locked (select_for_update) and every check runs again on the locked, fresh
    row, so of two people acting at once exactly one succeeds; the other gets the reason
    (e.g. "already completed"). On SQLite the lock is a no-op but writes are serialised.
    """
    comment = (comment or "").strip()
    at = at or timezone.now()
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if action in SIDE_DOOR_ACTIONS:
            _rule_for(locked.status, to, action)  # a side door closed from here says so, not "already ..."
        if locked.status == to:
            raise TransitionError(
                _("This agreement is already %(status)s.") % {"status": Status(to).label.lower()}, code="already"
            )
        rule = _rule_for(locked.status, to, action)
        if not policy.can_view(by, locked):
            raise TransitionError(_("You cannot see this agreement."), code="forbidden")
        reason = rule.refusal(locked, by, comment)
        if reason:
            raise TransitionError(reason, code="refused")
        log = _apply(locked, to, rule, by=by, comment=comment, at=at)
        locked.save(update_fields=["status", "status_changed_at", "closure_requested_by", "version", "updated_at"])
        log.save()
        if rule is REQUEST_CLOSURE:  # in the same transaction: no request without its confirmations asked
            confirming.ask_closure(locked, by=by, now=at)
    for name in ("status", "status_changed_at", "closure_requested_by_id", "version"):
        setattr(agreement, name, getattr(locked, name))
    return log


def _apply(agreement: Agreement, to: str, rule: Rule, *, by: User | None, comment: str, at: datetime.datetime) -> TransitionLog:
    """Change the in-memory status and return the (unsaved) log row for it."""
    log = TransitionLog(
        agreement=agreement, action=rule.action, from_status=agreement.status, to_status=to, by=by, at=at, comment=comment
    )
    agreement.status = to
    agreement.status_changed_at = at
    agreement.closure_requested_by = by if rule is REQUEST_CLOSURE else None
    agreement.version += 1
    return log


# --- Recorded history (demo data, bulk import) ----------------------------------------

def path_to(target: str, start: str = Status.DRAFT) -> list[str]:
    """Shortest sequence of statuses leading from `start` to `target` through the table."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        if status == target:
            break
        for nxt in WORKFLOW.get(status, {}):
            if nxt not in previous:
                previous[nxt] = status
                queue.append(nxt)
    if target not in previous:
        raise TransitionError(_("No path to %(status)s.") % {"status": Status(target).label})
    path, node = [], target
    while node != start:
        path.append(node)
        node = previous[node]
    return path[::-1]


def replay(agreement: Agreement, steps: Iterable[tuple[str, datetime.datetime, User | None, str]]) -> list[TransitionLog]:
    """Record transitions that already happened (historical data: demo seed, bulk import).

    Each step (to, at, by, comment) must be an edge of the table; rights and conditions
    are not re-checked because the events are past facts entered by data entry staff. The
    agreement is changed in memory and the unsaved log rows are returned, so callers can
    write thousands with bulk_create inside their own transaction.
    """
    logs = []
    for to, at, by, comment in steps:
        rule = _rule_for(agreement.status, to)
        logs.append(_apply(agreement, to, rule, by=by, comment=comment, at=at))
    return logs
