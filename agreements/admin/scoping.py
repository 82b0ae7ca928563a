"""How the admin asks agreements.policy: one rule for every admin path to an agreement.

Django's admin checks model permissions (may this person edit milestones at all?); the
policy answers per object (this milestone's agreement: may they see it, may they correct
its record?). `AgreementScopedAdmin` puts the policy behind every door a ModelAdmin opens —
the list and the object pages through `get_queryset`, the per-object permissions through
`has_*_permission(request, obj)`, the history list and its version pages (django-simple-
history reads `Model.history` directly and showed rows `get_queryset` had hidden), and the
foreign-key choices of add and change forms (checked on submit, not only in the autocomplete).
An agreement the user may not see answers every page exactly as one that does not exist.

Reverting from history is switched off (settings.SIMPLE_HISTORY_REVERT_DISABLED) and a
posted revert is refused here, because simple-history saves the *historical* instance
whole: status, version, owner and team included, around the workflow and the change form's
version check. Corrections go through the change form; status changes through the workflow.

Inline rows (`ParentRowsOnlyInline`) accept only ids of the parent's own rows. "View on site"
asks the same admins: agreements.admin_site.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.forms import BaseInlineFormSet, ModelChoiceField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from agreements import policy
from agreements.admin.widgets import BlankChoiceNamed
from agreements.models import Agreement

REVERT_REFUSED = gettext_lazy("Reverting from history is switched off: correct the record in its change form "
                              "(status changes go through the workflow actions).")


class AgreementScopedAdmin(BlankChoiceNamed, admin.ModelAdmin):
    """A ModelAdmin for Agreement or for a model with an `agreement` foreign key."""

    def agreement_id_of(self, obj) -> int | None:
        return obj.pk if isinstance(obj, Agreement) else obj.agreement_id

    def current_agreement(self, request, obj) -> Agreement | None:
        """The agreement `obj` belongs to as it is now (not as a historical copy says it was),
        if the user may see it; None otherwise. Read once per request and agreement."""
        agreement_id = self.agreement_id_of(obj)
        cache = request.__dict__.setdefault("_tracker_visible_agreements", {})
        if agreement_id not in cache:
            cache[agreement_id] = policy.visible_agreements(request.user).filter(pk=agreement_id).first()
        return cache[agreement_id]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.model is Agreement:
            return policy.visible_agreements(request.user, queryset)
        return queryset.filter(agreement__in=policy.visible_agreements(request.user).values("pk"))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.current_agreement(request, obj) is not None)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_edit_record(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_edit_record(request, obj))

    def _may_edit_record(self, request, obj) -> bool:
        agreement = self.current_agreement(request, obj)
        return agreement is not None and policy.can_edit_record(request.user, agreement)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """An agreement to attach a row to: only those whose record the user may correct. The
        form validates against this queryset, so a hidden agreement posted by hand is "not a
        valid choice" — exactly as an id that does not exist."""
        if db_field.related_model is Agreement:
            kwargs["queryset"] = policy.record_editable_agreements(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgreementHistoryAdmin(AgreementScopedAdmin, SimpleHistoryAdmin):
    """History pages for agreement-scoped models: readable by whoever may see the object now,
    answered as "does not exist" otherwise, never written to."""

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history rows when get_queryset() finds nothing (to
        # show deleted objects): that fallback showed hidden agreements. Not found is not found.
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self.get_object(request, unquote(object_id))
        if current is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            raise PermissionDenied(REVERT_REFUSED)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ParentRowsOnlyFormSet(BaseInlineFormSet):
    """An inline row's id must be one of this parent's rows. Django checks the hidden id field
    against every row of the table, so a row of a restricted agreement, sent by hand, passed as
    "a valid choice" where an unknown id did not: a way to tell hidden rows from missing ones."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(self._pk_field.name)
        if isinstance(field, ModelChoiceField):
            field.queryset = self.get_queryset()
        name_inline_fields(form, index, heading=f"{self.prefix}-heading")


def name_inline_fields(form, index, *, heading: str) -> None:
    """A tabular inline shows its labels once, as column headings, so each row's fields have no
    <label>: a screen reader announced "edit text" forty times. Each field is named by its column
    and row ("Title, row 2", with the column's help after it: the table shows no help under a
    field, so Django's aria-describedby pointed at nothing; it now points at the table's heading).
    The hidden ones need no name."""
    row = index + 1 if index is not None else None
    for field in form.fields.values():
        if field.widget.is_hidden:
            continue
        label = str(field.label or "")
        name = gettext("%(column)s, row %(row)d") % {"column": label, "row": row} if row else label
        if field.help_text:
            name = f"{name} ({field.help_text})"
        for widget in (field.widget, getattr(field.widget, "widget", None)):  # the admin wraps some (+ ✎ links)
            if widget is not None:
                widget.attrs["aria-label"] = name
                widget.attrs["aria-describedby"] = heading


class ParentRowsOnlyInline(BlankChoiceNamed, admin.TabularInline):
    formset = ParentRowsOnlyFormSet
