"""Web pages of the officer workspace: My work, the agreement list, the agreement page and
its actions (progress, transitions, documents, reassignment). Milestone actions are in
agreements.milestone_views.

Thin: every "may they?" is asked of agreements.policy, every status change goes through
agreements.workflow, every change through a business function that re-checks both. A view
only validates input, calls, and answers: redirect after success, the page again with the
problem next to the form (400), or a conflict with the current values (409).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_POST

from agreements import policy, workflow
from agreements.actions import assignment, documents, progress
from agreements.actions.editing import StaleEdit, check_version
from agreements.filters import AgreementFilter
from agreements.imports import exports
from agreements.models import Agreement, ReminderPolicy, Status
from agreements.web import workspace
from agreements.web.agreement_page import conflict, load_agreement, render_agreement_page, require
from agreements.web.forms import DocumentForm, ProgressForm, ReassignForm, TransitionForm, shape_filter_form, submitted
from agreements.web.list_counts import tallies
from agreements.web.list_links import active_filters, kept_filters, sort_columns

PAGE_SIZE = 25
# Filters folded under "More filters" unless one of them is in use.
ADVANCED_FILTERS = ("due_within", "owner", "focus_area", "country", "signed_after", "signed_before",
                    "confidentiality", "quality", "origin")


# --- My work and the list ------------------------------------------------------------------

def home(request: HttpRequest) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    stale_days = ReminderPolicy.current().stale_days  # the list's "stale" filter and the reminders use it too
    return render(request, "agreements/home.html", {
        "today": today,
        "agreements": workspace.section(workspace.my_agreements(user, today)),
        "milestones": workspace.section(workspace.my_milestones(user, today)),
        "stale": workspace.section(workspace.my_stale_agreements(user, stale_days)),
        "stale_days": stale_days,
        "closures": workspace.section(workspace.closures_awaiting(user)),
        "is_manager": policy.is_manager(user),
        "soon_days": workspace.SOON_DAYS,
    })


def agreement_list(request: HttpRequest) -> HttpResponse:
    base = policy.visible_agreements(request.user).select_related("pillar", "owner")
    base = workspace.with_milestone_summary(base, timezone.localdate())
    filterset = AgreementFilter(request.GET or None, queryset=base, request=request)
    shape_filter_form(filterset.form)
    rows = filterset.qs  # invalid parameters are left out of the query and reported beside the form
    rows = rows.order_by(*nulls_last(rows.query.order_by or ("reference",)), "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "agreements/agreement_list.html", {
        "filter": filterset, "form": filterset.form, "page": page,
        "filter_errors": filterset.is_bound and not filterset.is_valid(),
        "columns": sort_columns(request.GET), "chips": active_filters(request.GET, filterset.form),
        "kept": kept_filters(request.GET, filterset.form), "tallies": tallies(filterset, rows),
        "advanced_open": any(request.GET.get(name) for name in ADVANCED_FILTERS),
    })


def export_agreements(request: HttpRequest, fmt: str) -> HttpResponse:
    """The agreements behind a list or a report figure, as a file (agreements.imports.exports)."""
    return exports.export_response(request, fmt)


def nulls_last(ordering) -> list:
    """Rows without a value (never updated, no owner) sort last both ways, on every database."""
    fields = []
    for name in ordering:
        if isinstance(name, str):
            name = F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)
        fields.append(name)
    return fields


# --- The agreement page and its actions -----------------------------------------------------

def agreement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    return render_agreement_page(request, agreement, full_timeline=request.GET.get("timeline") == "all")


@require_POST
def post_progress(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    rights = policy.rights_on(request.user, agreement)
    require(rights.work, _("Only the owner, the team or a manager may post progress on this agreement."))
    form = ProgressForm(request.POST, agreement=agreement)
    if not form.is_valid():
        return render_agreement_page(request, agreement, rights=rights, status=400, forms={"progress": form})
    progress.record_progress(agreement, by=request.user, **form.cleaned_data)
    messages.success(request, _("Your progress update is posted."))
    return redirect(f"{agreement.get_absolute_url()}#timeline")


@require_POST
def take_transition(request: HttpRequest, reference: str, to: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    if to not in Status.values:
        raise Http404("No such status.")
    rule = workflow.WORKFLOW.get(agreement.status, {}).get(to)
    if rule is not None and not rule.who(request.user, agreement):  # no right at all: 403; not now: the form says why
        raise PermissionDenied(str(rule.who_text))
    form = TransitionForm(request.POST, prefix=f"t-{to}")
    if not form.is_valid():
        return render_agreement_page(request, agreement, status=400, forms={("transition", to): form})
    try:
        with versioned(agreement, form.cleaned_data["version"]):
            workflow.transition(agreement, to, by=request.user, comment=form.cleaned_data["comment"])
    except StaleEdit as error:
        return conflict(request, reference, form, error, ("transition", to))
    except workflow.TransitionError as error:
        form.add_error(None, error)
        return render_agreement_page(request, agreement, status=400, forms={("transition", to): form})
    messages.success(request, _("%(reference)s is now %(status)s.")
                     % {"reference": agreement.reference, "status": agreement.get_status_display().lower()})
    return redirect(agreement.get_absolute_url())


@require_POST
def upload_document(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    rights = policy.rights_on(request.user, agreement)
    require(rights.add_documents,
            _("Only the owner, the team, data entry staff or a manager may add documents to this agreement."))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = documents.store_document(agreement, form.cleaned_data["file"], by=request.user,
                                                title=form.cleaned_data["title"].strip())
        except ValidationError as error:
            form.add_error("file", error)
    if not form.is_valid():
        return render_agreement_page(request, agreement, rights=rights, status=400, forms={"document": form})
    messages.success(request, _("“%(title)s” is attached.") % {"title": document.title})
    return redirect(f"{agreement.get_absolute_url()}#documents")


def download_document(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """The only way to a stored file: the agreement must be visible to the user (else 404)."""
    agreement = policy.get_visible_or_404(request.user, Agreement.objects.all(), reference=reference)
    document = agreement.documents.filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(handle, as_attachment=True, filename=document.download_name,
                            content_type=document.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def reassign(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    require(policy.can_reassign(request.user, agreement), _("Only a manager may reassign an agreement."))
    initial = {"owner": agreement.owner_id, "team": [m.pk for m in agreement.team.all()], "version": agreement.version}
    form = ReassignForm(submitted(request), initial=initial)
    status = 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            handed = assignment.reassign(agreement, by=request.user, owner=data["owner"], team=data["team"],
                                         expected_version=data["version"],
                                         hand_over_milestones=data["hand_over_milestones"])
            messages.success(request, reassigned_message(handed, data["owner"]))
            return redirect(agreement.get_absolute_url())
        except StaleEdit as error:
            agreement = load_agreement(request.user, reference)
            form.with_current_version(agreement.version)
            form.add_error(None, error)
            status = 409
    elif form.is_bound:
        status = 400
    return render(request, "agreements/reassign.html", {
        "agreement": agreement, "form": form, "milestone_owners": assignment.planned_milestones_by_person(agreement),
    }, status=status)


def reassigned_message(handed: int, owner) -> str:
    if not handed:
        return _("Owner and team are updated.")
    return ngettext("Owner and team are updated; %(count)d planned milestone was handed over to %(owner)s.",
                    "Owner and team are updated; %(count)d planned milestones were handed over to %(owner)s.",
                    handed) % {"count": handed, "owner": owner}


# --- Helpers --------------------------------------------------------------------------------------

@contextmanager
def versioned(agreement: Agreement, version: int) -> Iterator[None]:
    """A transaction that first confirms (and locks) the version the person's form was based on."""
    with transaction.atomic():
        check_version(agreement, version)
        yield
