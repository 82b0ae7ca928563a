"""Issue 18, "no dead ends": undo a mistaken "done", take back a premature closure request, the
approval's final progress, conflicts only where two people changed the same thing (in words)."""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from agreements import workflow
from agreements.models import Milestone, ProgressUpdate, Status, TransitionLog
from tests.factories import MilestoneFactory

DAY = datetime.date(2026, 1, 5)


def url(name, agreement, *args):
    return reverse(name, args=[agreement.reference, *args])


@pytest.fixture
def working(agreement, move_to):
    return move_to(agreement, Status.IN_PROGRESS)


def page_of(client, agreement) -> str:
    return client.get(agreement.get_absolute_url()).content.decode()


# --- Reopening a milestone ----------------------------------------------------------------------

def reopen(client, agreement, milestone, reason="Marked done by mistake"):
    prefix = f"reopen-{milestone.pk}"
    return client.post(url("milestone-reopen", agreement, milestone.pk),
                       {f"{prefix}-reason": reason, f"{prefix}-version": agreement.version})


def test_the_owner_reopens_a_done_milestone_with_a_reason_on_the_timeline(client, officer, working):
    milestone = MilestoneFactory(agreement=working, title="Hazard maps", state="done", done_on=DAY, evidence="Minutes")
    client.force_login(officer)
    page = page_of(client, working)
    assert f'action="{url("milestone-reopen", working, milestone.pk)}"' in page  # the button is offered
    response = reopen(client, working, milestone)
    assert response.status_code == 302 and response["Location"].endswith(f"#milestone-{milestone.pk}-message")
    milestone.refresh_from_db()
    assert (milestone.state, milestone.done_on) == (Milestone.State.PLANNED, None)
    page = client.get(response["Location"]).content.decode()
    assert "“Hazard maps” is planned again." in page
    assert "reopened “Hazard maps”" in page and "(Marked done by mistake)" in page  # the timeline, with the reason
    assert f'action="{url("milestone-done", working, milestone.pk)}"' in page  # it can be marked done again


def test_a_waived_milestone_can_be_reopened_by_a_teammate(client, teammate, working):
    milestone = MilestoneFactory(agreement=working, state="waived", waiver_reason="Partner left")
    client.force_login(teammate)
    assert reopen(client, working, milestone, "Partner is back").status_code == 302
    milestone.refresh_from_db()
    assert (milestone.state, milestone.waiver_reason) == ("planned", "")


def test_reopening_needs_a_reason(client, officer, working):
    milestone = MilestoneFactory(agreement=working, state="done", done_on=DAY)
    client.force_login(officer)
    response = reopen(client, working, milestone, " ")
    assert response.status_code == 400 and f'id="reopen-{milestone.pk}" open' in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.state == "done"


@pytest.mark.parametrize("who,expected", [("viewer", 403), ("other_officer", 403), ("data_entry", 403),
                                          ("manager", 302)])
def test_who_may_reopen_is_who_may_mark_done(client, request, working, who, expected):
    milestone = MilestoneFactory(agreement=working, state="done", done_on=DAY)
    client.force_login(request.getfixturevalue(who))
    assert reopen(client, working, milestone).status_code == expected
    milestone.refresh_from_db()
    assert milestone.state == ("planned" if expected == 302 else "done")


def test_a_restricted_agreement_is_404_to_outsiders(client, other_officer, restricted, move_to):
    move_to(restricted, Status.IN_PROGRESS)
    milestone = MilestoneFactory(agreement=restricted, state="done", done_on=DAY)
    client.force_login(other_officer)
    assert reopen(client, restricted, milestone).status_code == 404


def test_reopening_waits_while_a_closure_request_is_pending(client, officer, working):
    milestone = MilestoneFactory(agreement=working, state="done", done_on=DAY)
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    client.force_login(officer)
    response = reopen(client, working, milestone)
    assert response.status_code == 400
    assert "withdraw it (or ask a manager to reject it) before reopening a milestone" in response.content.decode()


