"""The preferences page: a user's time zone and which optional reminders they receive.

Milestone reminders, overdue escalations and closure requests are part of the job and
cannot be switched off; the stale-agreement reminder and the weekly digest can.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from agreements.models import ReminderPolicy, User
from agreements.zones import zone_choices
from agreements.web.calendar_forms import feed_section
from agreements.web.forms import submitted


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
    return render(request, "agreements/preferences.html", {"form": form, "policy": policy, **feed_section(request.user)},
                  status=400 if form.is_bound else 200)
