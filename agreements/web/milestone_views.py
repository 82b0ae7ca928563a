"""Milestone actions of the agreement page: add, edit (its own page), mark done, waive.

Each validates input and calls agreements.actions.milestones, which asks the policy and checks the
agreement's version. A stale form answers 409 with the current values and the person's
input kept, so nothing they typed is lost and nothing newer is overwritten.
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from agreements import policy
from agreements.actions import milestones
from agreements.actions.editing import StaleEdit
from agreements.models import Agreement, Milestone
from agreements.templatetags.placed_messages import fragment, place
from agreements.web.agreement_page import conflict, load_agreement, render_agreement_page, require
from agreements.web.forms import (
    MilestoneDoneForm,
    MilestoneEditForm,
    MilestoneReopenForm,
    MilestoneWaiveForm,
    NewMilestoneForm,
    milestone_initial,
    submitted,
)


def _milestone(agreement: Agreement, pk: int) -> Milestone:
    """A milestone of this (visible) agreement; another agreement's id is 404, like a guess."""
    for milestone in agreement.milestones.all():
        if milestone.pk == pk:
            milestone.agreement = agreement
            return milestone
    raise Http404("No such milestone.")


def _may_change(request: HttpRequest, agreement: Agreement) -> policy.Rights:
    """Not on the team: 403 before anything is validated (state problems come back as form errors).
    The rights are asked here once and handed to the page if it is rendered again."""
    rights = policy.rights_on(request.user, agreement)
    require(rights.work, str(milestones.NOT_MEMBER))
    return rights


@require_POST
def add_milestone(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    rights = _may_change(request, agreement)
    form = NewMilestoneForm(request.POST, prefix="new", people=milestones.owner_choices(agreement))
    if form.is_valid():
        try:
            data = form.cleaned_data
            # Adding changes no existing value: never a conflict (the agreement's state is re-checked).
            milestones.add_milestone(agreement, by=request.user, title=data["title"], due_on=data["due_on"],
                                     owner=data["owner"], expected_version=None,
                                     needs_confirmation=data["needs_counterpart_confirmation"])
            messages.success(request, _("Milestone “%(title)s” is added.") % {"title": data["title"]},
                             **place("milestones"))
            return redirect(agreement.get_absolute_url() + fragment("milestones"))
        except StaleEdit as error:
            return conflict(request, reference, form, error, "milestone")
        except milestones.MilestoneError as error:
            form.add_error(None, error)
    return render_agreement_page(request, agreement, rights=rights, status=400, forms={"milestone": form})


def edit_milestone(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    milestone = _milestone(agreement, pk)
    _may_change(request, agreement)
    people = milestones.owner_choices(agreement) + ([milestone.owner] if milestone.owner else [])
    form = MilestoneEditForm(submitted(request), people=people, initial=milestone_initial(milestone, agreement.version))
    status = 400 if form.is_bound else 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            milestones.edit_milestone(milestone, by=request.user, title=data["title"], due_on=data["due_on"],
                                      owner=data["owner"], expected_version=data["version"], seen=form.seen())
            messages.success(request, _("Milestone “%(title)s” is saved.") % {"title": milestone.title},
                             **place(f"milestone-{milestone.pk}"))
            return redirect(agreement.get_absolute_url() + fragment(f"milestone-{milestone.pk}"))
        except StaleEdit as error:
            agreement = load_agreement(request.user, reference)
            milestone = _milestone(agreement, pk)
            form.with_current_values(milestone, agreement.version)
            form.add_error(None, error)
            status = 409
        except milestones.MilestoneError as error:
            form.add_error(None, error)
    return render(request, "agreements/milestone_form.html",
                  {"agreement": agreement, "milestone": milestone, "form": form,
                   "conflict": status == 409}, status=status)


@require_POST
def complete_milestone(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _close_milestone(request, reference, pk, "done")


@require_POST
def waive_milestone(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _close_milestone(request, reference, pk, "waive")


@require_POST
def reopen_milestone(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Undo a mistaken "done" or "waived" (asked of policy.can_reopen_milestone by the action)."""
    agreement = load_agreement(request.user, reference)
    milestone = _milestone(agreement, pk)
    rights = policy.rights_on(request.user, agreement)
    require(policy.can_reopen_milestone(request.user, agreement), str(milestones.NOT_MEMBER))
    return _close_milestone(request, reference, pk, "reopen", agreement=agreement, milestone=milestone, rights=rights)


FORMS = {"done": MilestoneDoneForm, "waive": MilestoneWaiveForm, "reopen": MilestoneReopenForm}
DONE_TEXT = {"done": gettext_lazy("“%(title)s” is done."), "waive": gettext_lazy("“%(title)s” is waived."),
             "reopen": gettext_lazy("“%(title)s” is planned again.")}


def _close_milestone(request: HttpRequest, reference: str, pk: int, how: str, *, agreement: Agreement | None = None,
                     milestone: Milestone | None = None, rights: policy.Rights | None = None) -> HttpResponse:
    """Mark done, waived or reopen: the same steps, a different form and business function.

    The agreement's version is not compared: changes to other milestones or to the record are no
    conflict; the milestone's own state is (already done, already reopened), said in words."""
    if agreement is None:
        agreement = load_agreement(request.user, reference)
        milestone = _milestone(agreement, pk)
        rights = _may_change(request, agreement)
    form = FORMS[how](request.POST, prefix=f"{how}-{pk}")
    status = 400
    if form.is_valid():
        try:
            _apply(how, milestone, request, form.cleaned_data)
            messages.success(request, DONE_TEXT[how] % {"title": milestone.title}, **place(f"milestone-{milestone.pk}"))
            return redirect(agreement.get_absolute_url() + fragment(f"milestone-{milestone.pk}"))
        except StaleEdit as error:
            return conflict(request, reference, form, error, (how, pk))
        except milestones.MilestoneError as error:
            if getattr(error, "code", None) in ("not_planned", "planned"):
                status = 409  # somebody else closed or reopened it meanwhile
                agreement = load_agreement(request.user, reference)
            form.add_error(None, error)
    return render_agreement_page(request, agreement, rights=rights, status=status, forms={(how, pk): form})


def _apply(how: str, milestone: Milestone, request: HttpRequest, data: dict) -> None:
    if how == "done":
        milestones.complete_milestone(milestone, by=request.user, done_on=data["done_on"], evidence=data["evidence"],
                                      expected_version=None)
    elif how == "waive":
        milestones.waive_milestone(milestone, by=request.user, reason=data["waiver_reason"], expected_version=None)
    else:
        milestones.reopen_milestone(milestone, by=request.user, reason=data["reason"], expected_version=None)