def test_reopening_twice_says_somebody_did_it_already(client, officer, teammate, working):
    milestone = MilestoneFactory(agreement=working, title="Road map", state="done", done_on=DAY)
    client.force_login(teammate)
    assert reopen(client, working, milestone).status_code == 302
    client.force_login(officer)
    response = reopen(client, working, milestone)
    assert response.status_code == 409
    assert "“Road map” is already planned: someone reopened it meanwhile." in response.content.decode()


# --- Withdrawing a closure request ----------------------------------------------------------------

def withdraw(client, agreement, comment="Report still missing"):
    agreement.refresh_from_db()
    return client.post(url("agreement-transition", agreement, "withdraw"), {
        "t-withdraw-comment": comment, "t-withdraw-version": agreement.version,
        "t-withdraw-status_seen": agreement.status_changed_at.isoformat()})


def test_the_owner_withdraws_a_closure_request_and_the_timeline_tells_it(client, officer, teammate, working):
    workflow.transition(working, Status.PENDING_CLOSURE, by=teammate)
    client.force_login(officer)
    assert 'action="%s"' % url("agreement-transition", working, "withdraw") in page_of(client, working)
    response = withdraw(client, working)
    assert response.status_code == 302 and response["Location"].endswith("#actions-message")
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS and working.closure_requested_by is None
    log = TransitionLog.objects.latest("id")
    assert (log.action, log.by, log.comment) == ("withdraw", officer, "Report still missing")
    page = client.get(response["Location"]).content.decode()
    assert "The closure request is withdrawn" in page
    assert "withdrew the closure request" in page and "Report still missing" in page


def test_the_requesting_manager_withdraws_but_another_manager_may_only_reject(client, manager, second_manager,
                                                                              working):
    workflow.transition(working, Status.PENDING_CLOSURE, by=manager)
    client.force_login(second_manager)
    assert withdraw(client, working).status_code == 403
    assert 'action="%s"' % url("agreement-transition", working, "withdraw") not in page_of(client, working)
    client.force_login(manager)
    assert withdraw(client, working).status_code == 302
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS


@pytest.mark.parametrize("who", ["teammate", "viewer", "data_entry"])
def test_others_may_not_withdraw(client, request, officer, working, who):
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    client.force_login(request.getfixturevalue(who))
    assert withdraw(client, working).status_code == 403
    working.refresh_from_db()
    assert working.status == Status.PENDING_CLOSURE


def test_withdrawing_without_a_request_says_why(client, officer, working):
    client.force_login(officer)
    response = withdraw(client, working)
    assert response.status_code == 400
    assert "is not possible from in progress" in response.content.decode()


# --- Approval records the final progress ----------------------------------------------------------

def test_approval_asks_for_the_final_health_and_percent_and_records_them(client, officer, manager, working):
    ProgressUpdate.objects.create(agreement=working, author=officer, percent_complete=55, health="at_risk",
                                  summary="Slow")
    working.health, working.percent_complete = "at_risk", 55
    working.save(update_fields=["health", "percent_complete"])
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    client.force_login(manager)
    page = page_of(client, working)
    assert "Final percent complete" in page and "Final health" in page and 'name="t-completed-percent_complete"' in page
    working.refresh_from_db()
    response = client.post(url("agreement-transition", working, "completed"), {
        "t-completed-version": working.version, "t-completed-status_seen": working.status_changed_at.isoformat(),
        "t-completed-percent_complete": 100, "t-completed-health": "on_track", "t-completed-comment": "All delivered"})
    assert response.status_code == 302
    working.refresh_from_db()
    assert (working.status, working.health, working.percent_complete) == ("completed", "on_track", 100)
    final = ProgressUpdate.objects.latest("created_at")
    assert (final.author, final.percent_complete, final.summary) == (manager, 100, "All delivered")


def test_approval_without_the_final_figures_is_refused(client, officer, manager, working):
    workflow.transition(working, Status.PENDING_CLOSURE, by=officer)
    client.force_login(manager)
    response = client.post(url("agreement-transition", working, "completed"), {"t-completed-version": working.version})
    assert response.status_code == 400
    working.refresh_from_db()
    assert working.status == Status.PENDING_CLOSURE


