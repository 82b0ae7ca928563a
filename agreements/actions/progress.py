"""Progress updates: the latest one sets the agreement's health and "last updated"."""
from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import policy
from agreements.models import Agreement, ProgressUpdate, User


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
