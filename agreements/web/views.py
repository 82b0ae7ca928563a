"""Web pages of the officer workspace: My work, the agreement list, the agreement page and
its actions (progress, transitions, documents, reassignment). Milestone actions are in
agreements.milestone_views.

Thin: every "may they?" is asked of agreements.policy, every status change goes through
agreements.workflow, every change through a business function that re-checks both. A view
only validates input, calls, and answers: redirect after success, the page again with the
problem next to the form (400), or a conflict with the current values (409).
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_POST

from agreements import health as honest_health, policy, workflow
from agreements.actions import assignment, documents, progress
from agreements.actions.editing import StaleEdit, check_version
from agreements.filters import AgreementFilter
from agreements.imports import exports
from agreements.models import Agreement, ReminderPolicy, Status
from agreements.web import data_quality, saved_views, workspace
from agreements.web.page_cache import cached_page
from agreements.web.agreement_page import conflict, load_agreement, render_agreement_page, require
from agreements.web.forms import (
    BulkForm,
    ClosureApprovalForm,
    DocumentForm,
    ProgressForm,
    ReassignForm,
    SavedViewForm,
    TransitionForm,
    shape_filter_form,
    status_stamp,
    submitted,
)
from agreements.web.list_counts import tallies
from agreements.templatetags.placed_messages import fragment, place
from agreements.web.list_links import active_filters, kept_filters, sort_columns

# Filters folded under "More filters" unless one of them is in use.
ADVANCED_FILTERS = ("due_within", "owner", "focus_area", "country", "signed_after", "signed_before",
                    "confidentiality", "quality", "origin")


# --- My work and the list ------------------------------------------------------------------

@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """My work for officers and managers; data entry staff land on what their records miss, viewers
    on the reports (an empty My work was a dead end for both)."""
    user, today = request.user, timezone.localdate()
    if not (policy.is_officer(user) or policy.is_manager(user)):
        if policy.is_data_entry(user):
            return render(request, "agreements/data_quality.html", {"gaps": data_quality.gaps(user)})
        if policy.can_view_reports(user):
            return redirect("reports")
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


@cached_page
def agreement_list(request: HttpRequest) -> HttpResponse:
    base = policy.visible_agreements(request.user).select_related("pillar", "owner")
    base = workspace.with_milestone_summary(base, timezone.localdate())
    filterset = AgreementFilter(request.GET or None, queryset=base, request=request)
    shape_filter_form(filterset.form)
    rows = filterset.qs  # invalid parameters are left out of the query and reported beside the form
    rows = rows.order_by(*nulls_last(rows.query.order_by or ("reference",)), "pk")
    per_page = saved_views.page_size(request.GET)
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    return render(request, "agreements/agreement_list.html", {
        "per_page": per_page, "page_sizes": saved_views.PAGE_SIZES,
        "bulk_form": BulkForm(auto_id="bulk_%s") if policy.is_manager(request.user) else None,
        "saved_views": saved_views.views_of(request.user), "view_form": SavedViewForm(
            initial={"query": saved_views.clean_query(request.GET.urlencode())}),
        "filter": filterset, "form": filterset.form, "page": page,
        "filter_errors": filterset.is_bound and not filterset.is_valid(),
        "columns": sort_columns(request.GET), "chips": active_filters(request.GET, filterset.form),
        "kept": kept_filters(request.GET, filterset.form), "tallies": tallies(filterset, rows),
        "advanced_open": any(request.GET.get(name) for name in ADVANCED_FILTERS),
    })


@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Managers act on the rows selected on the list: reassign them, or export them through the
    list's own export (the `ref` filter) — then back to the same list."""
    require(policy.is_manager(request.user), _("Only a manager may act on several agreements at once."))
    form = BulkForm(request.POST)
    query = saved_views.clean_query(request.POST.get("query", ""))
    back = f"{reverse('agreement-list')}?{query}" if query else reverse("agreement-list")
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(back)
    data, refs = form.cleaned_data, form.cleaned_data["ref"]
    if data["do"] != BulkForm.REASSIGN:
        target = "agreement-export-xlsx" if data["do"] == BulkForm.EXPORT_XLSX else "agreement-export-csv"
        return redirect(f"{reverse(target)}?{urlencode([('ref', ref) for ref in refs])}")
    rows = policy.visible_agreements(request.user).filter(reference__in=refs).prefetch_related("team")
    changed = assignment.reassign_many(rows.order_by("reference"), by=request.user, owner=data["owner"])
    messages.success(request, ngettext("%(count)d agreement now belongs to %(owner)s.",
                                       "%(count)d agreements now belong to %(owner)s.", changed)
                     % {"count": changed, "owner": data["owner"]})
    return redirect(back)


