"""Optimistic concurrency for editing forms: no lost updates.

Every editing form carries the agreement's `version`. Saving re-reads the version under a
row lock inside the caller's transaction; if it moved on since the form was opened, the
save is refused with a `StaleEdit` the form shows next to the current values.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import rollup
from agreements.models import Agreement


class StaleEdit(ValidationError):
    """Somebody else changed the agreement after this form was opened."""


def check_version(agreement: Agreement, expected: int | None) -> int:
    """Lock the row and confirm it is still at `expected`; return the current version.

    Call inside a transaction (the admin's change view is one) so the lock is held until
    the save; the caller then saves with version + 1.
    """
    current = Agreement.objects.select_for_update().filter(pk=agreement.pk).values_list("version", flat=True).first()
    if current is None:
        raise StaleEdit(_("This agreement no longer exists."), code="gone")
    if expected is not None and int(expected) != current:
        raise StaleEdit(
            _("Somebody else changed this agreement while you were editing it (version %(expected)s → %(current)s). "
              "Your changes were not saved; reload to see the current values.")
            % {"expected": expected, "current": current},
            code="stale",
        )
    agreement.version = current
    return current


def bump_version(agreement: Agreement) -> None:
    """A change to the agreement's milestones: editing forms opened before it become stale, and
    a percent that comes from the milestones is computed again (agreements.rollup)."""
    Agreement.objects.filter(pk=agreement.pk).update(version=F("version") + 1, updated_at=timezone.now())
    agreement.version += 1
    rollup.store_percent(agreement)
