"""The actions of the agreement page: what they change, what a person sees when input is wrong,
and that a form based on an old version never overwrites a newer change (409, current values)."""
from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements import workflow
from agreements.models import Document, Milestone, ProgressUpdate, Status, TransitionLog
from tests.conftest import PDF_BYTES
from tests.factories import MilestoneFactory

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def url(name, agreement, *args):
    return reverse(name, args=[agreement.reference, *args])


@pytest.fixture
def working(agreement, move_to):
    return move_to(agreement, Status.IN_PROGRESS)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


# --- Progress -------------------------------------------------------------------------------

def test_posting_progress_updates_health_and_shows_on_the_timeline(signed_in, working):
    response = signed_in.post(url("agreement-progress", working), {
        "percent_complete": 45, "health": "at_risk", "summary": "Customs delay at Dostyk", "next_steps": "Escalate"})
    assert response.status_code == 302 and response["Location"].endswith("#timeline-message")
    working.refresh_from_db()
    assert (working.health, working.percent_complete) == ("at_risk", 45)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Customs delay at Dostyk" in page and "Escalate" in page
    # The confirmation is where the person lands (inside the timeline, focused), not at the top of the page.
    timeline = page.split('id="timeline"')[1]
    region = timeline.split('id="timeline-message"')[1].split("</div>")[0]
    assert 'role="status"' in region and "data-focus-on-load" in region and "Your progress update is posted." in region
    assert "Your progress update is posted." not in page.split('id="timeline"')[0]


def test_invalid_progress_re_renders_with_messages_next_to_fields(signed_in, working):
    response = signed_in.post(url("agreement-progress", working), {"percent_complete": 150, "health": "great"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Your change was not saved." in body
    assert "Ensure this value is less than or equal to 100." in body
    assert "Select a valid choice." in body and "This field is required." in body
    assert 'value="150"' in body  # what they typed is kept
    assert ProgressUpdate.objects.count() == 0


# --- Milestones -----------------------------------------------------------------------------

def test_adding_a_milestone_defaults_its_owner_and_bumps_the_version(signed_in, working, officer):
    version = working.version
    response = signed_in.post(url("milestone-add", working), {
        "new-title": "Feasibility study", "new-due_on": "2027-03-01", "new-owner": "", "new-version": version})
    assert response.status_code == 302
    milestone = Milestone.objects.get(title="Feasibility study")
    assert (milestone.owner, milestone.due_on) == (officer, datetime.date(2027, 3, 1))
    working.refresh_from_db()
    assert working.version == version + 1


def test_a_milestone_owner_must_be_on_the_agreement(signed_in, working, other_officer):
    response = signed_in.post(url("milestone-add", working), {
        "new-title": "X", "new-due_on": "2027-03-01", "new-owner": other_officer.pk, "new-version": working.version})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Milestone.objects.exists()


def test_no_milestone_can_be_added_while_closure_waits(signed_in, working, officer):
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    response = signed_in.post(url("milestone-add", working), {
        "new-title": "Late idea", "new-due_on": "2027-03-01", "new-version": working.version})
    assert response.status_code == 400
    assert "a manager must reject it" in response.content.decode()
    assert not Milestone.objects.exists()


def test_marking_done_records_date_and_evidence(signed_in, working, teammate):
    milestone = MilestoneFactory(agreement=working)
    prefix = f"done-{milestone.pk}"
    response = signed_in.post(url("milestone-done", working, milestone.pk), {
        f"{prefix}-done_on": "2026-02-03", f"{prefix}-evidence": "Signed minutes", f"{prefix}-version": working.version})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.state, milestone.done_on, milestone.evidence) == ("done", datetime.date(2026, 2, 3), "Signed minutes")


def test_a_done_date_in_the_future_is_refused_next_to_the_field(signed_in, working):
    milestone = MilestoneFactory(agreement=working)
    prefix = f"done-{milestone.pk}"
    response = signed_in.post(url("milestone-done", working, milestone.pk), {
        f"{prefix}-done_on": "2099-01-01", f"{prefix}-evidence": "x", f"{prefix}-version": working.version})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The done date cannot be in the future." in body
    assert f'id="done-{milestone.pk}" open' in body  # the form is unfolded where the error is
    milestone.refresh_from_db()
    assert milestone.state == "planned"


def test_waiving_needs_a_reason(signed_in, working):
    milestone = MilestoneFactory(agreement=working)
    prefix = f"waive-{milestone.pk}"
    response = signed_in.post(url("milestone-waive", working, milestone.pk),
                              {f"{prefix}-waiver_reason": " ", f"{prefix}-version": working.version})
    assert response.status_code == 400
    response = signed_in.post(url("milestone-waive", working, milestone.pk),
                              {f"{prefix}-waiver_reason": "Partner withdrew", f"{prefix}-version": working.version})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.state, milestone.waiver_reason) == ("waived", "Partner withdrew")