# --- Conflicts at the level people think in --------------------------------------------------------

def edit(client, agreement, milestone, seen, **values):
    data = {"title": seen["title"], "due_on": seen["due_on"], "owner": "", "version": agreement.version,
            "seen_title": seen["title"], "seen_due_on": seen["due_on"], "seen_owner": ""}
    data.update(values)
    return client.post(url("milestone-edit", agreement, milestone.pk), data)


def test_two_tabs_changing_two_different_milestones_both_succeed(client, officer, working):
    first = MilestoneFactory(agreement=working, title="First", due_on=datetime.date(2027, 1, 1))
    second = MilestoneFactory(agreement=working, title="Second", due_on=datetime.date(2027, 2, 1))
    client.force_login(officer)
    opened = page_of(client, working)  # both tabs show the same version
    assert f'name="done-{first.pk}-version"' in opened
    prefix = f"done-{first.pk}"
    assert client.post(url("milestone-done", working, first.pk), {
        f"{prefix}-done_on": "2026-01-05", f"{prefix}-evidence": "Report", f"{prefix}-version": working.version,
    }).status_code == 302
    response = edit(client, working, second, {"title": "Second", "due_on": "2027-02-01"}, due_on="2027-03-01")
    assert response.status_code == 302  # the other tab's change is no conflict
    first.refresh_from_db(), second.refresh_from_db()
    assert first.state == "done" and second.due_on == datetime.date(2027, 3, 1)


def test_two_people_changing_different_fields_of_one_milestone_keep_both(client, officer, teammate, working):
    milestone = MilestoneFactory(agreement=working, title="Study", due_on=datetime.date(2027, 1, 1))
    seen = {"title": "Study", "due_on": "2027-01-01"}
    client.force_login(teammate)
    assert edit(client, working, milestone, seen, title="Feasibility study").status_code == 302
    client.force_login(officer)
    assert edit(client, working, milestone, seen, due_on="2027-04-01").status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_on) == ("Feasibility study", datetime.date(2027, 4, 1))


def test_the_same_field_changed_twice_is_the_only_conflict_and_says_both_values(client, officer, teammate, working):
    milestone = MilestoneFactory(agreement=working, title="Study", due_on=datetime.date(2027, 1, 1))
    seen = {"title": "Study", "due_on": "2027-01-01"}
    client.force_login(teammate)
    assert edit(client, working, milestone, seen, title="Teammate's study").status_code == 302
    client.force_login(officer)
    response = edit(client, working, milestone, seen, title="Officer's study")
    assert response.status_code == 409
    body = response.content.decode()
    assert "Title was changed meanwhile to “Teammate&#x27;s study”; you entered “Officer&#x27;s study”." in body
    assert "version" not in body.split('role="alert"')[1].split("</div>")[0].lower()
    assert 'name="seen_title" value="Teammate&#x27;s study"' in body  # saving again is a deliberate choice
    milestone.refresh_from_db()
    assert milestone.title == "Teammate's study"
    again = edit(client, working, milestone, {"title": "Teammate's study", "due_on": "2027-01-01"},
                 title="Officer's study")
    assert again.status_code == 302


def test_a_transition_conflicts_only_with_another_status_change_in_words(client, officer, manager, working):
    milestone = MilestoneFactory(agreement=working, title="Study")
    working.refresh_from_db()
    seen = {"t-on_hold-version": working.version, "t-on_hold-status_seen": working.status_changed_at.isoformat(),
            "t-on_hold-comment": "Budget freeze"}
    prefix = f"waive-{milestone.pk}"
    client.force_login(officer)
    assert client.post(url("milestone-waive", working, milestone.pk), {  # another tab: no conflict for the hold
        f"{prefix}-waiver_reason": "Not needed", f"{prefix}-version": working.version}).status_code == 302
    assert client.post(url("agreement-transition", working, "on_hold"), seen).status_code == 302
    workflow.transition(working, Status.IN_PROGRESS, by=manager)  # resumed meanwhile by the manager
    response = client.post(url("agreement-transition", working, "on_hold"), seen)  # the same old page again
    assert response.status_code == 409
    body = response.content.decode()
    assert f"While you had this page open, {manager} changed the status to “In progress”." in body
    working.refresh_from_db()
    assert working.status == Status.IN_PROGRESS


