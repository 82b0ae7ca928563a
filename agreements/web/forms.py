"""Input validation for the officer workspace (no decisions: those are in policy/workflow).

Forms that change an existing agreement carry its `version` (hidden): the business
function compares it under a row lock (agreements.actions.editing), so a form opened before
somebody else's change cannot overwrite it.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agreements.actions.assignment import assignable_users
from agreements.actions.progress import reason_needed
from agreements.filters import SORT_FIELDS, SORT_LABELS, countries_in_use, owner_choices
from agreements.health import better_than
from agreements.models import Agreement, Health, Milestone, ProgressUpdate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        """The version is hidden: nobody can see or fix it next to a field, so a missing or
        garbled one (a page saved long ago, a hand-made request) is said at the top."""
        if self.errors.pop("version", None):
            raise forms.ValidationError(
                _("This form is incomplete or out of date. Reload the page and try again."), code="version")
        return super().clean()

    def with_current_version(self, version: int) -> None:
        """After a conflict: keep what the person typed, but base the next submit on the current version."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


class ProgressForm(forms.ModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["percent_complete", "health", "health_reason", "summary", "next_steps"]
        widgets = {
            "health_reason": forms.Textarea(attrs={"rows": 2}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
            "health": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"percent_complete": _("Percent complete"), "summary": _("What happened"),
                  "health_reason": _("Why is the health better than the data suggests?")}
        help_texts = {"summary": _("Facts since the last update: meetings, decisions, money, delays.")}

    def __init__(self, *args, agreement: Agreement | None = None, suggestion=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion  # agreements.health.Suggestion: shown above the choice, checked below
        self.fields["health"].choices = Health.choices[1:]
        self.fields["health_reason"].help_text = _(
            "Needed only when you report a better health than the data suggests; shown in the timeline and the reports.")
        if agreement is not None and not self.is_bound:
            self.initial.setdefault("percent_complete", agreement.percent_complete)
            if agreement.health != Health.UNKNOWN:
                self.initial.setdefault("health", agreement.health)


    def clean(self):
        data = super().clean()
        suggestion, reported = self.suggestion, data.get("health")
        if suggestion and reported and better_than(reported, suggestion.health) and not data.get("health_reason", "").strip():
            self.add_error("health_reason", reason_needed(suggestion))
        return data


class MilestoneForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False,
                                   help_text=_("Defaults to the agreement's owner."))

    def __init__(self, *args, people=(), **kwargs):
        """`people` are the possible owners (owner and team, already loaded: no query)."""
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["owner"].choices = [("", _("The agreement's owner"))] + [
            (pk, str(person)) for pk, person in self.people.items()]

    def clean_owner(self):
        pk = self.cleaned_data.get("owner")
        return self.people.get(pk) if pk not in (None, "") else None


class NewMilestoneForm(MilestoneForm):
    """The agreement page's "add a milestone": it may ask for the counterpart's confirmation (issue 19)."""

    needs_counterpart_confirmation = forms.BooleanField(
        label=_("Needs the counterpart's confirmation"), required=False,
        help_text=_("When it is marked done, the agreement's focal points are asked to confirm it."))


class MilestoneEditForm(MilestoneForm):
    """The edit page's form: it also carries the values the person saw, so that only a field they
    changed that somebody else changed meanwhile is a conflict (agreements.actions.editing.merge_fields)."""
    seen_title = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)
    seen_due_on = forms.DateField(widget=forms.HiddenInput, required=False)
    seen_owner = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def seen(self) -> dict | None:
        """What the form showed, or None for a form without it (a page saved long ago)."""
        data = self.cleaned_data
        if not data.get("seen_title") or not data.get("seen_due_on"):
            return None
        return {"title": data["seen_title"], "due_on": data["seen_due_on"], "owner": data.get("seen_owner")}

    def with_current_values(self, milestone: Milestone, version: int) -> None:
        """After a conflict: keep what the person typed, but what they saw is now what is stored."""
        self.with_current_version(version)
        data = self.data.copy()
        data.update({"seen_title": milestone.title, "seen_due_on": milestone.due_on.isoformat(),
                     "seen_owner": str(milestone.owner_id or "")})
        self.data = data


class MilestoneReopenForm(VersionedForm):
    reason = forms.CharField(label=_("Why is it reopened?"), max_length=100,
                             help_text=_("Shown on the timeline, e.g. “marked done by mistake”."))


class MilestoneDoneForm(VersionedForm):
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                               help_text=_("What shows it is done: a document, a decision, a reference."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = timezone.localdate()


class MilestoneWaiveForm(VersionedForm):
    waiver_reason = forms.CharField(label=_("Why is it waived?"), widget=forms.Textarea(attrs={"rows": 2}),
                                    max_length=4000)


class TransitionForm(VersionedForm):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=4000)
    # When the status last changed, as the page showed it: a transition is refused only when the
    # status itself changed meanwhile (edits of milestones or of the record are no conflict).
    status_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    final_fields: tuple[str, ...] = ()

    def extra_fields(self):
        """The fields shown above the comment (the approval's final progress)."""
        return [self[name] for name in self.final_fields]

    def after_conflict(self, agreement: Agreement) -> None:
        self.with_current_version(agreement.version)
        data = self.data.copy()
        data[self.add_prefix("status_seen")] = status_stamp(agreement)
        self.data = data


def status_stamp(agreement: Agreement) -> str:
    return agreement.status_changed_at.isoformat() if agreement.status_changed_at else ""


class ClosureApprovalForm(TransitionForm):
    """Approving a closure records the final progress, so a completed agreement does not keep
    saying "At risk, 55 %"."""
    percent_complete = forms.IntegerField(
        label=_("Final percent complete"), min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}))
    health = forms.ChoiceField(label=_("Final health"), choices=Health.choices[1:], widget=forms.RadioSelect)
    final_fields = ("percent_complete", "health")

    def __init__(self, *args, agreement: Agreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement is not None and not self.is_bound:
            self.initial.setdefault("percent_complete", 100)
            self.initial.setdefault("health", agreement.health if agreement.health != Health.UNKNOWN else Health.ON_TRACK)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty to use the file name."))
    file = forms.FileField(label=_("File"), help_text=_("PDF, DOCX, XLSX, PNG or JPEG, at most 20 MB."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read by app.js to refuse an oversized file before it is sent (the server checks again).
        self.fields["file"].widget.attrs.update({
            "accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg", "data-max-bytes": settings.DOCUMENT_MAX_BYTES,
            "data-too-large": _("This file is larger than the limit; it cannot be uploaded.")})


class ReassignForm(VersionedForm):
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=assignable_users())
    team = forms.ModelMultipleChoiceField(label=_("Team"), queryset=assignable_users(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    hand_over_milestones = forms.BooleanField(
        label=_("Hand planned milestones over to the new owner: the previous owner's, and those of everyone "
                "who is neither owner nor on the team afterwards"),
        help_text=_("People who leave a restricted agreement can no longer see it, and get no reminder about it."),
        required=False, initial=True)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class BulkForm(forms.Form):
    """The list's bulk actions for managers: the selected rows (checkboxes `ref`) and what to do."""
    REASSIGN, EXPORT_XLSX, EXPORT_CSV = "reassign", "export-xlsx", "export-csv"
    ref = forms.MultipleChoiceField(required=True, widget=forms.MultipleHiddenInput,
                                    error_messages={"required": _("Select at least one agreement first.")})
    do = forms.ChoiceField(label=_("With the selected"), choices=[
        (REASSIGN, _("Reassign to…")), (EXPORT_XLSX, _("Export as XLSX")), (EXPORT_CSV, _("Export as CSV"))])
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=assignable_users(), required=False,
                                   empty_label=_("Choose an officer"))
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refs = self.data.getlist("ref") if hasattr(self.data, "getlist") else []
        self.fields["ref"].choices = [(ref, ref) for ref in refs[:500]]

    def clean(self):
        data = super().clean()
        if data.get("do") == self.REASSIGN and not data.get("owner"):
            self.add_error("owner", _("Choose the new owner."))
        return data


# --- The list's filter form (the FilterSet is agreements.filters; this only shapes its widgets) --

def shape_filter_form(form: forms.Form) -> forms.Form:
    """Checkboxes for short choice lists, a search box, a people picker, only the countries in use.
    (The FilterSet stays the interface: this changes how its fields look, not what they accept.)"""
    fields = form.fields
    for name in ("status", "health", "pillar", "focus_area", "quality"):
        fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
    fields["sort"].choices = [("", _("Reference (default)"))] + sort_choices()
    fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": _("Reference, title, party, milestone or update")})
    fields["owner"].widget = forms.Select(choices=_owner_choices(form.data.get("owner", "") if form.data else ""))
    fields["country"].widget = forms.CheckboxSelectMultiple(choices=_countries_in_use(form))
    return form


def sort_choices() -> list[tuple[str, str]]:
    """Each column both ways, in words (django-filter's own "(descending)" is not in every language)."""
    choices = []
    for field, param in SORT_FIELDS:
        label = SORT_LABELS[field]
        choices += [(param, str(label)), (f"-{param}", str(_("%(field)s, descending") % {"field": label}))]
    return choices


def _owner_choices(current: str) -> list[tuple[str, str]]:
    people = [(user.username, str(user)) for user in owner_choices()]
    if current and current != "me" and current not in {username for username, _label in people}:
        people.append((current, current))  # a shared link naming someone who owns nothing (yet)
    return [("", _("Anyone")), ("me", _("Me"))] + people


def _countries_in_use(form: forms.Form) -> list[tuple[str, str]]:
    used = countries_in_use() | set(form.data.getlist("country") if hasattr(form.data, "getlist") else [])
    return [(code, name) for code, name in countries if code in used]


def milestone_initial(milestone: Milestone, version: int) -> dict:
    return {"title": milestone.title, "due_on": milestone.due_on, "owner": milestone.owner_id or "", "version": version,
            "seen_title": milestone.title, "seen_due_on": milestone.due_on, "seen_owner": milestone.owner_id or ""}


def submitted(request):
    """The form data of a POST — even an empty one — else None. `request.POST or None` would
    take an empty submission for a first visit and answer 200 instead of showing the errors."""
    return request.POST if request.method == "POST" else None


class AcknowledgementForm(forms.Form):
    """"I'm on it" (agreements.reminders.acknowledging checks the dates and records it)."""

    expected_on = forms.DateField(label=_("New expected date"), widget=DATE,
                                  help_text=_("When it will be done. Managers are not copied until then."))
    sentence = forms.CharField(label=_("What is happening"), widget=forms.Textarea(attrs={"rows": 3}),
                               max_length=500, help_text=_("One or two sentences: managers read it in their digest."))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if today:
            self.fields["expected_on"].widget.attrs.update(min=today.isoformat())
