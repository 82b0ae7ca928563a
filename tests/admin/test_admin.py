"""The admin works for data entry staff and goes through the workflow and policy."""
from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import Agreement, Status, TransitionLog
from tests.factories import MilestoneFactory, OrganizationFactory


@pytest.fixture
def entry_client(client, data_entry):
    client.force_login(data_entry)
    return client


@pytest.mark.parametrize("model", ["agreement", "organization", "milestone", "party", "user", "transitionlog",
                                   "progressupdate", "document", "pillar", "focusarea"])
def test_data_entry_sees_every_changelist(entry_client, agreement, model):
    response = entry_client.get(reverse(f"admin:agreements_{model}_changelist"))
    assert response.status_code == 200


def test_data_entry_can_open_add_and_change_pages(entry_client, agreement):
    assert entry_client.get(reverse("admin:agreements_agreement_add")).status_code == 200
    response = entry_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    assert response.status_code == 200
    assert entry_client.get(reverse("admin:agreements_organization_add")).status_code == 200
    assert entry_client.get(reverse("admin:agreements_agreement_history", args=[agreement.pk])).status_code == 200


def test_changelist_searches_party_names_and_filters_country(entry_client, agreement):
    name = agreement.parties.first().organization.name
    response = entry_client.get(reverse("admin:agreements_agreement_changelist"), {"q": name})
    assert agreement.reference in response.content.decode()
    response = entry_client.get(reverse("admin:agreements_agreement_changelist"), {"country": "KZ"})
    assert agreement.reference not in response.content.decode()


def test_restricted_agreements_are_hidden_from_data_entry(entry_client, restricted):
    response = entry_client.get(reverse("admin:agreements_agreement_changelist"))
    assert restricted.reference not in response.content.decode()
    response = entry_client.get(reverse("admin:agreements_agreement_change", args=[restricted.pk]))
    assert response.status_code == 302  # the admin redirects "does not exist" to its index


