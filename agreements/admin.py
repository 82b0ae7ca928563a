"""The Django admin, where data entry staff enter and correct records.

Every "may they?" goes to agreements.policy; every status change to agreements.workflow
(the transitions are admin actions, their refusals shown as messages).
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from django_countries import countries

from agreements import documents, policy, workflow
from agreements.admin_policy import AgreementHistoryAdmin, AgreementScopedAdmin, ParentRowsOnlyInline
from agreements.editing import bump_version, check_version
from agreements.filters import countries_in_use
from agreements.models import (
    Agreement, Document, FocusArea, Milestone, Organization, Party, Pillar, ProgressUpdate, TransitionLog, User,
)

# --- Filters ----------------------------------------------------------------------------


class CountryFilter(admin.SimpleListFilter):
    title = _("party country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return sorted(((code, countries.name(code)) for code in countries_in_use()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(parties__organization__country=self.value()).distinct()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset


# --- Agreement ----------------------------------------------------------------------------


class PartyInline(ParentRowsOnlyInline):
    model = Party
    extra = 0
    min_num = 0
    autocomplete_fields = ["organization"]


class MilestoneInline(ParentRowsOnlyInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "owner", "state", "done_on", "evidence", "waiver_reason"]
    autocomplete_fields = ["owner"]


class DocumentInlineForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and hasattr(upload, "content_type") and not self.instance.pk:
            self.instance.content_type = documents.detect_content_type(upload)
            self.instance.original_name = upload.name[:255]
            self.instance.size = upload.size
        return upload


class DocumentInline(ParentRowsOnlyInline):
    model = Document
    form = DocumentInlineForm
    extra = 0
    fields = ["title", "file", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["content_type", "size", "uploaded_by", "uploaded_at"]

    def has_change_permission(self, request, obj=None):
        return False  # documents are immutable once stored; delete and upload again


class AgreementAdminForm(forms.ModelForm):
    """Carries the version the editor started from, so a stale save cannot overwrite."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Agreement
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            check_version(self.instance, cleaned.get("expected_version"))
        return cleaned


