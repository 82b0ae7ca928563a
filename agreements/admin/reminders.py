"""The reminder policy (one row) and the reminder log."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from agreements import policy
from agreements.models import Reminder, ReminderPolicy, ReminderState

# --- Reminders (issue 4) -------------------------------------------------------------------




@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """One policy row: the list page opens it directly (created with the defaults on first save)."""

    fieldsets = [
        (None, {"fields": ["active", "local_hour"]}),
        (_("Milestones"), {"fields": ["due_soon_days", "overdue_repeat_days", "escalation_days"]}),
        (_("Agreements"), {"fields": ["stale_days", "stale_repeat_days", "closure_waiting_days"]}),
        (_("Weekly digest"), {"fields": ["digest_weekday"]}),
        (_("Honest health: when the data suggests at risk or off track"), {"fields": [
            "health_overdue_at_risk_days", "health_overdue_off_track_days", "health_slip_at_risk_days",
            "health_slip_off_track_days", "health_stage_at_risk_days", "health_stage_off_track_days"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        """One policy: its page if saved, else the form to save the defaults."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if ReminderPolicy.objects.filter(pk=ReminderPolicy.SINGLETON_ID).exists():
            return HttpResponseRedirect(
                reverse("admin:agreements_reminderpolicy_change", args=[ReminderPolicy.SINGLETON_ID]))
        return HttpResponseRedirect(reverse("admin:agreements_reminderpolicy_add"))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReminderStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return ReminderState.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminder log: what was decided, sent, or failed and why. Read-only, except the
    action that queues failed reminders again (after the mail server or address is fixed)."""

    list_display = ["created_at", "kind", "recipient", "focal_point", "agreement", "milestone", "state", "attempts",
                    "sent_at", "short_error"]
    list_filter = ["kind", ReminderStateFilter, ("recipient", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["recipient__username", "recipient__email", "focal_point__email", "agreement__reference",
                     "milestone__title", "key"]
    list_select_related = ["recipient", "focal_point__user", "agreement", "milestone"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    list_per_page = 100

    def get_queryset(self, request):
        visible = policy.visible_agreements(request.user).values("pk")
        return super().get_queryset(request).filter(Q(agreement__isnull=True) | Q(agreement__in=visible))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("last error"))
    def short_error(self, obj: Reminder) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("Retry the selected failed reminders"), permissions=["change"])
    def retry_failed(self, request, queryset):
        from agreements.reminders import deciding, tasks

        with transaction.atomic():
            failed = list(queryset.filter(state=ReminderState.FAILED).values_list("pk", "recipient_id", "kind"))
            Reminder.objects.filter(pk__in=[row[0] for row in failed], state=ReminderState.FAILED).update(
                state=ReminderState.QUEUED, attempts=0, next_attempt_at=timezone.now(), claim_token=None)
            transaction.on_commit(lambda: tasks.enqueue_groups(deciding.group_ids(failed)), robust=True)
        self.message_user(request, ngettext("%(count)d failed reminder queued again.",
                                            "%(count)d failed reminders queued again.", len(failed))
                          % {"count": len(failed)},
                          messages.SUCCESS if failed else messages.WARNING)
