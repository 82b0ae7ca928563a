"""Admins of an agreement's children: milestones, parties, progress updates, documents and
the transition log — each scoped to the agreements the user may see."""
from __future__ import annotations

from django.contrib import admin

from agreements.actions.editing import bump_version
from agreements.admin.filters import OverdueFilter
from agreements.admin.scoping import AgreementHistoryAdmin, AgreementScopedAdmin
from agreements.models import Document, Milestone, Party, ProgressUpdate, TransitionLog

# --- Children of an agreement --------------------------------------------------------------


@admin.register(Milestone)
class MilestoneAdmin(AgreementHistoryAdmin):
    list_display = ["title", "agreement", "due_on", "state", "owner", "done_on"]
    list_filter = ["state", OverdueFilter, ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "agreement__reference", "agreement__title"]
    list_select_related = ["agreement", "owner"]
    autocomplete_fields = ["agreement", "owner"]
    date_hierarchy = "due_on"

    def get_readonly_fields(self, request, obj=None):
        return ["agreement"] if obj else []  # a milestone stays with its agreement (and its history with it)

    def save_model(self, request, obj, form, change):
        """An officer's milestone form opened before this correction must not overwrite it."""
        super().save_model(request, obj, form, change)
        bump_version(obj.agreement)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_version(obj.agreement)


@admin.register(Party)
class PartyAdmin(AgreementHistoryAdmin):
    list_display = ["organization", "role", "agreement"]
    list_filter = ["role", "organization__country"]
    search_fields = ["organization__name", "agreement__reference"]
    list_select_related = ["organization", "agreement"]
    autocomplete_fields = ["agreement", "organization"]

    def get_readonly_fields(self, request, obj=None):
        return ["agreement"] if obj else []


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AgreementScopedAdmin):
    list_display = ["agreement", "created_at", "author", "percent_complete", "health"]
    list_filter = ["health"]
    search_fields = ["agreement__reference", "summary"]
    list_select_related = ["agreement", "author"]
    readonly_fields = ["agreement", "author", "created_at", "percent_complete", "health", "summary", "next_steps"]

    def has_add_permission(self, request):
        return False  # posted by officers on the agreement page, so health and dates stay consistent


@admin.register(Document)
class DocumentAdmin(AgreementScopedAdmin):
    list_display = ["title", "agreement", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["title", "original_name", "agreement__reference"]
    list_select_related = ["agreement", "uploaded_by"]
    readonly_fields = ["agreement", "title", "file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request):
        return False  # added through the agreement's inline, which checks the file


@admin.register(TransitionLog)
class TransitionLogAdmin(AgreementScopedAdmin):
    list_display = ["agreement", "action", "from_status", "to_status", "by", "at"]
    list_filter = ["action", "to_status"]
    search_fields = ["agreement__reference", "comment"]
    list_select_related = ["agreement", "by"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
