"""Progress updates: the latest one sets the agreement's health and "last updated"; the approval of a
closure records the final one."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import health as honest_health, policy, workflow
from agreements.models import Agreement, ProgressUpdate, Status, TransitionLog, User


def record_progress(
    agreement: Agreement, *, by: User, percent_complete: int, health: str, summary: str,
    next_steps: str = "", at: datetime.datetime | None = None, health_reason: str = "",
) -> ProgressUpdate:
    """Post an update and carry its health, percent and date onto the agreement.

    The health the data suggests (agreements.health) is stored with the update; reporting a
    better one needs a reason (the page, the API and the import all come through here).

    The agreement row is updated with a conditional UPDATE (only if this update is the
    newest), so a back-dated or concurrent update never overwrites a newer one.
    """
    if not policy.can_work_on(by, agreement):
        raise PermissionDenied(_("Only the owner, the team or a manager may post progress."))
    at = at or timezone.now()
    suggestion = honest_health.suggest(agreement, timezone.localdate(at), posting=True)  # as of its date
    health_reason = health_reason.strip()
    if suggestion and honest_health.better_than(health, suggestion.health) and not health_reason:
        raise ValidationError({"health_reason": reason_needed(suggestion)})
    with transaction.atomic():
        update = ProgressUpdate.objects.create(
            agreement=agreement, author=by, created_at=at, percent_complete=percent_complete,
            health=health, summary=summary, next_steps=next_steps,
            suggested_health=suggestion.health if suggestion else "",
            health_reason=health_reason if suggestion and honest_health.better_than(health, suggestion.health) else "",
        )
        # An agreement whose percent comes from its milestones keeps that one (the update keeps its own figure).
        officers = agreement.percent_from == Agreement.PercentFrom.OFFICER
        Agreement.objects.filter(Q(last_progress_at__isnull=True) | Q(last_progress_at__lte=at), pk=agreement.pk).update(
            health=health, percent_complete=percent_complete if officers else F("percent_complete"),
            last_progress_at=at, updated_at=timezone.now()
        )
    agreement.refresh_from_db(fields=["health", "percent_complete", "last_progress_at"])
    return update


def reason_needed(suggestion: honest_health.Suggestion) -> str:
    return _("The data suggests “%(health)s” (%(why)s): say why the health is better than that.") % {
        "health": suggestion.label, "why": "; ".join(suggestion.reasons)}


def approve_closure(agreement: Agreement, *, by: User, percent_complete: int, health: str, comment: str = "",
                    at: datetime.datetime | None = None) -> TransitionLog:
    """Complete a pending closure (workflow: a second manager) and record the final health and
    percent as a progress update, in one transaction: both happen or neither."""
    at = at or timezone.now()
    with transaction.atomic():
        log = workflow.transition(agreement, Status.COMPLETED, by=by, comment=comment, at=at)
        record_progress(agreement, by=by, percent_complete=percent_complete, health=health, at=at,
                        summary=comment.strip() or _("Final progress, recorded when the closure was approved."))
    return log