# --- Search covers milestones, progress updates and parties -------------------------------------

def listed(client, query: str) -> str:
    return client.get("/agreements/", {"q": query}).content.decode()


def test_search_finds_an_agreement_by_its_milestone_update_or_party(client, viewer, officer, agreement, restricted):
    MilestoneFactory(agreement=agreement, title="Hazard maps for the Syr Darya basin")
    MilestoneFactory(agreement=agreement, title="Hazard maps, second edition")  # two matches: listed once
    ProgressUpdate.objects.create(agreement=agreement, author=officer, percent_complete=5, health="on_track",
                                  summary="Customs talks at Dostyk", next_steps="Meet the rail operator")
    MilestoneFactory(agreement=restricted, title="Hazard maps (restricted)")
    client.force_login(viewer)
    page = listed(client, "hazard MAPS")
    once = listed(client, agreement.reference).count(f'href="{agreement.get_absolute_url()}"')
    assert once and page.count(f'href="{agreement.get_absolute_url()}"') == once  # two matching milestones, one row
    assert restricted.reference not in page  # search never widens what one may see
    assert agreement.reference in listed(client, "Dostyk") and agreement.reference in listed(client, "rail operator")
    party = agreement.parties.select_related("organization").first()
    assert agreement.reference in listed(client, party.organization.name[:8])
    assert agreement.reference not in listed(client, "no such words anywhere")


# --- Saved views and rows per page --------------------------------------------------------------

