"""Bulk import and export pages under /admin/agreements/agreement/: import/ (upload → preview =
dry run → confirm), import/template/<csv|xlsx|milestones-csv>/, export/<csv|xlsx|milestones-csv>/
(the list's filter parameters apply), and two changelist actions exporting the selected agreements."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy as _

from agreements import policy
from agreements.imports import exports, staging
from agreements.imports.columns import AGREEMENT_COLUMNS, MILESTONE_COLUMNS
from agreements.imports.files import ENCODINGS, FileRefused, read_upload
from agreements.imports.importer import import_agreements

# --- Bulk import and export (agreements.imports, agreements.imports.exports) ------------------------------
# Pages under /admin/agreements/agreement/: import/ (upload → preview = dry run → confirm),
# import/template/<csv|xlsx|milestones-csv>/, export/<csv|xlsx|milestones-csv>/ (the list's
# filter parameters apply), and two changelist actions exporting the selected agreements.



PREVIEW_ROWS = 500  # rows listed on the preview page; the counts above it cover all of them
ENCODING_CHOICES = [("auto", _("UTF-8 (with or without BOM) — recommended; Cyrillic code pages are recognised")),
                    ("cp1251", _("Windows-1251 (Cyrillic)")), ("koi8_r", _("KOI8-R (Cyrillic)")),
                    ("cp1252", _("Windows-1252 (Western European)"))]


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
    token = forms.RegexField(staging.TOKEN_RE, widget=forms.HiddenInput)
    create_organizations = forms.BooleanField(required=False, widget=forms.HiddenInput)
    encoding = forms.ChoiceField(choices=[(key, key) for key in ENCODINGS], widget=forms.HiddenInput)


def export_selected_xlsx(modeladmin, request, queryset):
    return exports.xlsx_response(queryset.order_by("reference"))


def export_selected_csv(modeladmin, request, queryset):
    return exports.agreements_csv_response(queryset.order_by("reference"))


export_selected_xlsx.short_description = _("Export selected agreements and their milestones (XLSX)")
export_selected_csv.short_description = _("Export selected agreements (CSV)")


class ImportExportPages:
    """The import and export pages and actions of the agreement admin (agreements.admin.agreements)."""

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
        form = ImportForm(request.POST if request.method == "POST" else None, request.FILES or None)
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
            confirm = ConfirmImportForm(initial={"token": staging.stage(request.user, uploads), **options})
        return self._import_page(request, ImportForm(), report, confirm)

    def import_confirm_view(self, request):
        if not policy.can_edit_record(request.user):
            raise PermissionDenied
        form = ConfirmImportForm(request.POST if request.method == "POST" else None)
        uploads = staging.load(request.user, form.data.get("token", "")) if form.is_valid() else None
        if request.method != "POST" or uploads is None:
            self.message_user(request, gettext("That upload is no longer waiting; choose the file again."),
                              messages.WARNING)
            return redirect("admin:agreements_agreement_import")
        options = {key: form.cleaned_data[key] for key in ("create_organizations", "encoding")}
        report = import_agreements(request.user, uploads["agreements"], uploads.get("milestones"), **options)
        staging.discard(request.user, form.cleaned_data["token"])
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
        return exports.export_response(request, fmt)
