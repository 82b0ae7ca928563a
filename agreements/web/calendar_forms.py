"""The calendar-feed section of the preferences page: the person's feeds and the form that makes
one (the views are agreements.web.calendar_views; the feeds themselves agreements.interop.calendars)."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.interop import calendars
from agreements.models import CalendarFeed, Pillar


class CalendarFeedForm(forms.Form):
    scope = forms.ChoiceField(label=_("What the calendar shows"), widget=forms.RadioSelect)
    pillar = forms.ModelChoiceField(Pillar.objects.all(), label=_("Pillar"), required=False,
                                    help_text=_("For “Open milestones of one pillar”."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = calendars.scopes_for(user)
        self.fields["scope"].choices = [(value, label) for value, label in CalendarFeed.Scope.choices
                                        if value in allowed]
        self.fields["scope"].initial = CalendarFeed.Scope.MINE
        if CalendarFeed.Scope.PILLAR not in allowed:
            del self.fields["pillar"]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("scope") == CalendarFeed.Scope.PILLAR and not data.get("pillar"):
            self.add_error("pillar", _("Choose the pillar."))
        return data


def feed_section(user, form: CalendarFeedForm | None = None) -> dict:
    """The context of templates/agreements/_calendar_feeds.html."""
    feeds = CalendarFeed.objects.filter(owner=user, revoked_at__isnull=True).select_related("pillar")
    return {"calendar_feeds": list(feeds), "calendar_form": form or CalendarFeedForm(user=user)}