def test_a_milestone_already_done_is_not_done_again(signed_in, working):
    milestone = MilestoneFactory(agreement=working, state="done", done_on=datetime.date(2026, 1, 1))
    prefix = f"waive-{milestone.pk}"
    response = signed_in.post(url("milestone-waive", working, milestone.pk),
                              {f"{prefix}-waiver_reason": "x", f"{prefix}-version": working.version})
    assert response.status_code == 409  # somebody closed it meanwhile: the only conflict a waive form can meet
    assert "is already done" in response.content.decode()


def test_editing_a_milestone_on_its_own_page(signed_in, working):
    milestone = MilestoneFactory(agreement=working, title="Old title")
    edit = url("milestone-edit", working, milestone.pk)
    form = signed_in.get(edit).content.decode()
    assert 'value="Old title"' in form and f'name="version" value="{working.version}"' in form
    response = signed_in.post(edit, {"title": "New title", "due_on": "2027-01-31", "owner": "", "version": working.version})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_on) == ("New title", datetime.date(2027, 1, 31))


# --- No lost updates ---------------------------------------------------------------------------

def test_a_stale_milestone_edit_is_refused_with_the_current_values(client, officer, teammate, working):
    milestone = MilestoneFactory(agreement=working, title="Original")
    opened_version = working.version
    edit = url("milestone-edit", working, milestone.pk)
    client.force_login(teammate)  # the teammate saves first
    assert client.post(edit, {"title": "Teammate's title", "due_on": "2027-05-01", "version": opened_version}).status_code == 302
    client.force_login(officer)  # the officer's form was opened before
    response = client.post(edit, {"title": "Officer's title", "due_on": "2027-06-01", "version": opened_version})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Somebody else changed this agreement while you were editing." in body
    assert "Teammate&#x27;s title" in body  # the current value
    assert 'value="Officer&#x27;s title"' in body  # their input, kept
    assert f'name="version" value="{opened_version + 1}"' in body  # submitting again is a deliberate choice
    milestone.refresh_from_db()
    assert milestone.title == "Teammate's title"
    resubmitted = client.post(edit, {"title": "Officer's title", "due_on": "2027-06-01", "version": opened_version + 1})
    assert resubmitted.status_code == 302


def test_a_done_form_from_before_a_hold_is_no_conflict(signed_in, working, manager):
    """The hold changed the status, not the milestone: marking it done still applies (milestones may be
    closed on hold); only a change of the same thing is a conflict."""
    first, second = MilestoneFactory(agreement=working, title="First"), MilestoneFactory(agreement=working, title="Second")
    opened_version = working.version
    workflow.transition(working, Status.ON_HOLD, by=manager, comment="Budget freeze")  # meanwhile
    prefix = f"done-{second.pk}"
    response = signed_in.post(url("milestone-done", working, second.pk), {
        f"{prefix}-done_on": "2026-01-05", f"{prefix}-evidence": "Report", f"{prefix}-version": opened_version})
    assert response.status_code == 302 and response["Location"].endswith(f"#milestone-{second.pk}-message")
    second.refresh_from_db(), first.refresh_from_db()
    assert second.state == "done" and first.state == "planned"


def test_a_transition_from_an_old_page_is_refused(client, officer, manager, second_manager, working):
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    opened_version = working.version
    workflow.transition(working, Status.IN_PROGRESS, by=manager, comment="Report missing")  # rejected...
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)  # ...and requested again
    client.force_login(second_manager)
    response = client.post(url("agreement-transition", working, "completed"), {
        "t-completed-version": opened_version, "t-completed-percent_complete": 100, "t-completed-health": "on_track"})
    assert response.status_code == 409
    working.refresh_from_db()
    assert working.status == Status.PENDING_CLOSURE


# --- Transitions ---------------------------------------------------------------------------------

def test_a_transition_records_its_comment(signed_in, working, officer):
    response = signed_in.post(url("agreement-transition", working, "on_hold"),
                              {"t-on_hold-comment": "Waiting for the budget", "t-on_hold-version": working.version})
    assert response.status_code == 302
    log = TransitionLog.objects.latest("id")
    assert (log.to_status, log.by, log.comment) == ("on_hold", officer, "Waiting for the budget")
    assert "is now on hold" in signed_in.get(working.get_absolute_url()).content.decode()


def test_a_transition_that_needs_a_reason_says_so(signed_in, working):
    response = signed_in.post(url("agreement-transition", working, "on_hold"),
                              {"t-on_hold-comment": "", "t-on_hold-version": working.version})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Put on hold needs a reason." in body and 'id="transition-on_hold" open' in body
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS


