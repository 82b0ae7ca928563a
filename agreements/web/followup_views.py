"""The agreement page's follow-up actions: record a stage's planned and actual dates, add and
remove dependencies; and the report of agreements per stage and kind.

Logic lives in agreements.followup; these views validate input, ask it, and answer with the
agreement page (a failed form re-rendered in place, 400) or a redirect to the part changed.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import policy
from agreements.followup import dependencies, stages
from agreements.models import Dependency, Stage
from agreements.web.agreement_page import load_agreement, render_agreement_page, require
from agreements.web.followup_forms import NOT_ALLOWED, DependencyForm, RemoveForm, StageForm


@require_POST
def record_stage(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    require(policy.can_record_follow_up(request.user, agreement), str(NOT_ALLOWED))
    stage = get_object_or_404(Stage, pk=pk, kind=agreement.kind)
    form = StageForm(request.POST, prefix=f"stage-{pk}")
    if form.is_valid():
        try:
            stages.record_stage(agreement, stage, by=request.user, **form.cleaned_data)
            messages.success(request, _("Stage “%(stage)s” is recorded.") % {"stage": stage.name})
            return redirect(f"{agreement.get_absolute_url()}#stages")
        except ValidationError as error:
            _add_errors(form, error)
    return render_agreement_page(request, agreement, status=400, forms={("stage", pk): form})


@require_POST
def add_dependency(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    require(policy.can_record_follow_up(request.user, agreement), str(NOT_ALLOWED))
    form = DependencyForm(request.POST, agreement=agreement, user=request.user, prefix="dep")
    if form.is_valid():
        data = form.cleaned_data
        try:
            dependencies.add_dependency(by=request.user, dependent=data["dependent_item"],
                                        prerequisite=data["prerequisite_item"], note=data.get("note", ""))
            messages.success(request, _("The dependency is recorded."))
            return redirect(f"{agreement.get_absolute_url()}#dependencies")
        except (ValidationError, PermissionDenied) as error:
            _add_errors(form, error)
    return render_agreement_page(request, agreement, status=400, forms={"dependency": form})


@require_POST
def remove_dependency(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    require(policy.can_record_follow_up(request.user, agreement), str(NOT_ALLOWED))
    dependency = Dependency.objects.select_related("dependent_milestone__agreement", "dependent_agreement").filter(
        pk=pk).first()
    if dependency is None or dependencies._agreement_of(dependency.dependent).pk != agreement.pk:
        raise Http404("No such dependency.")
    if not RemoveForm(request.POST).is_valid():
        return HttpResponse(_("Use the Remove button on the agreement page."), status=400, content_type="text/plain")
    dependencies.remove_dependency(dependency, by=request.user)
    messages.success(request, _("The dependency is removed."))
    return redirect(f"{agreement.get_absolute_url()}#dependencies")


def stage_report(request: HttpRequest) -> HttpResponse:
    """Agreements per stage and kind, each number a link to the list of those agreements."""
    if not policy.can_view_reports(request.user):
        raise PermissionDenied(_("Reports are for managers and viewers."))
    rows = stages.counts_per_stage(policy.visible_agreements(request.user).open())
    return render(request, "reports/stages.html", {"rows": rows})


def _add_errors(form: forms.Form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
