"""The forms and page context of the agreement page's follow-up cards: the stage ladder and the
dependencies (agreements.followup holds the rules; agreements.web.followup_views the actions)."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from agreements import policy
from agreements.followup import dependencies, stages
from agreements.models import Agreement, Milestone, User
from agreements.web.forms import DATE

NOT_ALLOWED = gettext_lazy(
    "Only the owner, the team, data entry staff or a manager may record the follow-up of this agreement.")
WHOLE = "agreement"


class StageForm(forms.Form):
    planned_on = forms.DateField(label=gettext_lazy("Planned on"), widget=DATE, required=False)
    reached_on = forms.DateField(label=gettext_lazy("Reached on"), widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("planned_on") and not data.get("reached_on"):
            raise forms.ValidationError(_("Give the planned date, the date it was reached, or both."))
        return data


class RemoveForm(forms.Form):
    """Removing a dependency is one button; the hidden field makes an empty post a refusal, not a deletion."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


class DependencyForm(forms.Form):
    dependent = forms.ChoiceField(label=gettext_lazy("What waits"))
    reference = forms.CharField(label=gettext_lazy("Needs agreement"), max_length=32,
                                help_text=gettext_lazy("The reference of the agreement it needs, e.g. CAJ-2025-017."))
    milestone = forms.CharField(label=gettext_lazy("Milestone of that agreement"), max_length=300, required=False,
                                help_text=gettext_lazy("Optional: the title (or part of it) of the milestone it needs; "
                                                "blank for the whole agreement."))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, agreement: Agreement, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement, self.user = agreement, user
        self.fields["dependent"].choices = [(WHOLE, _("This agreement as a whole"))] + [
            (str(m.pk), m.title) for m in agreement.milestones.all() if m.state == Milestone.State.PLANNED]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        choice = data["dependent"]
        data["dependent_item"] = self.agreement if choice == WHOLE else next(
            m for m in self.agreement.milestones.all() if str(m.pk) == choice)
        visible = policy.visible_agreements(self.user).filter(reference__iexact=data["reference"].strip()).first()
        if visible is None:
            self.add_error("reference", _("There is no agreement with this reference that you can see."))
            return data
        wanted = data.get("milestone", "").strip().casefold()
        if not wanted:
            data["prerequisite_item"] = visible
            return data
        found = [m for m in visible.milestones.all() if wanted in m.title.casefold()]
        if len(found) != 1:
            titles = "; ".join(m.title for m in visible.milestones.all()[:8])
            self.add_error("milestone", (_("No milestone of %(ref)s has this title. Its milestones: %(titles)s")
                                         if not found else
                                         _("Several milestones of %(ref)s match: write more of the title. "
                                           "Its milestones: %(titles)s")) % {"ref": visible.reference, "titles": titles})
            return data
        found[0].agreement = visible
        data["prerequisite_item"] = found[0]
        return data


def followup_context(agreement: Agreement, user: User, milestones: list[Milestone], forms: dict, may: bool) -> dict:
    """What the page's stage and dependency cards read (a fixed number of queries)."""
    today = timezone.localdate()
    rungs = stages.ladder(agreement, today)
    for rung in rungs:
        rung.form = forms.get(("stage", rung.stage.pk)) or StageForm(
            prefix=f"stage-{rung.stage.pk}", initial={"planned_on": rung.planned_on, "reached_on": rung.reached_on})
    related = dependencies.links(agreement, user, today)
    dependencies.flag_milestones(milestones, related["needs"])
    return {
        "rungs": rungs,
        "stages_behind": stages.behind_schedule(rungs),
        "needs": related["needs"],
        "needed_by": related["needed_by"],
        "can_follow_up": may,
        "dependency_form": forms.get("dependency") or (
            DependencyForm(agreement=agreement, user=user, prefix="dep") if may else None),
    }