def test_closure_is_approved_by_a_second_manager_only(client, manager, second_manager, working):
    client.force_login(manager)
    client.post(url("agreement-transition", working, "pending_closure"), {"t-pending_closure-version": working.version})
    working.refresh_from_db()
    assert working.status == Status.PENDING_CLOSURE
    final = {"t-completed-percent_complete": 100, "t-completed-health": "on_track"}
    refused = client.post(url("agreement-transition", working, "completed"), {"t-completed-version": working.version, **final})
    assert refused.status_code == 400
    assert "Approval needs a second manager" in refused.content.decode()
    client.force_login(second_manager)
    approved = client.post(url("agreement-transition", working, "completed"), {"t-completed-version": working.version, **final})
    assert approved.status_code == 302
    working.refresh_from_db()
    assert working.status == Status.COMPLETED


# --- Reassigning ------------------------------------------------------------------------------------

def test_a_manager_reassigns_owner_and_team_and_hands_over_planned_milestones(client, manager, officer, teammate,
                                                                             other_officer, working):
    planned = MilestoneFactory(agreement=working, owner=officer)
    done = MilestoneFactory(agreement=working, owner=officer, state="done", done_on=datetime.date(2026, 1, 1))
    client.force_login(manager)
    response = client.post(url("agreement-reassign", working), {
        "owner": other_officer.pk, "team": [teammate.pk, officer.pk], "hand_over_milestones": "on",
        "version": working.version})
    assert response.status_code == 302
    working.refresh_from_db()
    assert working.owner == other_officer
    assert set(working.team.all()) == {teammate, officer}
    planned.refresh_from_db(), done.refresh_from_db()
    assert (planned.owner, done.owner) == (other_officer, officer)


def test_a_stale_reassignment_shows_the_current_owner(client, manager, second_manager, officer, teammate, working):
    opened_version = working.version
    client.force_login(second_manager)
    client.post(url("agreement-reassign", working), {"owner": teammate.pk, "version": opened_version})
    client.force_login(manager)
    response = client.post(url("agreement-reassign", working), {"owner": officer.pk, "version": opened_version})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Owner now" in body and str(teammate) in body
    working.refresh_from_db()
    assert working.owner == teammate


# --- Documents -------------------------------------------------------------------------------------

def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,content,expected", [
    ("text.pdf", PDF_BYTES, "application/pdf"),
    ("scan.png", PNG_BYTES, "image/png"),
    ("report.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("misnamed.pdf", PNG_BYTES, "image/png"),  # the content decides, not the name
])
def test_uploads_are_typed_from_their_content(signed_in, working, private_media, name, content, expected):
    response = signed_in.post(url("document-upload", working), {"title": "", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.content_type, document.title, document.original_name) == (expected, name, name)


def test_a_file_that_is_not_an_allowed_type_is_refused_next_to_the_field(signed_in, working, private_media):
    response = signed_in.post(url("document-upload", working),
                              {"title": "Virus", "file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 this is an exe")})
    assert response.status_code == 400
    body = response.content.decode()
    assert "not a PDF, DOCX, XLSX, PNG or JPEG" in body and 'id="document" open' in body
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused(signed_in, working, private_media, settings):
    settings.DOCUMENT_MAX_BYTES = 50
    response = signed_in.post(url("document-upload", working), {"title": "Big", "file": SimpleUploadedFile("b.pdf", PDF_BYTES)})
    assert response.status_code == 400
    assert "the limit is 50" in response.content.decode()
    assert not Document.objects.exists()


def test_stored_files_are_not_under_a_public_url(signed_in, working, private_media, settings):
    signed_in.post(url("document-upload", working), {"title": "T", "file": SimpleUploadedFile("t.pdf", PDF_BYTES)})
    document = Document.objects.get()
    assert document.original_name not in document.file.name  # no user text in the stored path
    assert not settings.PRIVATE_MEDIA_ROOT.is_relative_to(settings.STATIC_ROOT)  # the deployed location too
    page = signed_in.get(working.get_absolute_url()).content.decode()
    assert document.file.name not in page
    assert url("document-download", working, document.pk) in page


@pytest.mark.parametrize("version", [None, "", "abc", "0", "-3"])
def test_a_form_without_a_usable_version_says_so_at_the_top(client, manager, working, version):
    """The version is a hidden field: its error used to be invisible ("correct the fields
    marked below" with none marked)."""
    client.force_login(manager)
    data = {"owner": working.owner_id, **({} if version is None else {"version": version})}
    response = client.post(url("agreement-reassign", working), data)
    assert response.status_code == 400
    assert "This form is incomplete or out of date. Reload the page and try again." in response.content.decode()
    response = client.post(url("agreement-progress", working).replace("progress", "transitions/on_hold"),
                           {"t-on_hold-comment": "Pause", **({} if version is None else {"t-on_hold-version": version})})
    assert "This form is incomplete or out of date." in response.content.decode()