def test_a_person_saves_lists_opens_and_deletes_their_views(client, officer, other_officer, agreement):
    from agreements.models import SavedView

    client.force_login(officer)
    response = client.post("/agreements/views/", {"name": "My overdue", "query": "overdue=1&member=me&page=3&q="})
    assert response.status_code == 302 and response["Location"] == "/agreements/?overdue=1&member=me"
    page = client.get(response["Location"]).content.decode()
    assert "The view “My overdue” is saved." in page
    assert 'href="/agreements/?overdue=1&amp;member=me">My overdue</a>' in page
    client.post("/agreements/views/", {"name": "My overdue", "query": "overdue=1"}, follow=True)  # same name: replaced
    assert list(SavedView.objects.values_list("name", "query")) == [("My overdue", "overdue=1")]
    view = SavedView.objects.get()
    client.force_login(other_officer)
    assert "My overdue" not in client.get("/agreements/").content.decode()  # one's own views only
    assert client.post(f"/agreements/views/{view.pk}/delete/").status_code == 404
    client.force_login(officer)
    assert client.post(f"/agreements/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_a_view_needs_a_name(client, viewer):
    from agreements.models import SavedView

    client.force_login(viewer)
    response = client.post("/agreements/views/", {"name": " ", "query": "overdue=1"}, follow=True)
    assert "give it a name" in response.content.decode() and not SavedView.objects.exists()


def test_rows_per_page_are_25_50_or_100_and_kept_in_the_links(client, manager, officer):
    from tests.factories import AgreementFactory

    for _ in range(60):
        AgreementFactory(owner=officer)
    client.force_login(manager)
    default = client.get("/agreements/")
    assert len(default.context["page"].object_list) == 25
    page = client.get("/agreements/?per_page=50&status=draft")
    assert len(page.context["page"].object_list) == 50
    body = page.content.decode()
    assert 'name="per_page" value="50"' in body  # applying filters keeps it
    assert "per_page=50" in body.split('class="pagination"')[1].split("</nav>")[0]  # so does the next page
    assert len(client.get("/agreements/?per_page=1000").context["page"].object_list) == 25  # nothing else


# --- Managers' bulk actions on the list -------------------------------------------------------------

def test_a_manager_reassigns_the_selected_agreements_from_the_list(client, manager, officer, other_officer, teammate):
    from tests.factories import AgreementFactory

    chosen = [AgreementFactory(owner=officer) for _ in range(2)]
    chosen[0].team.add(teammate, other_officer)
    untouched = AgreementFactory(owner=officer)
    planned = MilestoneFactory(agreement=chosen[0], owner=officer)
    client.force_login(manager)
    page = client.get("/agreements/?status=draft").content.decode()
    assert 'form="bulk"' in page and f'value="{chosen[0].reference}"' in page
    response = client.post("/agreements/bulk/", {"ref": [a.reference for a in chosen], "do": "reassign",
                                                 "owner": other_officer.pk, "query": "status=draft"})
    assert response.status_code == 302 and response["Location"] == "/agreements/?status=draft"
    assert "2 agreements now belong to" in client.get(response["Location"]).content.decode()
    for agreement in chosen:
        agreement.refresh_from_db()
        assert agreement.owner == other_officer
    assert set(chosen[0].team.all()) == {teammate}  # the new owner is no longer also on the team
    untouched.refresh_from_db(), planned.refresh_from_db()
    assert untouched.owner == officer and planned.owner == other_officer
    assert "edited the record" in client.get(chosen[1].get_absolute_url()).content.decode()  # on the timeline


def test_a_manager_exports_the_selected_through_the_list_export(client, manager, officer):
    from tests.factories import AgreementFactory

    chosen, other = AgreementFactory(owner=officer), AgreementFactory(owner=officer)
    client.force_login(manager)
    response = client.post("/agreements/bulk/", {"ref": [chosen.reference], "do": "export-csv"})
    assert response.status_code == 302 and response["Location"] == f"/agreements/export.csv?ref={chosen.reference}"
    exported = b"".join(client.get(response["Location"]).streaming_content if hasattr(
        client.get(response["Location"]), "streaming_content") else [client.get(response["Location"]).content])
    assert chosen.reference.encode() in exported and other.reference.encode() not in exported


@pytest.mark.parametrize("who", ["officer", "viewer", "data_entry"])
def test_bulk_actions_are_for_managers(client, request, officer, agreement, who):
    client.force_login(request.getfixturevalue(who))
    assert 'form="bulk"' not in client.get("/agreements/").content.decode()
    response = client.post("/agreements/bulk/", {"ref": [agreement.reference], "do": "reassign", "owner": officer.pk})
    assert response.status_code == 403


def test_reassigning_needs_an_owner_and_a_selection(client, manager, agreement):
    client.force_login(manager)
    page = client.post("/agreements/bulk/", {"do": "reassign"}, follow=True).content.decode()
    assert "Select at least one agreement first." in page and "Choose the new owner." in page


# --- A home for viewers and data entry staff ----------------------------------------------------

def test_a_viewer_lands_on_the_reports(client, viewer):
    client.force_login(viewer)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("reports")


def test_data_entry_staff_land_on_what_the_records_miss(client, data_entry, officer, agreement, restricted):
    from tests.factories import AgreementFactory

    bare = AgreementFactory(owner=officer, value=None, signed_on=None)
    bare.parties.all().delete()
    client.force_login(data_entry)
    page = client.get("/").content.decode()
    assert "Data quality" in page and "My work" not in page.split("<main")[1].split("</h1>")[0]
    assert reverse("admin:agreements_agreement_import") in page and reverse("admin:agreements_reminder_changelist") in page
    assert 'href="/agreements/?quality=few_parties"' in page
    listed = client.get("/agreements/?quality=few_parties").content.decode()
    assert bare.reference in listed and agreement.reference not in listed
    counts = {gap.code: gap.count for gap in client.get("/").context["gaps"]}
    assert counts["few_parties"] == 1 and counts["no_value"] >= 1


def test_the_data_quality_page_makes_the_same_queries_at_any_size(client, data_entry, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AgreementFactory

    client.force_login(data_entry)
    sizes = []
    for n in (2, 20):
        while AgreementFactory._meta.model.objects.count() < n:
            AgreementFactory(owner=officer)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        sizes.append(len(captured))
    print(f"\ndata quality page: {sizes[0]} queries with 2 agreements, {sizes[1]} with 20")
    assert sizes[0] == sizes[1]
