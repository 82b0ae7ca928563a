"""The agreement admin: the record, its parties, milestones and documents as inlines, and
the workflow transitions as actions (their refusals shown as messages)."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from agreements import confirming, policy, references, rollup, workflow
from agreements.actions import documents
from agreements.actions.editing import check_version
from agreements.admin.filters import CountryFilter
from agreements.admin.imports import ImportExportPages
from agreements.admin.scoping import AgreementHistoryAdmin, ParentRowsOnlyInline
from agreements.models import Agreement, Document, FocalPoint, Milestone, Party, SourceLink

# --- Agreement ----------------------------------------------------------------------------


class PartyInline(ParentRowsOnlyInline):
    model = Party
    extra = 0
    min_num = 0
    autocomplete_fields = ["organization"]


class FocalPointForm(forms.ModelForm):
    """A contact's language from the site's languages (the model stores the code, as User.language)."""

    language = forms.ChoiceField(label=_("language"), required=False,
                                 choices=[("", "—"), *settings.LANGUAGES],
                                 help_text=_("The language of the e-mails a contact receives."))

    class Meta:
        model = FocalPoint
        fields = ["side", "user", "name", "email", "language", "organization"]


class FocalPointInline(ParentRowsOnlyInline):
    """Who confirms milestones and the closure for each side (issue 19); kept as the parties are."""

    model = FocalPoint
    form = FocalPointForm
    extra = 0
    max_num = 2
    autocomplete_fields = ["user", "organization"]


class SourceLinkInline(ParentRowsOnlyInline):
    """The public pages the record rests on (issue 16)."""

    model = SourceLink
    extra = 0
    fields = ["title", "url", "position"]


class MilestoneInline(ParentRowsOnlyInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "owner", "weight", "needs_counterpart_confirmation", "state", "done_on", "evidence",
              "waiver_reason"]
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
        elif "reference" in self.fields:
            # As the importer does: a blank reference gets the next free number on saving.
            self.fields["reference"].required = False
            self.fields["reference"].help_text = _("Leave blank for the next free number (CAJ-YYYY-NNN, YYYY being "
                                                   "the year of signature), as the import does.")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            check_version(self.instance, cleaned.get("expected_version"))
        return cleaned


@admin.register(Agreement)
class AgreementAdmin(ImportExportPages, AgreementHistoryAdmin):
    form = AgreementAdminForm
    list_display = ["reference", "title", "pillar", "status", "health", "owner", "signed_on", "confidentiality"]
    list_filter = ["pillar", "status", CountryFilter, "health", ("owner", admin.RelatedOnlyFieldListFilter),
                   "confidentiality", "kind", "origin", "confidence"]
    search_fields = ["reference", "title", "parties__organization__name"]
    list_select_related = ["pillar", "owner"]
    autocomplete_fields = ["owner", "team", "lead_organization"]
    filter_horizontal = ["focus_areas"]
    readonly_fields = ["status", "health", "percent_complete", "last_progress_at", "version", "status_changed_at"]
    inlines = [PartyInline, FocalPointInline, SourceLinkInline, MilestoneInline, DocumentInline]
    date_hierarchy = "signed_on"
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["reference", "title", "title_ru", "title_ja", "summary", "kind", "pillar", "focus_areas"]}),
        (_("Signature and value"), {"fields": ["signed_on", "signed_at", "value", "currency", "end_date"]}),
        (_("Responsibility"), {"fields": ["owner", "team", "lead_organization", "confidentiality"]}),
        (_("Public record"), {"fields": ["origin", "confidence", "date_precision", "date_as_reported"]}),
        (_("Status (changed through the workflow actions)"),
         {"fields": ["status", "status_changed_at", "health", "percent_from", "percent_complete", "last_progress_at",
                     "version"]}),
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
        elif not obj.reference:
            # Inside the admin's transaction, under the same lock as the importer's numbering.
            year = obj.signed_on.year if obj.signed_on else timezone.localdate().year
            obj.reference = references.allocate([year])[0]
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Milestones edited in the inline, or the percent's source changed: compute it again."""
        super().save_related(request, form, formsets, change)
        rollup.store_percent(form.instance)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Document) and not instance.pk:
                instance.uploaded_by = request.user
        formset.save()
        if formset.model is Milestone:
            self.ask_for_confirmations(request, formset)

    def ask_for_confirmations(self, request, formset) -> None:
        """A milestone marked done here that needs the counterpart's confirmation asks the focal points,
        as the agreement page's "Mark done" does (inside the admin's transaction)."""
        for row in formset.forms:
            milestone = row.instance
            became_done = "state" in row.changed_data and milestone.state == Milestone.State.DONE
            if milestone.pk and became_done and milestone.needs_counterpart_confirmation:
                confirming.ask(formset.instance, milestone=milestone, by=request.user)

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
                workflow.transition(agreement, to, by=request.user, comment=form.cleaned_data["comment"],
                                    action=rule.action)
                done += 1
            except workflow.TransitionError as error:
                modeladmin.message_user(request, f"{agreement.reference}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            modeladmin.message_user(request, ngettext("%(action)s: %(count)d agreement done.",
                                                      "%(action)s: %(count)d agreements done.", done)
                                    % {"action": rule.label, "count": done}, messages.SUCCESS)
        return None

    action.__name__ = f"transition_{rule.action}"
    return action
