"""The preferences page: a user's time zone and which optional reminders they receive.

Milestone reminders, overdue escalations and closure requests are part of the job and
cannot be switched off; the stale-agreement reminder and the weekly digest can.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from agreements.models import ReminderPolicy, User
from agreements.web.forms import submitted


class PreferencesForm(forms.ModelForm):
    """The help texts state the reminder policy in force (its hour, day and thresholds), not the defaults."""

    class Meta:
        model = User
        fields = ["time_zone", "notify_stale", "notify_digest"]

    def __init__(self, *args, policy: ReminderPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        hour = formats.time_format(policy.starts_at, "H:i")
        self.fields["time_zone"].help_text = _(
            "Dates and times are shown in this zone, and reminders reach you from %(hour)s in it.") % {"hour": hour}
        self.fields["notify_stale"].help_text = _(
            "When an agreement you own has had no progress update for %(days)d days, then every %(repeat)d days."
        ) % {"days": policy.stale_days, "repeat": policy.stale_repeat_days}
        self.fields["notify_digest"].help_text = _(
            "A summary every %(weekday)s from %(hour)s: updates, overdue milestones, agreements at risk, "
            "closures waiting and milestones coming up.") % {"weekday": policy.get_digest_weekday_display(),
                                                              "hour": hour}


def preferences(request):
    policy = ReminderPolicy.current()
    form = PreferencesForm(submitted(request), instance=request.user, policy=policy)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return redirect("preferences")
    return render(request, "agreements/preferences.html", {"form": form, "policy": policy},
                  status=400 if form.is_bound else 200)
