"""Progress updates: the latest one sets the agreement's health and "last updated"; the approval of a
closure records the final one."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import policy, workflow
from agreements.models import Agreement, ProgressUpdate, Status, TransitionLog, User


def record_progress(
    agreement: Agreement, *, by: User, percent_complete: int, health: str, summary: str,
    next_steps: str = "", at: datetime.datetime | None = None,
) -> ProgressUpdate:
    """Post an update and carry its health, percent and date onto the agreement.

    The agreement row is updated with a conditional UPDATE (only if this update is the
    newest), so a back-dated or concurrent update never overwrites a newer one.
    """
    if not policy.can_work_on(by, agreement):
        raise PermissionDenied(_("Only the owner, the team or a manager may post progress."))
    at = at or timezone.now()
    with transaction.atomic():
        update = ProgressUpdate.objects.create(
            agreement=agreement, author=by, created_at=at, percent_complete=percent_complete,
            health=health, summary=summary, next_steps=next_steps,
        )
        Agreement.objects.filter(Q(last_progress_at__isnull=True) | Q(last_progress_at__lte=at), pk=agreement.pk).update(
            health=health, percent_complete=percent_complete, last_progress_at=at, updated_at=timezone.now()
        )
    agreement.refresh_from_db(fields=["health", "percent_complete", "last_progress_at"])
    return update


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
