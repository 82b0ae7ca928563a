"""The agreement page: one loader and one renderer shared by the page and every action on it,
and the answers an action gives on it (the page with a failed form, a refusal, a conflict).

An action that fails renders the same page with its bound form (errors next to the fields)
in place of the blank one; the loader prefetches everything the page, the policy checks and
the workflow conditions read, so the page makes a fixed number of queries.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agreements import health as honest_health, policy, workflow
from agreements.actions import milestones as milestone_rules
from agreements.actions.editing import StaleEdit
from agreements.models import Agreement, Confirmation, Document, FocalPoint, Milestone, Party, User
from agreements.reminders import acknowledging
from agreements.web.confirmation_panel import confirmation_context
from agreements.web.followup_forms import followup_context
from agreements.web.forms import (
    ClosureApprovalForm,
    DocumentForm,
    MilestoneDoneForm,
    MilestoneReopenForm,
    MilestoneWaiveForm,
    NewMilestoneForm,
    ProgressForm,
    TransitionForm,
    status_stamp,
)
from agreements.web.timeline import timeline
from agreements.zones import local_today

TIMELINE_LIMIT = 25
FULL_TIMELINE_LIMIT = 1000


def load_agreement(user: User, reference: str) -> Agreement:
    """The agreement if this user may see it (else 404), with what the page reads."""
    queryset = Agreement.objects.select_related(
        "pillar", "owner", "lead_organization", "closure_requested_by",
    ).prefetch_related(
        "focus_areas", "team", "sources",
        Prefetch("parties", Party.objects.select_related("organization")),
        Prefetch("milestones", Milestone.objects.select_related("owner")),
        Prefetch("documents", Document.objects.select_related("uploaded_by")),
        "stages",
        Prefetch("focal_points", FocalPoint.objects.select_related("user", "organization")),
        Prefetch("confirmations", Confirmation.objects.select_related("milestone", "asked_by", "focal_point__user")),
    )
    return policy.get_visible_or_404(user, queryset, reference=reference)


def require(allowed: bool, explanation: str) -> None:
    """Visible but not changeable: 403 with a sentence saying why (invisible is already 404)."""
    if not allowed:
        raise PermissionDenied(explanation)


def render_agreement_page(request: HttpRequest, agreement: Agreement, *, rights: policy.Rights | None = None,
                          status: int = 200, forms: dict | None = None, full_timeline: bool = False) -> HttpResponse:
    """The page; `rights` are the policy's answers the view already asked for (else asked here)."""
    user, forms = request.user, forms or {}
    rights = rights or policy.rights_on(user, agreement)
    milestones = _milestones(agreement, forms, rights.work)
    _acknowledgements(milestones, user)
    suggestion = honest_health.suggest(agreement)
    for_update = suggestion.for_update if suggestion and rights.work else None
    context = {
        "suggestion": suggestion,
        "suggestion_differs": bool(suggestion and suggestion.health != agreement.health),
        "agreement": agreement,
        "today": timezone.localdate(),
        "can_work": rights.work,
        "can_reassign": rights.reassign,
        "can_upload": rights.add_documents,
        "is_member": rights.member,
        "milestones": milestones,
        "milestone_counts": _milestone_counts(milestones),
        "milestone_refusal": milestone_rules.change_refusal(agreement, may_work=rights.work),
        "add_refusal": milestone_rules.add_refusal(agreement, may_work=rights.work),
        "transitions": _transitions(agreement, user, forms),
        "timeline": timeline(agreement, limit=FULL_TIMELINE_LIMIT if full_timeline else TIMELINE_LIMIT),
        "full_timeline": full_timeline,
        "problem": _problem(forms),
        **_page_forms(agreement, forms, for_update),
        **followup_context(agreement, user, milestones, forms, policy.can_record_follow_up(user, agreement)),
        **confirmation_context(agreement, milestones, rights.work),
    }
    return render(request, "agreements/agreement_detail.html", context, status=status)


