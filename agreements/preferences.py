"""The preferences page: a user's time zone and which optional reminders they receive.

Milestone reminders, overdue escalations and closure requests are part of the job and
cannot be switched off; the stale-agreement reminder and the weekly digest can.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from agreements.forms import submitted
from agreements.models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["time_zone", "notify_stale", "notify_digest"]
        help_texts = {
            "time_zone": _("Dates and times are shown in this zone, and reminders arrive in its morning (09:00)."),
            "notify_stale": _("When an agreement you own has had no progress update for a while."),
            "notify_digest": _("A summary every week: updates, overdue milestones, agreements at risk, "
                               "closures waiting and milestones coming up."),
        }


def preferences(request):
    form = PreferencesForm(submitted(request), instance=request.user)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return redirect("preferences")
    return render(request, "agreements/preferences.html", {"form": form}, status=400 if form.is_bound else 200)
