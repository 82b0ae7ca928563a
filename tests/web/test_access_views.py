"""Who may open which page and take which action, role by role, including guessed ids (IDOR).

Invisible agreements answer 404 (their reference must not leak), visible but unchangeable
ones 403 with a sentence saying why, and nothing is changed by a refused request.
"""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.actions.documents import store_document
from agreements.models import Agreement, Document, Milestone, ProgressUpdate, Status, TransitionLog
from tests.conftest import PDF_BYTES
from tests.factories import AgreementFactory, MilestoneFactory

ROLES = ["officer", "teammate", "other_officer", "manager", "viewer", "data_entry", "superuser"]
MEMBERS = {"officer", "teammate", "manager", "superuser"}  # superusers count as every role


@pytest.fixture
def working(agreement, move_to, private_media, officer):
    """An in-progress internal agreement with one planned milestone and one document."""
    move_to(agreement, Status.IN_PROGRESS)
    agreement.milestone = MilestoneFactory(agreement=agreement, owner=officer)
    agreement.document = store_document(agreement, SimpleUploadedFile("a.pdf", PDF_BYTES), title="Text", by=officer)
    agreement.refresh_from_db()
    return agreement


def url(name: str, agreement: Agreement, *args) -> str:
    return reverse(name, args=[agreement.reference, *args])


def actions(agreement: Agreement) -> dict[str, tuple[str, dict]]:
    """Every POST action with valid input; the expected outcome differs only by role."""
    v = agreement.version
    m = agreement.milestone.pk
    return {
        "progress": (url("agreement-progress", agreement),
                     {"percent_complete": 30, "health": "on_track", "summary": "Met the partners.",
                      "health_reason": "The milestone is re-planned with the partners."}),
        "add milestone": (url("milestone-add", agreement),
                          {"new-title": "Feasibility study", "new-due_on": "2027-01-15", "new-version": v}),
        "edit milestone": (url("milestone-edit", agreement, m), {"title": "Renamed", "due_on": "2027-02-01", "version": v}),
        "done": (url("milestone-done", agreement, m),
                 {f"done-{m}-done_on": "2026-01-10", f"done-{m}-evidence": "Minutes", f"done-{m}-version": v}),
        "waive": (url("milestone-waive", agreement, m), {f"waive-{m}-waiver_reason": "Not needed", f"waive-{m}-version": v}),
        "hold": (url("agreement-transition", agreement, "on_hold"),
                 {"t-on_hold-comment": "Budget", "t-on_hold-version": v}),
        "reassign": (url("agreement-reassign", agreement), {"owner": agreement.owner_id, "version": v}),
    }


MEMBER_ACTIONS = ["progress", "add milestone", "edit milestone", "done", "waive", "hold"]


def snapshot(agreement: Agreement) -> tuple:
    agreement.refresh_from_db()
    return (agreement.version, agreement.status, ProgressUpdate.objects.count(), TransitionLog.objects.count(),
            list(Milestone.objects.values_list("title", "state", "due_on")), Document.objects.count())


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_pages_of_an_internal_agreement(client, request, working, role):
    client.force_login(request.getfixturevalue(role))
    for path in ["/", "/agreements/", working.get_absolute_url(), working.get_absolute_url() + "?timeline=all",
                 url("document-download", working, working.document.pk)]:
        assert client.get(path, follow=True).status_code == 200, path  # a viewer's "/" is the reports


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", MEMBER_ACTIONS)
def test_only_the_owner_team_and_managers_may_act(client, request, working, role, action):
    client.force_login(request.getfixturevalue(role))
    path, data = actions(working)[action]
    before = snapshot(working)
    response = client.post(path, data)
    if role in MEMBERS:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot(working) != before
    else:
        assert response.status_code == 403
        assert snapshot(working) == before
        assert "Only" in response.content.decode()  # the 403 page says why


