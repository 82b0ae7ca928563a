"""The agreement page shows the record, its milestones, one timeline, and only the actions
this user may take, with the reason when one is blocked."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements import workflow
from agreements.actions import assignment, milestones
from agreements.actions.documents import store_document
from agreements.actions.progress import record_progress
from agreements.models import FocusArea, Status
from tests.conftest import PDF_BYTES
from tests.factories import AgreementFactory, MilestoneFactory

NOW = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.timezone.utc)


def page(client, user, agreement) -> str:
    client.force_login(user)
    response = client.get(agreement.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def between(body: str, start: str, end: str = "</section>") -> str:
    i = body.index(start)
    return body[i:body.index(end, i)]


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_record_people_parties_and_documents(client, officer, teammate, agreement, private_media):
    agreement.value, agreement.currency, agreement.signed_at = Decimal("1500000000"), "JPY", "Tokyo"
    agreement.save()
    agreement.focus_areas.add(FocusArea.objects.get(code="renewable-transition"))
    store_document(agreement, SimpleUploadedFile("signed.pdf", PDF_BYTES), title="Signed text", by=officer)
    body = page(client, officer, agreement)
    for text in [agreement.reference, agreement.title, "Draft", "Not reported", "Green and Resilience",
                 "Renewable energy transition", "¥1,500,000,000", "19 December 2025, Tokyo",
                 str(officer), str(teammate), "Organization", "Signatory", "Signed text", "signed.pdf"]:
        assert text in body, text


@time_machine.travel(NOW, tick=False)
def test_overdue_milestones_are_marked(client, officer, agreement):
    MilestoneFactory(agreement=agreement, title="Late", due_on=datetime.date(2026, 6, 9))
    MilestoneFactory(agreement=agreement, title="Today", due_on=datetime.date(2026, 6, 10))
    body = between(page(client, officer, agreement), 'id="milestones"')
    late = between(body, "milestone--overdue", "</li>")
    assert "Late" in late and "Overdue" in late
    assert "1 overdue" in body
    assert body.count("milestone--overdue") == 1


def test_the_timeline_merges_updates_transitions_and_edits_newest_first(client, officer, manager, teammate, agreement):
    start = timezone.now()  # the record was created just now, by the fixture
    at = lambda day: start + datetime.timedelta(days=day)  # noqa: E731
    with time_machine.travel(at(1), tick=False):
        workflow.transition(agreement, Status.SIGNED, by=manager, comment="Signed in Tokyo")
    with time_machine.travel(at(2), tick=False):
        record_progress(agreement, by=officer, percent_complete=20, health="at_risk", summary="Customs delay")
    with time_machine.travel(at(3), tick=False):
        assignment.reassign(agreement, by=manager, owner=teammate, team=[officer], expected_version=agreement.version)
    with time_machine.travel(at(4), tick=False):
        milestone = milestones.add_milestone(agreement, by=teammate, title="Survey", due_on=datetime.date(2026, 5, 1),
                                             expected_version=agreement.version)
    with time_machine.travel(at(5), tick=False):
        milestones.complete_milestone(milestone, by=teammate, done_on=timezone.localdate(), evidence="Report 12",
                                      expected_version=agreement.version)
    with time_machine.travel(at(6), tick=False):
        timeline = between(page(client, officer, agreement), 'id="timeline"')
    expected_in_order = ["marked “Survey” done", "Report 12", "added the milestone “Survey”", "edited the record",
                         "Owner", "posted a progress update", "Customs delay", "changed the status: Draft",
                         "Signed in Tokyo", "The record was created"]
    positions = [timeline.index(text) for text in expected_in_order]
    assert positions == sorted(positions)
    # The status change is told once, by the transition, not again as a record edit.
    assert timeline.count("Signed</strong>") == 1


def test_a_blocked_transition_is_shown_with_its_reason(client, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    actions = between(page(client, officer, agreement), 'id="actions"')
    assert "Request closure" in actions
    assert "Closure needs every milestone done or waived: 1 is still planned." in actions
    assert 'disabled aria-describedby="why-pending_closure"' in actions
    assert "Confirm: Put on hold" in actions  # possible now: a form with a comment


def test_four_eyes_is_explained_to_the_requesting_manager(client, manager, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=manager)
    actions = between(page(client, manager, agreement), 'id="actions"')
    assert "Approval needs a second manager: you requested this closure yourself." in actions
    assert "Confirm: Reject closure" in actions


@pytest.mark.parametrize("role", ["viewer", "other_officer", "data_entry"])
def test_readers_get_no_forms_for_work_they_may_not_do(client, request, agreement, move_to, role):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    body = page(client, request.getfixturevalue(role), agreement)
    for text in ["Post a progress update", "Mark done", "Add a milestone", "Confirm:", "Reassign"]:
        assert text not in body, text
    assert ("Attach a document" in body) is (role == "data_entry")


def test_members_get_the_forms(client, teammate, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    body = page(client, teammate, agreement)
    for text in ["Post a progress update", "Mark done", "Waive", "Add a milestone", "Attach a document",
                 "Confirm: Put on hold", "You work on this agreement."]:
        assert text in body, text
    assert "Reassign" not in body


def test_a_closed_agreement_explains_why_milestones_cannot_change(client, manager, agreement, move_to):
    move_to(agreement, Status.TERMINATED)
    body = between(page(client, manager, agreement), 'id="milestones"')
    assert "This agreement is terminated: reopen it before changing its milestones." in body


def test_user_text_is_escaped(client, officer, db):
    agreement = AgreementFactory(owner=officer, title="<script>alert(1)</script>", summary="<b>bold</b>")
    body = page(client, officer, agreement)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "<b>bold</b>" not in body


def test_the_full_timeline_link_appears_only_when_entries_were_left_out(client, officer, agreement):
    for n in range(3):
        record_progress(agreement, by=officer, percent_complete=n, health="on_track", summary=f"Update {n}",
                        at=datetime.datetime(2026, 1, 1 + n, tzinfo=datetime.timezone.utc))
    assert "Show the full timeline" not in page(client, officer, agreement)
    for n in range(30):
        record_progress(agreement, by=officer, percent_complete=n, health="on_track", summary=f"More {n}",
                        at=datetime.datetime(2026, 2, 1, n % 24, tzinfo=datetime.timezone.utc))
    body = page(client, officer, agreement)
    assert "Show the full timeline" in body and "Update 0" not in body
    full = client.get(agreement.get_absolute_url() + "?timeline=all").content.decode()
    assert "Update 0" in full and "Show the full timeline" not in full
