"""The preferences page: a user's time zone, which optional reminders they receive, and their
personal API tokens (made, named, listed and revoked here; a new token's secret is shown once).

Milestone reminders, overdue escalations and closure requests are part of the job and
cannot be switched off; the stale-agreement reminder and the weekly digest can.
"""
from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from agreements import policy as rules
from agreements.models import ApiToken, ReminderPolicy, User
from agreements.zones import start_of_day, zone_choices
from agreements.web.calendar_forms import feed_section
from agreements.web.forms import DATE, submitted


class PreferencesForm(forms.ModelForm):
    """The help texts state the reminder policy in force (its hour, day and thresholds), not the defaults."""

    class Meta:
        model = User
        fields = ["language", "time_zone", "notify_stale", "notify_digest"]

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False,
                                 help_text=_("The pages, and every e-mail the tracker sends you."))

    def __init__(self, *args, policy: ReminderPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = self.instance.reads
        self.fields["time_zone"].choices = zone_choices()  # the cities in the reader's language
        hour = formats.time_format(policy.starts_at, "TIME_FORMAT")
        self.fields["time_zone"].help_text = _(
            "Dates and times are shown in this zone, and reminders reach you from %(hour)s in it.") % {"hour": hour}
        self.fields["notify_stale"].help_text = _(
            "When an agreement you own has had no progress update for %(days)d days, then every %(repeat)d days."
        ) % {"days": policy.stale_days, "repeat": policy.stale_repeat_days}
        self.fields["notify_digest"].help_text = _(
            "A summary every %(weekday)s from %(hour)s: updates, overdue milestones, agreements at risk, "
            "closures waiting and milestones coming up.") % {"weekday": policy.get_digest_weekday_display(),
                                                              "hour": hour}

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language  # not sent: unchanged


def must_use_second_factor(user: User) -> bool:
    """The sign-in's two-factor policy (tracker.edge.security.needs_second_factor): staff and managers
    when TRACKER_REQUIRE_2FA is on. Such a person confirms a new token with a current code."""
    return settings.TRACKER_REQUIRE_2FA and (user.is_staff or rules.is_manager(user))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. “ministry portal sync”."))
    access = forms.ChoiceField(label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ,
                               widget=forms.RadioSelect)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE,
                                 help_text=_("Optional: the token stops working at the end of this day."))
    code = forms.CharField(label=_("Six-digit code from your authenticator app"), max_length=8, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not must_use_second_factor(user):
            del self.fields["code"]
        else:
            self.fields["code"].required = True

    def clean_expires_on(self) -> datetime.date | None:
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def clean_code(self) -> str:
        code = self.cleaned_data.get("code", "").strip()
        device = TOTPDevice.objects.filter(user=self.user, confirmed=True).first()
        if device is None:
            raise forms.ValidationError(_("Set up two-factor sign-in first: staff and managers need it for API tokens."))
        if not device.verify_is_allowed()[0]:
            raise forms.ValidationError(_("Too many wrong codes in a row. Wait a little, then try the current code."))
        if not device.verify_token(code):
            raise forms.ValidationError(_("That code is not valid. Wait for the next code and try again."))
        return code

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return start_of_day(day + datetime.timedelta(days=1))


def render_preferences(request, *, form=None, token_form=None, new_secret: str = "", status: int = 200):
    policy = ReminderPolicy.current()
    return render(request, "agreements/preferences.html", {
        "form": form or PreferencesForm(instance=request.user, policy=policy), "policy": policy,
        "token_form": token_form or TokenForm(user=request.user), "new_secret": new_secret,
        "tokens": request.user.api_tokens.all(), "now": timezone.now(), **feed_section(request.user),
    }, status=status)


@require_POST
def create_token(request):
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return render_preferences(request, token_form=form, status=400)
    token, secret = ApiToken.issue(request.user, name=form.cleaned_data["name"], access=form.cleaned_data["access"],
                                   expires_at=form.expires_at())
    # Shown on this answer only (never stored, not in a message that a later page would show).
    return render_preferences(request, new_secret=secret)


@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # someone else's token: 404
    token.revoke()
    messages.success(request, gettext("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("preferences")


def preferences(request):
    policy = ReminderPolicy.current()
    form = PreferencesForm(submitted(request), instance=request.user, policy=policy)
    if form.is_bound and form.is_valid():
        form.save()
        with translation.override(request.user.reads):  # said in the language just chosen (not lazily)
            messages.success(request, translation.gettext("Your preferences are saved."))
        response = redirect("preferences")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.reads, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)  # and kept after signing out
        return response
    return render_preferences(request, form=form, status=400 if form.is_bound else 200)
