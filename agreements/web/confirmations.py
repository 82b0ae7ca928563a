"""Both sides confirm (issue 19): the signed link's page (no sign-in: the focal point may have no
account), the agreement page's panel of focal points and confirmations, and "ask again".

Logic lives in agreements.confirming; these views read the token, ask it, and answer.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agreements import confirming, policy
from agreements.models import Confirmation
from agreements.web.agreement_page import load_agreement, require


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=gettext_lazy("Your answer"), widget=forms.RadioSelect, choices=[
        (Confirmation.Answer.CONFIRMED, gettext_lazy("I confirm")),
        (Confirmation.Answer.DISPUTED, gettext_lazy("I dispute"))])
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=gettext_lazy("Needed when you dispute: say what is not right."))

    def clean(self):
        data = super().clean()
        if data.get("answer") == Confirmation.Answer.DISPUTED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what is not right: the owner reads your comment."))
        return data


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what to confirm and the form (a link scanner answers nothing); POST records the
    answer once. The page speaks the focal point's language, as the e-mail did."""
    found = confirming.read(token)
    if found is None:
        return render(request, "agreements/confirm.html", {"invalid": True}, status=404)
    with translation.override(found.focal_point.reads):
        form, status, refused = AnswerForm(request.POST or None), 200, False
        if request.method == "POST":
            if confirming.link_state(found) != "open":  # used, expired or moot: say so, whatever was sent
                status, refused = 409, True
            elif form.is_valid():
                try:
                    confirming.answer(found, answer=form.cleaned_data["answer"], comment=form.cleaned_data["comment"])
                except confirming.AnswerError:  # answered meanwhile by a second submission (the guard's refusal)
                    status, refused = 409, True
            else:
                status = 400
        state = confirming.link_state(found)
        return render(request, "agreements/confirm.html", {
            "confirmation": found, "agreement": found.agreement, "milestone": found.milestone, "form": form,
            "state": state, "refusal": confirming.REFUSALS.get(state), "refused": refused,
        }, status=status)


@require_POST
def ask_again(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = load_agreement(request.user, reference)
    require(policy.may_ask_confirmation(request.user, agreement),
            _("Only the owner, the team or a manager may ask the focal points again."))
    asked = confirming.ask_again(agreement, by=request.user)
    if asked:
        messages.success(request, _("The focal points were asked again: they receive a new link by e-mail."))
    else:
        messages.info(request, _("Nobody needs to be asked again: every side has a working link or has confirmed."))
    return redirect(f"{agreement.get_absolute_url()}#confirmations")
