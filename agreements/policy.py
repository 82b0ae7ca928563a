"""Who may see and change what: the one answer to "may they?".

Views, admin, import, tasks and the workflow all ask here. Roles are Django groups
(names in `Role`); superusers count as every role. Rules from DESIGN.md:

- every signed-in user reads `internal` agreements; `restricted` ones only their owner,
  team and managers;
- officers change only agreements they own or are on the team of; managers change all;
- data entry staff maintain records in the admin (within what they may see);
- viewers read, nothing more.

A request for something the user may not see answers 404 (see `get_visible_or_404`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    import datetime

    from agreements.models import Agreement, Milestone, User

log = logging.getLogger("tracker.security")


class Role:
    OFFICER = "Officer"
    MANAGER = "Manager"
    DATA_ENTRY = "Data entry"
    VIEWER = "Viewer"
    ALL = (OFFICER, MANAGER, DATA_ENTRY, VIEWER)
    # The group names are data (English, as the migration made them); people read these.
    LABELS = {OFFICER: _("Officer"), MANAGER: _("Manager"), DATA_ENTRY: _("Data entry"), VIEWER: _("Viewer")}


def role_labels(user: "User") -> list[str]:
    """The user's roles in the reader's language."""
    return sorted(str(Role.LABELS.get(name, name)) for name in roles(user))


def roles(user: "User") -> frozenset[str]:
    """The user's role names, cached on the user object (one query per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_tracker_roles", None)
    if cached is None:
        cached = frozenset(Role.ALL) if user.is_superuser else frozenset(user.groups.values_list("name", flat=True))
        user._tracker_roles = cached
    return cached


def is_manager(user: "User") -> bool:
    return Role.MANAGER in roles(user)


def is_data_entry(user: "User") -> bool:
    return Role.DATA_ENTRY in roles(user)


def is_officer(user: "User") -> bool:
    return Role.OFFICER in roles(user)


def is_viewer(user: "User") -> bool:
    return Role.VIEWER in roles(user)


# --- Seeing ---------------------------------------------------------------------------

# Every signed-in user reads these; `public` ones are also on the public progress page.
OPEN_TO_STAFF = ("internal", "public")


def public_agreements(queryset: QuerySet | None = None) -> QuerySet:
    """What the public progress page (/public/, no sign-in) shows: only agreements data entry staff
    or a manager marked public."""
    from agreements.models import Agreement

    qs = Agreement.objects.all() if queryset is None else queryset
    return qs.filter(confidentiality="public")


def visible_agreements(user: "User", queryset: QuerySet | None = None) -> QuerySet:
    """The agreements this user may read, as a queryset filter (no per-row work)."""
    from agreements.models import Agreement

    qs = Agreement.objects.all() if queryset is None else queryset
    if not roles(user):
        return qs.none()
    if is_manager(user):
        return qs
    return qs.filter(Q(confidentiality__in=OPEN_TO_STAFF) | Q(owner_id=user.pk) | Q(pk__in=team_agreement_ids(user)))


def team_agreement_ids(user: "User") -> QuerySet:
    """Ids of the agreements the user is on the team of, as a subquery.

    `pk IN (this)` rather than a correlated EXISTS: inside an OR, PostgreSQL costs an EXISTS as
    if it ran once per agreement (estimates ~80× too high at 20,000 agreements), which made it
    probe the agreements one by one behind every aggregate of a viewer's or officer's pages and
    switch its JIT compiler on. The IN list is read once, hashed, and estimated as such."""
    from agreements.models import Agreement

    return Agreement.team.through.objects.filter(user_id=user.pk).values("agreement_id")


def is_member(user: "User", agreement: "Agreement") -> bool:
    """Owner or on the team."""
    if not getattr(user, "is_authenticated", False):
        return False
    if agreement.owner_id == user.pk:
        return True
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "team" in cache:
        return any(member.pk == user.pk for member in cache["team"])
    return agreement.team.filter(pk=user.pk).exists()


def can_view(user: "User", agreement: "Agreement") -> bool:
    if not roles(user):
        return False
    if is_manager(user) or agreement.confidentiality in OPEN_TO_STAFF:
        return True
    return is_member(user, agreement)