def _page_forms(agreement: Agreement, forms: dict, suggestion) -> dict:
    """The page's own forms: the one that failed (bound, with its errors) or a blank one."""
    people = milestone_rules.owner_choices(agreement)
    return {
        "progress_form": forms.get("progress") or ProgressForm(agreement=agreement, suggestion=suggestion),
        "milestone_form": forms.get("milestone") or NewMilestoneForm(
            people=people, prefix="new", initial={"version": agreement.version}),
        "document_form": forms.get("document") or DocumentForm(),
    }


def _milestones(agreement: Agreement, forms: dict, can_work: bool) -> list[Milestone]:
    """The agreement's milestones, each carrying its overdue flag and its done/waive forms."""
    today, version = timezone.localdate(), agreement.version
    rows = list(agreement.milestones.all())
    for milestone in rows:
        milestone.overdue = milestone.is_overdue(today)
        if can_work and milestone.state == Milestone.State.PLANNED:
            milestone.done_form = forms.get(("done", milestone.pk)) or MilestoneDoneForm(
                prefix=f"done-{milestone.pk}", initial={"version": version})
            milestone.waive_form = forms.get(("waive", milestone.pk)) or MilestoneWaiveForm(
                prefix=f"waive-{milestone.pk}", initial={"version": version})
        elif can_work:  # done or waived: it can be reopened (policy.can_reopen_milestone is can_work_on)
            milestone.reopen_form = forms.get(("reopen", milestone.pk)) or MilestoneReopenForm(
                prefix=f"reopen-{milestone.pk}", initial={"version": version})
    return rows


def _acknowledgements(milestones: list[Milestone], user: User) -> None:
    """Overdue milestones carry their owner's "I'm on it" (one query, only if any is overdue), and the
    button for the owner who has not said it yet (agreements.policy.may_acknowledge)."""
    overdue = [m for m in milestones if m.overdue]
    if not overdue:
        return
    found = acknowledging.current_for(m.pk for m in overdue)
    today = local_today(user, timezone.now())
    for milestone in overdue:
        milestone.acknowledgement = found.get(milestone.pk)
        milestone.may_acknowledge = milestone.acknowledgement is None and policy.may_acknowledge(user, milestone, today)


def _milestone_counts(milestones: list[Milestone]) -> dict[str, int]:
    return {
        "total": len(milestones),
        "closed": sum(1 for m in milestones if m.state != Milestone.State.PLANNED),
        "overdue": sum(1 for m in milestones if m.overdue),
    }


def _transitions(agreement: Agreement, user: User, forms: dict) -> list[tuple[workflow.Option, TransitionForm]]:
    """Every transition this user has the right to, with the reason when it is blocked now."""
    initial = {"version": agreement.version, "status_seen": status_stamp(agreement)}
    options = []
    for option in workflow.available_transitions(agreement, user):
        form = forms.get(("transition", option.key))
        if form is None and option.rule is workflow.APPROVE:
            form = ClosureApprovalForm(prefix=f"t-{option.key}", initial=initial, agreement=agreement)
        options.append((option, form or TransitionForm(prefix=f"t-{option.key}", initial=initial)))
    return options


def _problem(forms: dict) -> dict | None:
    """What went wrong, for the alert at the top of the page (the form itself may be far below)."""
    for key, form in forms.items():
        if form.errors:
            anchor = "-".join(str(part) for part in key) if isinstance(key, tuple) else key
            return {"errors": form.non_field_errors(), "anchor": anchor}
    return None


def conflict(request: HttpRequest, reference: str, form, error: StaleEdit, key) -> HttpResponse:
    """Somebody changed the agreement meanwhile: show the current page, the person's input kept."""
    agreement = load_agreement(request.user, reference)
    if hasattr(form, "after_conflict"):
        form.after_conflict(agreement)
    else:
        form.with_current_version(agreement.version)
    form.add_error(None, error)
    return render_agreement_page(request, agreement, status=409, forms={key: form})