@pytest.mark.parametrize("role", ROLES)
def test_the_milestone_edit_page_is_for_those_who_may_edit(client, request, working, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url("milestone-edit", working, working.milestone.pk))
    assert response.status_code == (200 if role in MEMBERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_reassign(client, request, working, role):
    client.force_login(request.getfixturevalue(role))
    path, data = actions(working)["reassign"]
    expected = (200, 302) if role in ("manager", "superuser") else (403, 403)
    assert (client.get(path).status_code, client.post(path, data).status_code) == expected


@pytest.mark.parametrize("role", ROLES)
def test_uploading_is_for_members_data_entry_and_managers(client, request, working, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(url("document-upload", working), {"title": "Report", "file": SimpleUploadedFile("r.pdf", PDF_BYTES)})
    allowed = role in MEMBERS | {"data_entry"}
    assert response.status_code == (302 if allowed else 403)
    assert Document.objects.filter(title="Report").exists() == allowed


@pytest.mark.parametrize("role,visible", [("officer", True), ("teammate", True), ("manager", True),
                                          ("other_officer", False), ("viewer", False), ("data_entry", False)])
def test_a_restricted_agreement_is_404_for_outsiders_on_every_url(client, request, restricted, private_media, officer,
                                                                  role, visible):
    restricted.milestone = MilestoneFactory(agreement=restricted)
    restricted.document = store_document(restricted, SimpleUploadedFile("a.pdf", PDF_BYTES), title="Secret", by=officer)
    client.force_login(request.getfixturevalue(role))
    assert client.get(restricted.get_absolute_url()).status_code == (200 if visible else 404)
    assert client.get(url("document-download", restricted, restricted.document.pk)).status_code == (200 if visible else 404)
    if not visible:
        for path, data in actions(restricted).values():
            assert client.post(path, data).status_code == 404, path
        assert client.get(url("milestone-edit", restricted, restricted.milestone.pk)).status_code == 404
        assert restricted.reference not in client.get("/agreements/").content.decode()


def test_a_milestone_id_of_another_agreement_is_404_even_for_its_owner(client, officer, working):
    mine_too = AgreementFactory(owner=officer)
    foreign = MilestoneFactory(agreement=mine_too, title="Theirs")
    client.force_login(officer)
    v = working.version
    assert client.post(url("milestone-done", working, foreign.pk), {
        f"done-{foreign.pk}-done_on": "2026-01-01", f"done-{foreign.pk}-evidence": "x", f"done-{foreign.pk}-version": v,
    }).status_code == 404
    assert client.get(url("milestone-edit", working, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.state == Milestone.State.PLANNED


def test_a_document_id_of_another_agreement_or_a_guess_is_404(client, officer, other_officer, working, restricted):
    secret = store_document(restricted, SimpleUploadedFile("s.pdf", PDF_BYTES), title="Secret", by=officer)
    client.force_login(other_officer)
    # The restricted agreement's document through a visible agreement's URL, and a made-up id.
    assert client.get(url("document-download", working, secret.pk)).status_code == 404
    assert client.get(url("document-download", working, secret.pk + 1000)).status_code == 404


def test_an_unknown_reference_is_404_with_the_products_page(client, officer):
    client.force_login(officer)
    response = client.get("/agreements/NOPE-1/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_every_page_needs_sign_in_except_login_and_health(client, working):
    for path in ["/", "/agreements/", working.get_absolute_url(), url("document-download", working, working.document.pk),
                 url("agreement-reassign", working)]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    path, data = actions(working)["progress"]
    assert client.post(path, data).status_code == 302
    assert ProgressUpdate.objects.count() == 0
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_actions_refuse_get(client, officer, working):
    client.force_login(officer)
    for name in ["progress", "add milestone", "done", "waive", "hold"]:
        assert client.get(actions(working)[name][0]).status_code == 405, name


def test_a_transition_the_user_has_no_right_to_is_403_with_the_reason(client, officer, agreement):
    client.force_login(officer)
    response = client.post(url("agreement-transition", agreement, "signed"), {"t-signed-version": agreement.version})
    assert response.status_code == 403
    assert "data entry staff or a manager" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Status.DRAFT


def test_an_unknown_status_in_the_url_is_404(client, manager, agreement):
    client.force_login(manager)
    assert client.post(url("agreement-transition", agreement, "flying"), {}).status_code == 404


def test_download_is_an_attachment_with_the_checked_type(client, viewer, working):
    client.force_login(viewer)
    response = client.get(url("document-download", working, working.document.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_the_data_entry_user_reads_but_cannot_post_progress_on_a_draft(client, data_entry, agreement):
    client.force_login(data_entry)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Post a progress update" not in page
    assert "Sign" in page  # data entry may record the signature: the action is offered

