"""Admin add forms offer, and accept, only agreements whose record the user may correct
(issue 13, finding 3): the choice is checked when the form is submitted, not only in the
autocomplete, and a hidden agreement is refused exactly as an id that does not exist."""
from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import Milestone, Party
from tests.factories import OrganizationFactory

MISSING = 987654


def add_data(model: str, agreement_id: int) -> dict:
    if model == "milestone":
        return {"agreement": agreement_id, "title": "Feasibility study", "due_on": "2026-09-30", "weight": "1", "owner": "",
                "state": "planned", "done_on": "", "evidence": "", "waiver_reason": ""}
    return {"agreement": agreement_id, "organization": OrganizationFactory(country="KZ").pk, "role": "financier"}


def rows(model: str, agreement_id: int) -> int:
    return (Milestone if model == "milestone" else Party).objects.filter(agreement_id=agreement_id).count()


@pytest.mark.parametrize("model", ["milestone", "party"])
def test_data_entry_cannot_add_a_row_to_a_restricted_agreement(client, data_entry, restricted, model):
    client.force_login(data_entry)
    url = reverse(f"admin:agreements_{model}_add")
    before = rows(model, restricted.pk)
    hidden = client.post(url, add_data(model, restricted.pk))
    missing = client.post(url, add_data(model, MISSING))
    assert hidden.status_code == missing.status_code == 200
    assert hidden.context["adminform"].form.errors["agreement"] == missing.context["adminform"].form.errors["agreement"]
    assert "Select a valid choice" in hidden.context["adminform"].form.errors["agreement"][0]
    assert rows(model, restricted.pk) == before


@pytest.mark.parametrize("model", ["milestone", "party"])
def test_data_entry_adds_a_row_to_an_agreement_they_keep(client, data_entry, agreement, restricted, model):
    restricted.team.add(data_entry)
    client.force_login(data_entry)
    for target in (agreement, restricted):
        before = rows(model, target.pk)
        response = client.post(reverse(f"admin:agreements_{model}_add"), add_data(model, target.pk))
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert rows(model, target.pk) == before + 1


@pytest.mark.parametrize("model", ["milestone", "party"])
def test_a_manager_adds_a_row_to_any_agreement(client, superuser, restricted, model):
    client.force_login(superuser)
    response = client.post(reverse(f"admin:agreements_{model}_add"), add_data(model, restricted.pk))
    assert response.status_code == 302


@pytest.mark.parametrize("model", ["milestone", "party"])
def test_the_agreement_choices_and_autocomplete_leave_out_hidden_agreements(client, data_entry, agreement, restricted,
                                                                           model):
    client.force_login(data_entry)
    form = client.get(reverse(f"admin:agreements_{model}_add")).context["adminform"].form
    assert set(form.fields["agreement"].queryset) == {agreement}
    found = client.get(reverse("admin:autocomplete"), {"term": "", "app_label": "agreements", "model_name": model,
                                                        "field_name": "agreement"}).json()["results"]
    assert [row["id"] for row in found] == [str(agreement.pk)]


def test_a_milestone_stays_with_its_agreement(client, data_entry, agreement):
    """Moving a milestone to another agreement would also carry its history there."""
    from tests.factories import AgreementFactory, MilestoneFactory

    milestone = MilestoneFactory(agreement=agreement)
    other = AgreementFactory()
    client.force_login(data_entry)
    url = reverse("admin:agreements_milestone_change", args=[milestone.pk])
    response = client.post(url, {**add_data("milestone", other.pk), "title": "Moved?"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.agreement, milestone.title) == (agreement, "Moved?")
