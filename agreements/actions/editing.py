"""Optimistic concurrency for editing forms: no lost updates, and no conflict that is not one.

Forms of the agreement record carry the agreement's `version`. Saving re-reads the version under a
row lock inside the caller's transaction; if it moved on since the form was opened, the
save is refused with a `StaleEdit` the form shows next to the current values.

Forms of one milestone carry instead the values the person saw (`merge_fields`): a change to
another milestone, or to another field of the same one, is no conflict and both are kept; only a
field the person changed that somebody else changed meanwhile to something else is refused, in
words naming both values (`FieldConflict`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
            _("Somebody else changed this agreement while you were editing. Your changes were not saved: "
              "the page now shows the current values; check them, then save again if yours still apply."),
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


@dataclass(frozen=True)
class Clash:
    label: str
    theirs: str  # the value saved meanwhile by somebody else
    yours: str  # the value this person asked for


class FieldConflict(StaleEdit):
    """A field this person changed was changed meanwhile by somebody else to another value."""

    def __init__(self, clashes: list[Clash]):
        self.clashes = clashes
        sentences = [_("%(field)s was changed meanwhile to “%(theirs)s”; you entered “%(yours)s”.")
                     % {"field": clash.label, "theirs": clash.theirs, "yours": clash.yours} for clash in clashes]
        super().__init__(" ".join(sentences) + " " + _("Nothing was saved: choose which to keep and save again."),
                         code="conflict")


def merge_fields(fields: dict[str, str], *, current: dict, seen: dict, wanted: dict,
                 shown: Callable[[str, object], str] = lambda name, value: str(value)) -> dict:
    """The values to save: what the person changed, over what is there now.

    `fields` names each field in words; `seen` is what the person's form showed, `wanted` what they
    submitted, `current` what is stored now (read under the caller's lock). A field they left alone
    keeps its current value (somebody else's change survives); a field they changed wins unless
    somebody else changed it meanwhile to a different value: then FieldConflict, naming both."""
    merged, clashes = dict(current), []
    for name, label in fields.items():
        if wanted[name] == seen[name]:
            continue
        if current[name] not in (seen[name], wanted[name]):
            clashes.append(Clash(str(label), shown(name, current[name]), shown(name, wanted[name])))
        merged[name] = wanted[name]
    if clashes:
        raise FieldConflict(clashes)
    return merged