@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name (agreements.web.saved_views)."""
    form = SavedViewForm(request.POST)
    if form.is_valid():
        try:
            view = saved_views.save_view(request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
            return redirect(f"{reverse('agreement-list')}?{view.query}" if view.query else reverse("agreement-list"))
    else:
        messages.error(request, _("The view was not saved: give it a name of at most 80 characters."))
    query = saved_views.clean_query(request.POST.get("query", ""))
    return redirect(f"{reverse('agreement-list')}?{query}" if query else reverse("agreement-list"))


@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_views.delete_view(request.user, pk)
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return redirect("agreement-list")


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

@cached_page
def agreement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    return render_agreement_page(request, agreement, full_timeline=request.GET.get("timeline") == "all")


@require_POST
def post_progress(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    rights = policy.rights_on(request.user, agreement)
    require(rights.work, _("Only the owner, the team or a manager may post progress on this agreement."))
    form = ProgressForm(request.POST, agreement=agreement, suggestion=honest_health.suggest(agreement, posting=True))
    if form.is_valid():
        try:
            progress.record_progress(agreement, by=request.user, **form.cleaned_data)
        except ValidationError as error:  # the data changed between the form's check and the save
            form.add_error(None, error.messages)
    if form.errors:
        return render_agreement_page(request, agreement, rights=rights, status=400, forms={"progress": form})
    messages.success(request, _("Your progress update is posted."), **place("timeline"))
    return redirect(agreement.get_absolute_url() + fragment("timeline"))


@require_POST
def take_transition(request: HttpRequest, reference: str, to: str) -> HttpResponse:
    """`to` is the target status, or the action of a side door of the workflow ("withdraw")."""
    agreement = load_agreement(request.user, reference)
    key, action = to, None
    if to in workflow.SIDE_DOOR_ACTIONS:
        action, rule = to, workflow.RULES_BY_ACTION[to]
        to = workflow.target_of(agreement.status, action) or workflow.side_door_target(action)
    elif to in Status.values:
        rule = workflow.WORKFLOW.get(agreement.status, {}).get(to)
    else:
        raise Http404("No such status.")
    if rule is not None and not rule.who(request.user, agreement):  # no right at all: 403; not now: the form says why
        raise PermissionDenied(str(rule.who_text))
    approving = rule is workflow.APPROVE
    form_class = ClosureApprovalForm if approving else TransitionForm
    form = form_class(request.POST, prefix=f"t-{key}")
    if not form.is_valid():
        return render_agreement_page(request, agreement, status=400, forms={("transition", key): form})
    data = form.cleaned_data
    try:
        with transaction.atomic():
            status_moved_on(agreement, data)
            if approving:
                progress.approve_closure(agreement, by=request.user, comment=data["comment"],
                                         percent_complete=data["percent_complete"], health=data["health"])
            else:
                workflow.transition(agreement, to, by=request.user, comment=data["comment"], action=action)
    except StaleEdit as error:
        return conflict(request, reference, form, error, ("transition", key))
    except workflow.TransitionError as error:
        form.add_error(None, error)
        return render_agreement_page(request, agreement, status=400, forms={("transition", key): form})
    if action == workflow.WITHDRAW.action:
        messages.success(request, _("The closure request is withdrawn: %(reference)s is in progress again.")
                         % {"reference": agreement.reference}, **place("actions"))
    else:
        messages.success(request, _("%(reference)s is now %(status)s.")
                         % {"reference": agreement.reference, "status": agreement.get_status_display().lower()},
                         **place("actions"))
    return redirect(agreement.get_absolute_url() + fragment("actions"))


def status_moved_on(agreement: Agreement, data: dict) -> None:
    """A transition conflicts only with another change of the status since the page was shown
    (said with both: what the status is now and who made it so); a form without that stamp (an old
    page) falls back to the agreement's version."""
    if not data.get("status_seen"):
        check_version(agreement, data["version"])
        return
    locked = Agreement.objects.select_for_update().select_related(None).only(
        "status", "status_changed_at").get(pk=agreement.pk)
    if status_stamp(locked) == data["status_seen"]:
        return
    last = locked.transitions.select_related("by").order_by("-at", "-id").first()
    who = str(last.by) if last and last.by else _("somebody else")
    raise StaleEdit(_("While you had this page open, %(who)s changed the status to “%(status)s”. Nothing was done: "
                      "check the page as it is now, then confirm again if it still applies.")
                    % {"who": who, "status": locked.get_status_display()}, code="status")


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
    messages.success(request, _("“%(title)s” is attached.") % {"title": document.title}, **place("documents"))
    return redirect(agreement.get_absolute_url() + fragment("documents"))


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