def change_data(agreement, **overrides):
    data = {
        "reference": agreement.reference, "title": agreement.title, "summary": "", "kind": agreement.kind,
        "pillar": agreement.pillar_id, "signed_on": "2025-12-19", "signed_at": "Tokyo", "value": "", "currency": "",
        "end_date": "", "owner": agreement.owner_id, "team": [u.pk for u in agreement.team.all()],
        "lead_organization": "", "confidentiality": "internal", "percent_from": "officer", "expected_version": agreement.version,
        "origin": agreement.origin, "confidence": agreement.confidence, "date_precision": agreement.date_precision,
        "date_as_reported": agreement.date_as_reported,
    }
    for prefix in ("parties", "focal_points", "sources", "milestones", "documents"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    parties = list(agreement.parties.all())
    data.update({"parties-TOTAL_FORMS": str(len(parties)), "parties-INITIAL_FORMS": str(len(parties))})
    for i, party in enumerate(parties):
        data.update({f"parties-{i}-id": party.pk, f"parties-{i}-agreement": agreement.pk,
                     f"parties-{i}-organization": party.organization_id, f"parties-{i}-role": party.role})
    data.update(overrides)
    return data


def test_data_entry_edits_an_agreement_and_history_records_who(entry_client, agreement, data_entry):
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    response = entry_client.post(url, change_data(agreement, title="Corrected title"))
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement.refresh_from_db()
    assert agreement.title == "Corrected title"
    assert agreement.history.latest().history_user == data_entry


def test_stale_admin_edit_is_refused(entry_client, agreement):
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    stale = change_data(agreement, title="Mine")
    Agreement.objects.filter(pk=agreement.pk).update(title="Theirs", version=agreement.version + 1)
    response = entry_client.post(url, stale)
    assert response.status_code == 200
    assert "Somebody else changed this agreement" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title == "Theirs"


def run_action(client, action, agreements, comment=""):
    url = reverse("admin:agreements_agreement_changelist")
    data = {"action": f"transition_{action}", "_selected_action": [a.pk for a in agreements]}
    first = client.post(url, data)
    assert first.status_code == 200 and "Comment or reason" in first.content.decode()
    return client.post(url, {**data, "apply": "1", "comment": comment}, follow=True)


def test_sign_action_goes_through_the_workflow(entry_client, agreement, data_entry):
    response = run_action(entry_client, "sign", [agreement])
    assert "1 agreement done" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.SIGNED
    assert TransitionLog.objects.get(agreement=agreement).by == data_entry


def test_refused_action_shows_the_reason(entry_client, agreement):
    agreement.parties.all()[1].delete()
    response = run_action(entry_client, "sign", [agreement])
    assert "Signing needs at least two parties: 1 is recorded." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.DRAFT


def test_data_entry_cannot_terminate(entry_client, agreement):
    response = run_action(entry_client, "terminate", [agreement], comment="no")
    assert "Only a manager may do this." in response.content.decode()


def test_transition_log_is_read_only(entry_client, agreement, manager):
    from agreements import workflow

    log = workflow.transition(agreement, Status.SIGNED, by=manager)
    response = entry_client.get(reverse("admin:agreements_transitionlog_change", args=[log.pk]))
    assert response.status_code == 200
    assert 'name="comment"' not in response.content.decode()
    assert entry_client.get(reverse("admin:agreements_transitionlog_add")).status_code == 403


def test_data_entry_cannot_grant_manager_rights(entry_client, officer):
    response = entry_client.get(reverse("admin:agreements_user_change", args=[officer.pk]))
    page = response.content.decode()
    assert 'name="is_superuser"' not in page
    assert ">Manager<" not in page and ">Officer<" in page


def test_milestone_admin_filters_overdue(entry_client, agreement):
    MilestoneFactory(agreement=agreement, title="Late one", due_on="2020-01-01")
    response = entry_client.get(reverse("admin:agreements_milestone_changelist"), {"overdue": "yes"})
    assert "Late one" in response.content.decode()


def test_organization_autocomplete_answers(entry_client, agreement):
    OrganizationFactory(name="Japan International Cooperation Agency")
    response = entry_client.get(reverse("admin:autocomplete"), {
        "term": "Cooperation Agency", "app_label": "agreements", "model_name": "party", "field_name": "organization"})
    assert "Japan International Cooperation Agency" in response.content.decode()


def date_drill_downs() -> list[tuple[str, str]]:
    from django.contrib import admin

    return sorted((f"{model._meta.app_label}_{model._meta.model_name}", model_admin.date_hierarchy)
                  for model, model_admin in admin.site._registry.items() if model_admin.date_hierarchy)


def test_the_date_drill_downs_include_other_apps_admins():
    assert {("agreements_agreement", "signed_on"), ("axes_accesslog", "attempt_time")} <= set(date_drill_downs())


@pytest.mark.parametrize("admin_list,field", date_drill_downs())
@pytest.mark.parametrize("drill", [{"year": "9999"}, {"year": "99999999999999999999"}, {"year": "2147483648"},
                                   {"year": "9999", "month": "12", "day": "31"}, {"year": "9999", "month": "12"},
                                   {"year": "1", "month": "1", "day": "1"}])
def test_an_impossible_date_drill_down_is_a_bad_lookup_not_a_crash(client, superuser, admin_list, field, drill):
    """Django 5.2's date_hierarchy crashed (500) on years it cannot step past (ticket #37357);
    the admin answers them like any lookup it cannot use: back to the list with `?e=1`."""
    client.force_login(superuser)
    url = reverse(f"admin:{admin_list}_changelist")
    response = client.get(url, {f"{field}__{part}": value for part, value in drill.items()})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.url == f"{url}?e=1"


def test_a_signed_agreement_keeps_its_signature_date(entry_client, agreement, move_to):
    move_to(agreement, Status.SIGNED)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    response = entry_client.post(url, change_data(agreement, signed_on=""))
    assert response.status_code == 200
    assert "A signed agreement needs its date of signature." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.signed_on is not None


def test_a_milestone_corrected_in_the_admin_makes_open_forms_stale(entry_client, agreement):
    milestone = MilestoneFactory(agreement=agreement, title="Feasibility study")
    before = Agreement.objects.get(pk=agreement.pk).version
    url = reverse("admin:agreements_milestone_change", args=[milestone.pk])
    data = {"agreement": agreement.pk, "title": "Feasibility study (revised)", "due_on": "2026-09-30", "weight": "1",
            "owner": "", "state": "planned", "done_on": "", "evidence": "", "waiver_reason": ""}
    response = entry_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agreement.objects.get(pk=agreement.pk).version == before + 1