def get_visible_or_404(user: "User", queryset: QuerySet, **lookup) -> "Agreement":
    """Fetch an agreement the user may see; anything else is 404 so references don't leak."""
    try:
        return visible_agreements(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        if queryset.filter(**lookup).exists():  # exists but hidden: worth a line in the security log
            log.warning("refused: user=%s may not see agreement %s", getattr(user, "username", "?"), lookup)
        raise Http404("No such agreement.") from None


def visible_notifications(user: "User", queryset: QuerySet | None = None) -> QuerySet:
    """The in-app notifications this user may read: only their own, and only about agreements they
    may still see (reassigned away, taken off the team, a lost role: the notification is hidden,
    as its agreement is). The digest's notification is about no agreement. One filter, no per-row work."""
    from agreements.models import Notification

    qs = Notification.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    qs = qs.filter(recipient_id=user.pk)
    if roles(user) and is_manager(user):
        return qs
    return qs.filter(Q(agreement__isnull=True) | Q(agreement__in=visible_agreements(user)))


# --- Changing -------------------------------------------------------------------------

def can_work_on(user: "User", agreement: "Agreement") -> bool:
    """Post progress, manage milestones and documents: owner/team officers and managers."""
    if is_manager(user):
        return True
    return is_officer(user) and is_member(user, agreement)


def can_edit_record(user: "User", agreement: "Agreement | None" = None) -> bool:
    """Enter and correct the agreement record itself (the admin): data entry and managers."""
    if is_manager(user):
        return True
    return is_data_entry(user) and (agreement is None or can_view(user, agreement))


def record_editable_agreements(user: "User", queryset: QuerySet | None = None) -> QuerySet:
    """`can_edit_record` as a query: the agreements a new milestone or party may be attached to
    in the admin (managers: all; data entry: those they see; everyone else: none)."""
    visible = visible_agreements(user, queryset)
    return visible if is_manager(user) or is_data_entry(user) else visible.none()


def can_reopen_milestone(user: "User", agreement: "Agreement") -> bool:
    """Undo a mistaken "done" or "waived": whoever may mark a milestone done (the same people)."""
    return can_work_on(user, agreement)


def may_withdraw_closure(user: "User", agreement: "Agreement") -> bool:
    """Take back a closure request: the agreement's owner, or whoever made the request, as long as
    they still work on the agreement."""
    if not can_work_on(user, agreement):
        return False
    return agreement.owner_id == user.pk or agreement.closure_requested_by_id == user.pk


def may_acknowledge(user: "User", milestone: "Milestone", today: "datetime.date") -> bool:
    """Say "I'm on it" about an overdue milestone: its owner only (the milestone's, else the
    agreement's), while they still work on the agreement. The e-mailed link is this right and no
    other: its holder acts as the owner for this one milestone (agreements.reminders.acknowledging)."""
    from agreements.models import OPEN_STATUSES, Milestone

    agreement = milestone.agreement
    owner_id = milestone.owner_id or agreement.owner_id
    if not user.is_active or user.pk != owner_id or agreement.status not in OPEN_STATUSES:
        return False
    return milestone.state == Milestone.State.PLANNED and milestone.due_on < today and can_work_on(user, agreement)


def can_add_documents(user: "User", agreement: "Agreement") -> bool:
    """Attach files: whoever works on the agreement, and those who keep its record."""
    return can_work_on(user, agreement) or can_edit_record(user, agreement)


def can_record_follow_up(user: "User", agreement: "Agreement") -> bool:
    """Stage dates and dependencies: whoever works on the agreement, and those who keep its record."""
    return can_work_on(user, agreement) or can_edit_record(user, agreement)


def can_reassign(user: "User", agreement: "Agreement") -> bool:
    return is_manager(user)


@dataclass(frozen=True)
class Rights:
    """What one person may do on one agreement: asked once per request (`rights_on`) and handed
    on to the page, its forms and its buttons, instead of each asking again."""

    work: bool  # progress, milestones (can_work_on)
    add_documents: bool
    reassign: bool
    member: bool  # owner or on the team


def rights_on(user: "User", agreement: "Agreement") -> Rights:
    return Rights(work=can_work_on(user, agreement), add_documents=can_add_documents(user, agreement),
                  reassign=can_reassign(user, agreement), member=is_member(user, agreement))


def can_view_reports(user: "User") -> bool:
    return is_manager(user) or is_viewer(user)


def can_view_changes(user: "User") -> bool:
    """"What changed since": every role, each for the agreements they may see (visible_agreements)."""
    return bool(roles(user))


# --- Workflow rights ("who may" column of the workflow table) -------------------------

def may_sign(user: "User", agreement: "Agreement") -> bool:
    return is_manager(user) or (is_data_entry(user) and can_view(user, agreement))


def may_act_as_member(user: "User", agreement: "Agreement") -> bool:
    return can_work_on(user, agreement)


def may_act_as_manager(user: "User", agreement: "Agreement") -> bool:
    return is_manager(user)


# --- Both sides confirm (issue 19) ------------------------------------------------------------

def may_ask_confirmation(user: "User", agreement: "Agreement") -> bool:
    """Asking the focal points again (after a link expired or a dispute was dealt with): who works on it."""
    return can_work_on(user, agreement)


def may_answer_confirmation(confirmation) -> bool:
    """The holder of a signed link (agreements.confirming) may answer it while the person it was sent
    to is still that side's focal point (same side, same address), and — a user of the tracker — their
    account is active. No account and no right to see the agreement are needed: the link page shows
    only what to confirm."""
    focal_point = confirmation.focal_point
    if focal_point.agreement_id != confirmation.agreement_id or focal_point.side != confirmation.side:
        return False
    if focal_point.address != confirmation.sent_to:
        return False  # replaced by another person since it was asked
    return focal_point.user_id is None or focal_point.user.is_active


def may_receive_confirmation_mail(reminder) -> bool:
    """A reminder to confirm goes to the focal point the confirmation was asked of (the e-mail, like
    the link, names only the agreement and what to confirm)."""
    confirmation = reminder.confirmation
    return (confirmation is not None and reminder.focal_point_id == confirmation.focal_point_id
            and may_answer_confirmation(confirmation))
