"""The admin's history pages (django-simple-history) ask the same policy as every other page,
and reverting from history is switched off: no status, version, owner or team is written
around the workflow and the change form (issue 13, findings 1 and 2)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from agreements import workflow
from agreements.models import Agreement, Milestone, Party, Status, TransitionLog
from tests.admin.test_admin import change_data
from tests.factories import MilestoneFactory

MISSING = 987654


def history_urls(obj, model: str) -> tuple[str, str]:
    version = obj.history.latest().history_id
    return (reverse(f"admin:agreements_{model}_history", args=[obj.pk]),
            reverse(f"admin:agreements_{model}_simple_history", args=[obj.pk, version]))


def missing_urls(model: str) -> tuple[str, str]:
    return (reverse(f"admin:agreements_{model}_history", args=[MISSING]),
            reverse(f"admin:agreements_{model}_simple_history", args=[MISSING, MISSING]))


def subjects(agreement) -> dict[str, object]:
    """An agreement and one milestone and party of it: the three models with history."""
    return {"agreement": agreement, "milestone": MilestoneFactory(agreement=agreement, title="Secret plant survey"),
            "party": agreement.parties.first()}


def answer(response) -> tuple[int, str | None]:
    return response.status_code, response.get("Location")


@pytest.mark.parametrize("model", ["agreement", "milestone", "party"])
def test_the_history_of_a_restricted_agreement_answers_as_a_missing_one(client, data_entry, restricted, model):
    """Finding 1: /history/ and /history/<id>/ showed the title and every field of a restricted
    agreement (and of its milestones and parties) to data entry staff not on its team."""
    obj = subjects(restricted)[model]
    client.force_login(data_entry)
    hidden = [client.get(url) for url in history_urls(obj, model)]
    missing = [client.get(url) for url in missing_urls(model)]
    assert [answer(r) for r in hidden] == [answer(r) for r in missing] == [(302, "/admin/")] * 2
    for response in hidden:
        assert restricted.title not in response.content.decode()


@pytest.mark.parametrize("model", ["agreement", "milestone", "party"])
def test_people_who_may_see_the_agreement_read_its_history(client, manager, data_entry, agreement, restricted, model):
    for user, subject in ((manager, restricted), (data_entry, agreement)):
        obj = subjects(subject)[model]
        client.force_login(user)
        listing, detail = (client.get(url) for url in history_urls(obj, model))
        assert listing.status_code == detail.status_code == 200
        assert str(obj) in listing.content.decode()


def test_data_entry_on_the_team_reads_the_history_of_a_restricted_agreement(client, data_entry, restricted):
    restricted.team.add(data_entry)
    client.force_login(data_entry)
    assert [client.get(url).status_code for url in history_urls(restricted, "agreement")] == [200, 200]


def test_a_history_page_says_reverting_is_switched_off(client, data_entry, agreement):
    client.force_login(data_entry)
    _, detail = history_urls(agreement, "agreement")
    page = client.get(detail).content.decode()
    assert 'name="_save"' not in page and "Revert" not in page


def test_reverting_a_restricted_agreement_cannot_put_data_entry_on_its_team(client, data_entry, restricted):
    """Finding 2: POSTing the history form with team=<me> put data entry on the team."""
    client.force_login(data_entry)
    _, detail = history_urls(restricted, "agreement")
    response = client.post(detail, change_data(restricted, team=[data_entry.pk]))
    assert answer(response) == (302, "/admin/")  # as for an agreement that does not exist
    assert data_entry not in restricted.team.all()


def test_reverting_is_refused_even_for_an_agreement_one_may_change(client, data_entry, agreement):
    client.force_login(data_entry)
    _, detail = history_urls(agreement, "agreement")
    before = Agreement.objects.get(pk=agreement.pk).version
    response = client.post(detail, change_data(agreement, title="Reverted title"))
    assert response.status_code == 403
    assert "Reverting from history is switched off" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).version == before
    # The legitimate way to correct a record: the change form (policy, version check, history).
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    assert client.post(url, change_data(agreement, title="Corrected title")).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).title == "Corrected title"


@pytest.fixture
def reopened(agreement, move_to, manager):
    """Completed (closure requested by manager, approved by the second), then reopened."""
    MilestoneFactory(agreement=agreement, state="done", done_on="2026-01-05")
    move_to(agreement, Status.COMPLETED)
    workflow.transition(agreement, Status.IN_PROGRESS, by=manager, comment="More to do")
    return agreement


def test_reverting_to_a_completed_version_does_not_complete_the_agreement(client, data_entry, reopened):
    """Finding 2: the 'completed' history version, posted back, wrote status=completed with no
    approval and no TransitionLog row."""
    completed = reopened.history.filter(status=Status.COMPLETED).latest()
    logs = TransitionLog.objects.filter(agreement=reopened).count()
    client.force_login(data_entry)
    url = reverse("admin:agreements_agreement_simple_history", args=[reopened.pk, completed.history_id])
    reopened.refresh_from_db()
    client.post(url, change_data(reopened))
    reopened.refresh_from_db()
    assert reopened.status == Status.IN_PROGRESS
    assert TransitionLog.objects.filter(agreement=reopened).count() == logs


def test_a_manager_cannot_skip_four_eyes_by_reverting(client, manager, second_manager, agreement, move_to):
    MilestoneFactory(agreement=agreement, state="done", done_on="2026-01-05")
    move_to(agreement, Status.COMPLETED)
    workflow.transition(agreement, Status.IN_PROGRESS, by=manager, comment="More to do")
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=manager)
    completed = agreement.history.filter(status=Status.COMPLETED).latest()
    client.force_login(manager)
    url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, completed.history_id])
    agreement.refresh_from_db()
    assert client.post(url, change_data(agreement)).status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == Status.PENDING_CLOSURE
    # The workflow's way: a second manager approves.
    workflow.transition(agreement, Status.COMPLETED, by=second_manager)
    assert Agreement.objects.get(pk=agreement.pk).status == Status.COMPLETED


def test_reverting_a_milestone_or_party_is_refused(client, data_entry, agreement):
    milestone = MilestoneFactory(agreement=agreement, title="Before")
    Milestone.objects.filter(pk=milestone.pk).update(title="After")
    party = agreement.parties.first()
    client.force_login(data_entry)
    _, detail = history_urls(milestone, "milestone")
    assert client.post(detail, {"agreement": agreement.pk, "title": "Before", "due_on": "2026-06-01", "weight": "1",
                                "state": "planned"}).status_code == 403
    _, detail = history_urls(party, "party")
    assert client.post(detail, {"agreement": agreement.pk, "organization": party.organization_id,
                                "role": "financier"}).status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).title == "After"
    assert Party.objects.get(pk=party.pk).role == "signatory"