@admin.register(Agreement)
class AgreementAdmin(AgreementHistoryAdmin):
    form = AgreementAdminForm
    list_display = ["reference", "title", "pillar", "status", "health", "owner", "signed_on", "confidentiality"]
    list_filter = ["pillar", "status", CountryFilter, "health", ("owner", admin.RelatedOnlyFieldListFilter),
                   "confidentiality", "kind"]
    search_fields = ["reference", "title", "parties__organization__name"]
    list_select_related = ["pillar", "owner"]
    autocomplete_fields = ["owner", "team", "lead_organization"]
    filter_horizontal = ["focus_areas"]
    readonly_fields = ["status", "health", "percent_complete", "last_progress_at", "version", "status_changed_at"]
    inlines = [PartyInline, MilestoneInline, DocumentInline]
    date_hierarchy = "signed_on"
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["reference", "title", "summary", "kind", "pillar", "focus_areas"]}),
        (_("Signature and value"), {"fields": ["signed_on", "signed_at", "value", "currency", "end_date"]}),
        (_("Responsibility"), {"fields": ["owner", "team", "lead_organization", "confidentiality"]}),
        (_("Status (changed through the workflow actions)"),
         {"fields": ["status", "status_changed_at", "health", "percent_complete", "last_progress_at", "version",
                     "expected_version"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Deleting loses history; data entry corrects instead.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        """The autocomplete of a milestone's or party's agreement offers what the form accepts."""
        if request.path == reverse("admin:autocomplete"):
            queryset = policy.record_editable_agreements(request.user, queryset)
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Document) and not instance.pk:
                instance.uploaded_by = request.user
        formset.save()

    def get_actions(self, request):
        actions = super().get_actions(request)
        for rule in workflow.RULES_BY_ACTION.values():
            name = f"transition_{rule.action}"
            actions[name] = (make_transition_action(rule), name, rule.label)
        return actions


class TransitionForm(forms.Form):
    comment = forms.CharField(label=_("Comment or reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def make_transition_action(rule: workflow.Rule):
    """An admin action that asks for a comment, then sends each agreement through the workflow."""

    def action(modeladmin: AgreementAdmin, request, queryset: QuerySet):
        form = TransitionForm(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid():
            return TemplateResponse(request, "admin/agreements/transition.html", {
                **modeladmin.admin_site.each_context(request),
                "title": rule.label, "rule": rule, "form": form, "agreements": queryset,
                "action_name": f"transition_{rule.action}", "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "opts": modeladmin.model._meta,
            })
        done = 0
        for agreement in queryset.select_related(None).order_by("reference"):
            to = workflow.target_of(agreement.status, rule.action)
            try:
                if to is None:
                    raise workflow.TransitionError(
                        gettext("“%(action)s” is not possible from %(status)s.")
                        % {"action": rule.label, "status": agreement.get_status_display().lower()}
                    )
                workflow.transition(agreement, to, by=request.user, comment=form.cleaned_data["comment"])
                done += 1
            except workflow.TransitionError as error:
                modeladmin.message_user(request, f"{agreement.reference}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(request, gettext("%(action)s: %(count)d agreement(s) done.")
                                    % {"action": rule.label, "count": done}, messages.SUCCESS)
        return None

    action.__name__ = f"transition_{rule.action}"
    return action


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


# --- Reference data ------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "country", "kind", "sector"]
    list_filter = ["country", "kind"]
    search_fields = ["name", "short_name"]


class FocusAreaInline(ParentRowsOnlyInline):
    model = FocusArea
    extra = 0


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    inlines = [FocusAreaInline]


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "pillar", "code", "position"]
    list_filter = ["pillar"]
    search_fields = ["name"]


# --- Users ---------------------------------------------------------------------------------

ASSIGNABLE_BY_DATA_ENTRY = [policy.Role.OFFICER, policy.Role.VIEWER]
PASSWORDS_BY_ADMINISTRATORS = _("Only an administrator sets or resets passwords of existing accounts: ask one "
                                "if this person cannot sign in.")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Data entry staff create officers and viewers; only superusers grant staff, manager or
    data entry rights (otherwise a data entry user could promote themselves)."""

    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "time_zone"]
    list_filter = ["is_active", "is_staff", "groups"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Time zone and e-mail"), {"fields": ["time_zone", "notify_stale", "notify_digest"]}),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Not the password either: its widget links to the set-password page they may not use.
        hidden = {"is_superuser", "is_staff", "user_permissions", "password"}
        shown = [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]
        shown[0][1]["description"] = PASSWORDS_BY_ADMINISTRATORS
        return shown

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        privileged = [policy.Role.MANAGER, policy.Role.DATA_ENTRY]
        return qs.filter(is_superuser=False, is_staff=False).exclude(groups__name__in=privileged)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ASSIGNABLE_BY_DATA_ENTRY)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser:
            return allowed
        return allowed and self.get_queryset(request).filter(pk=obj.pk).exists()

    def user_change_password(self, request, id, form_url=""):
        """Setting someone's password is signing in as them: administrators only. Data entry
        staff set the first password when they create an account, never after."""
        if not request.user.is_superuser and self.get_object(request, unquote(id)) is not None:
            raise PermissionDenied(PASSWORDS_BY_ADMINISTRATORS)
        return super().user_change_password(request, id, form_url)  # 404 for a hidden or missing account


# --- Bulk import and export (agreements.imports, agreements.exports) ------------------------------
# Pages under /admin/agreements/agreement/: import/ (upload → preview = dry run → confirm),
# import/template/<csv|xlsx|milestones-csv>/, export/<csv|xlsx|milestones-csv>/ (the list's
# filter parameters apply), and two changelist actions exporting the selected agreements.

from django.conf import settings  # noqa: E402
from django.http import Http404  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.urls import path  # noqa: E402

from agreements import exports, import_staging, views  # noqa: E402
from agreements.forms import submitted  # noqa: E402
from agreements.columns import AGREEMENT_COLUMNS, MILESTONE_COLUMNS  # noqa: E402
from agreements.imports import import_agreements  # noqa: E402
from agreements.spreadsheets import ENCODINGS, FileRefused, read_upload  # noqa: E402

PREVIEW_ROWS = 500  # rows listed on the preview page; the counts above it cover all of them
ENCODING_CHOICES = [("auto", _("UTF-8 (with or without BOM) — recommended")),
                    ("cp1251", _("Windows-1251 (Cyrillic)")), ("cp1252", _("Windows-1252 (Western European)"))]


class ImportForm(forms.Form):
    agreements = forms.FileField(label=_("Agreements file"), help_text=_("CSV, or XLSX with an “agreements” sheet "
                                                                         "(and optionally a “milestones” sheet)."))
    milestones = forms.FileField(label=_("Milestones file"), required=False,
                                 help_text=_("Optional: a milestones CSV, when the agreements file is a CSV."))
    create_organizations = forms.BooleanField(
        label=_("Create missing organizations"), required=False,
        help_text=_("Otherwise an organization the file names that does not exist yet is an error."))
    encoding = forms.ChoiceField(label=_("Encoding of a CSV file"), choices=ENCODING_CHOICES, initial="auto")


class ConfirmImportForm(forms.Form):
    token = forms.RegexField(import_staging.TOKEN_RE, widget=forms.HiddenInput)
    create_organizations = forms.BooleanField(required=False, widget=forms.HiddenInput)
    encoding = forms.ChoiceField(choices=[(key, key) for key in ENCODINGS], widget=forms.HiddenInput)


def export_selected_xlsx(modeladmin, request, queryset):
    return exports.xlsx_response(queryset.order_by("reference"))


def export_selected_csv(modeladmin, request, queryset):
    return exports.agreements_csv_response(queryset.order_by("reference"))


export_selected_xlsx.short_description = _("Export selected agreements and their milestones (XLSX)")
export_selected_csv.short_description = _("Export selected agreements (CSV)")


class AgreementImportExportAdmin(AgreementAdmin):
    """AgreementAdmin plus the import and export pages (kept apart so the merge stays additive)."""

    actions = [export_selected_xlsx, export_selected_csv]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="agreements_agreement_import"),
            path("import/confirm/", view(self.import_confirm_view), name="agreements_agreement_import_confirm"),
            path("import/template/<str:fmt>/", view(self.template_view), name="agreements_agreement_import_template"),
            path("export/<str:fmt>/", view(self.export_view), name="agreements_agreement_export"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import": policy.can_edit_record(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def _import_page(self, request, form, report=None, confirm=None):
        changed = [outcome for outcome in report.outcomes if outcome.action != "unchanged"] if report else []
        return TemplateResponse(request, "admin/agreements/agreement/import.html", {
            "changed": changed[:PREVIEW_ROWS], "changed_left_out": max(0, len(changed) - PREVIEW_ROWS),
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": gettext("Import agreements"),
            "form": form, "report": report, "confirm": confirm, "agreement_columns": AGREEMENT_COLUMNS,
            "milestone_columns": MILESTONE_COLUMNS, "accepted_values": exports.accepted_values(),
            "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        })

    def import_view(self, request):
        """Upload → dry run → preview with a confirm button (the bytes wait in import_staging)."""
        if not policy.can_edit_record(request.user):
            raise PermissionDenied
        form = ImportForm(submitted(request), request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._import_page(request, form)
        options = {key: form.cleaned_data[key] for key in ("create_organizations", "encoding")}
        try:
            uploads = {kind: read_upload(form.cleaned_data[kind]) for kind in ("agreements", "milestones")
                       if form.cleaned_data.get(kind)}
        except FileRefused as refused:
            form.add_error(None, refused)
            return self._import_page(request, form)
        report = import_agreements(request.user, uploads["agreements"], uploads.get("milestones"), dry_run=True,
                                   **options)
        confirm = None
        if report.ok:
            confirm = ConfirmImportForm(initial={"token": import_staging.stage(request.user, uploads), **options})
        return self._import_page(request, ImportForm(), report, confirm)

    def import_confirm_view(self, request):
        if not policy.can_edit_record(request.user):
            raise PermissionDenied
        form = ConfirmImportForm(submitted(request))
        uploads = import_staging.load(request.user, form.data.get("token", "")) if form.is_valid() else None
        if request.method != "POST" or uploads is None:
            self.message_user(request, gettext("That upload is no longer waiting; choose the file again."),
                              messages.WARNING)
            return redirect("admin:agreements_agreement_import")
        options = {key: form.cleaned_data[key] for key in ("create_organizations", "encoding")}
        report = import_agreements(request.user, uploads["agreements"], uploads.get("milestones"), **options)
        import_staging.discard(request.user, form.cleaned_data["token"])
        if not report.ok:
            return self._import_page(request, ImportForm(), report)
        self.message_user(request, report.summary(), messages.SUCCESS)
        return redirect("admin:agreements_agreement_changelist")

    def template_view(self, request, fmt: str):
        if fmt == "xlsx":
            return exports.template_xlsx_response()
        if fmt in ("csv", "milestones-csv"):
            return exports.template_csv_response("milestones" if fmt == "milestones-csv" else "agreements")
        raise Http404

    def export_view(self, request, fmt: str):
        """The site's export (the list's filter parameters, invalid ones refused, the visible
        agreements only) behind the admin's own permission."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views.export_agreements(request, fmt)


admin.site.unregister(Agreement)
admin.site.register(Agreement, AgreementImportExportAdmin)

# --- Reminders (issue 4) -------------------------------------------------------------------

from django.db import transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402

from agreements.models import Reminder, ReminderPolicy, ReminderState  # noqa: E402


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """One policy row: the list page opens it directly (created with the defaults on first save)."""

    fieldsets = [
        (None, {"fields": ["active", "local_hour"]}),
        (_("Milestones"), {"fields": ["due_soon_days", "overdue_repeat_days", "escalation_days"]}),
        (_("Agreements"), {"fields": ["stale_days", "stale_repeat_days", "closure_waiting_days"]}),
        (_("Weekly digest"), {"fields": ["digest_weekday"]}),
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

    list_display = ["created_at", "kind", "recipient", "agreement", "milestone", "state", "attempts", "sent_at",
                    "short_error"]
    list_filter = ["kind", ReminderStateFilter, ("recipient", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["recipient__username", "recipient__email", "agreement__reference", "milestone__title", "key"]
    list_select_related = ["recipient", "agreement", "milestone"]
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
        from agreements import reminders, tasks

        with transaction.atomic():
            failed = list(queryset.filter(state=ReminderState.FAILED).values_list("pk", "recipient_id", "kind"))
            Reminder.objects.filter(pk__in=[row[0] for row in failed], state=ReminderState.FAILED).update(
                state=ReminderState.QUEUED, attempts=0, next_attempt_at=timezone.now(), claim_token=None)
            transaction.on_commit(lambda: tasks.enqueue_groups(reminders.group_ids(failed)), robust=True)
        self.message_user(request, gettext("%(count)d failed reminder(s) queued again.") % {"count": len(failed)},
                          messages.SUCCESS if failed else messages.WARNING)


# --- Date drill-downs that cannot crash (issue 8; keep this block last) ----------------------

from django.contrib.admin.options import IncorrectLookupParameters  # noqa: E402
from django.contrib.admin.views.main import ChangeList  # noqa: E402


class DateDrillDownChangeList(ChangeList):
    """Django 5.2's date drill-down answers a year it cannot step past (`?signed_on__year=9999`,
    a 20-digit year) with a 500 (ticket #37357, fixed in a later Django): treat it as the bad
    lookup it is, which the admin answers with the list and its "wrong filter" message (`?e=1`)."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class DateDrillDownMixin:
    def get_changelist(self, request, **kwargs):
        return DateDrillDownChangeList


def _safe_date_drill_downs(site: admin.AdminSite) -> None:
    """Every admin list with a date drill-down, ours and other apps' (axes' logs...): those apps
    come before `agreements` in INSTALLED_APPS, so their admins are registered by now."""
    for model, model_admin in list(site._registry.items()):
        if model_admin.date_hierarchy and not isinstance(model_admin, DateDrillDownMixin):
            site.unregister(model)
            original = type(model_admin)
            safe = type(original.__name__, (DateDrillDownMixin, original), {"__module__": original.__module__})
            site.register(model, safe)


_safe_date_drill_downs(admin.site)
