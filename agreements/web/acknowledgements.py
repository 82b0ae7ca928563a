"""“I'm on it”: the page an overdue milestone's owner reaches from the e-mailed link (signed out) or
from the app (signed in). Thin: agreements.reminders.acknowledging reads the link and records it,
agreements.policy.may_acknowledge says who may.

The link page shows only the milestone's reference and title to whoever holds the link — the token
is the right, for this action only; nothing else of the site opens. It is a normal form with a CSRF
token (the cookie is set by the GET, so it works without a session)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from agreements import policy
from agreements.models import Acknowledgement, Agreement, Milestone, User
from agreements.reminders import acknowledging
from agreements.web.agreement_page import require
from agreements.web.forms import AcknowledgementForm
from agreements.zones import local_today


def record(request: HttpRequest, user: User, milestone: Milestone, via: str) -> tuple[AcknowledgementForm, bool]:
    """The form, bound on POST; whether it was recorded (errors, from the rules too, are on the form)."""
    today = local_today(user, timezone.now())
    form = AcknowledgementForm(request.POST if request.method == "POST" else None, today=today)
    if not form.is_bound or not form.is_valid():
        return form, False
    try:
        acknowledging.acknowledge(user, milestone, expected_on=form.cleaned_data["expected_on"],
                                  sentence=form.cleaned_data["sentence"], via=via)
    except acknowledging.CannotAcknowledge as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field, errors)
        else:
            form.add_error(None, error)
        return form, False
    return form, True


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def acknowledge_link(request: HttpRequest, token: str) -> HttpResponse:
    grant = acknowledging.read(token)
    if grant is None:
        return render(request, "agreements/acknowledge.html", {"invalid": True}, status=400)
    with translation.override(grant.user.reads):  # the page in the language of the e-mail it came from
        if grant.refusal:
            return render(request, "agreements/acknowledge.html", {
                "milestone": grant.milestone, "refusal": grant.refusal,
                "message": acknowledging.MESSAGES[grant.refusal]}, status=410)
        form, done = record(request, grant.user, grant.milestone, Acknowledgement.Via.LINK)
        return render(request, "agreements/acknowledge.html", {
            "milestone": grant.milestone, "form": form, "done": done, "signed_out": True},
            status=400 if form.is_bound and not done else 200)


@require_http_methods(["GET", "POST"])
def acknowledge_in_app(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    agreement = policy.get_visible_or_404(request.user, Agreement.objects.all(), reference=reference)
    milestone = agreement.milestones.filter(pk=pk).first()
    if milestone is None:
        raise Http404("No such milestone.")
    milestone.agreement = agreement
    require(policy.may_acknowledge(request.user, milestone, local_today(request.user, timezone.now())),
            _("Only the owner of an overdue milestone can say they are on it."))
    refusal = acknowledging.refusal(request.user, milestone, milestone.due_on, timezone.now())
    if refusal:  # already acknowledged for this due date
        return render(request, "agreements/acknowledge.html", {
            "milestone": milestone, "agreement": agreement, "refusal": refusal,
            "message": acknowledging.MESSAGES[refusal]}, status=409)
    form, done = record(request, request.user, milestone, Acknowledgement.Via.APP)
    if done:
        messages.success(request, _("Recorded: the managers see your new date and sentence."))
        return redirect(f"{agreement.get_absolute_url()}#milestones")
    return render(request, "agreements/acknowledge.html", {
        "milestone": milestone, "agreement": agreement, "form": form, "signed_out": False},
        status=400 if form.is_bound else 200)
