"""The officer workspace in a real browser (Playwright driving Chromium on the live server).

The issue's story end to end: an officer finds an agreement through the list's filters, posts
an update, completes the last milestone and requests closure; a second manager approves
(four eyes); list and page show the new state. Then the same work without JavaScript and by
keyboard only, and the list on a phone. Screenshots of failures land in test-artifacts/.
"""
from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from agreements import workflow
from agreements.models import Agreement, Milestone, ProgressUpdate, Status, TransitionLog
from tests.conftest import TEST_PASSWORD
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def navoi(officer, teammate, manager):
    """An in-progress agreement of the officer's with one milestone done and one (the last) planned,
    among a few others so that finding it takes the filters."""
    agreement = AgreementFactory(reference="CAJ-2025-042", title="Solar plant in Navoi", owner=officer)
    agreement.team.add(teammate)
    for n, title in enumerate(["Wind farm in Zarafshan", "Rail corridor study", "Hospital equipment supply"]):
        AgreementFactory(reference=f"CAJ-2025-0{50 + n}", title=title, owner=officer)
    for step in (Status.SIGNED, Status.IN_PROGRESS):
        workflow.transition(agreement, step, by=manager)
    MilestoneFactory(agreement=agreement, title="Land allocated", owner=officer, state="done",
                     done_on=datetime.date(2026, 1, 15), evidence="Decree 12")
    agreement.last_milestone = MilestoneFactory(agreement=agreement, title="Grid connection agreed", owner=officer,
                                                due_on=datetime.date(2026, 3, 1))
    return agreement


def sign_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def test_officer_reports_and_requests_closure_then_a_second_manager_approves(live_page, officer, second_manager, navoi):
    page = live_page
    page.sign_in(officer)

    # Find the agreement through the list's filters; the filters stay in the URL.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    page.get_by_label("Search", exact=True).fill("Navoi")
    page.get_by_label("In progress").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status").filter(has_text="1 agreement")).to_be_visible()
    assert "q=Navoi" in page.url and "status=in_progress" in page.url
    page.get_by_role("link", name="Solar plant in Navoi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solar plant in Navoi")

    # A progress update.
    page.get_by_label("Percent complete").fill("95")
    page.get_by_label("On track").check()
    # Kept only when "on track" is better than the data suggests (README, "Honest health").
    page.get_by_label("Why is the health better than the data suggests?").fill("The overdue survey is done; its record follows.")
    page.get_by_label("What happened").fill("Grid operator signed the connection agreement.")
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_text("Your progress update is posted.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Grid operator signed the connection agreement.")

    # Closure is blocked while a milestone is planned, and the page says why.
    expect(page.locator("#actions")).to_contain_text("Closure needs every milestone done or waived: 1 is still planned.")

    # Complete the last milestone.
    row = page.locator(f"#milestone-{navoi.last_milestone.pk}")
    row.locator("summary", has_text="Mark done").click()
    row.get_by_label("Evidence").fill("Connection agreement no. 7, signed 2 March")
    row.get_by_role("button", name="Save as done").click()
    expect(page.get_by_text("“Grid connection agreed” is done.")).to_be_visible()

    # Request closure with a comment.
    actions = page.locator("#actions")
    actions.locator("summary", has_text="Request closure").click()
    actions.get_by_label("Comment (optional)").fill("All milestones met.")
    actions.get_by_role("button", name="Confirm: Request closure").click()
    expect(page.get_by_text("CAJ-2025-042 is now pending closure.")).to_be_visible()
    expect(page.locator(".agreement-header")).to_contain_text("Pending closure")
    expect(page.locator("#actions")).not_to_contain_text("Approve closure")  # not the officer's to approve
    sign_out(page)

    # A manager who did not request it approves, from My work.
    page.sign_in(second_manager)
    closures = page.locator("#closures")
    expect(closures).to_contain_text("CAJ-2025-042")
    closures.get_by_role("link", name="Review").click()
    page.locator("#actions summary", has_text="Approve closure").click()
    expect(page.get_by_label("Final percent complete")).to_have_value("100")  # the final figures are asked
    page.get_by_role("button", name="Confirm: Approve closure").click()
    expect(page.get_by_text("CAJ-2025-042 is now completed.")).to_be_visible()
    expect(page.locator(".agreement-header")).to_contain_text("Completed")
    expect(page.locator("#timeline")).to_contain_text("Pending closure → Completed")

    # The list shows the new state.
    page.goto(page.url_for("/agreements/?q=Navoi"))
    expect(page.locator("table.data--agreements tbody tr")).to_have_count(1)
    expect(page.locator("table.data--agreements tbody tr")).to_contain_text("Completed")

    navoi.refresh_from_db()
    assert navoi.status == Status.COMPLETED and navoi.health == "on_track" and navoi.percent_complete == 100
    assert list(TransitionLog.objects.filter(agreement=navoi).values_list("to_status", "by__username")[:2]) == [
        ("completed", second_manager.username), ("pending_closure", officer.username)]


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_work_can_be_done_without_javascript_and_by_keyboard(no_js_page, live_server, officer, navoi):
    page = no_js_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{navoi.get_absolute_url()}")

    # Open "Mark done" with the keyboard and give a date the server refuses (in the future).
    row = page.locator(f"#milestone-{navoi.last_milestone.pk}")
    row.locator("summary", has_text="Mark done").focus()
    page.keyboard.press("Enter")
    expect(row.get_by_label("Evidence")).to_be_visible()
    row.get_by_label("Done on").fill("2099-01-01")
    row.get_by_label("Evidence").fill("Signed connection agreement")
    row.get_by_role("button", name="Save as done").click()

    # The page comes back with the problem on top, the form unfolded, the input kept.
    expect(page.get_by_role("alert").first).to_contain_text("Your change was not saved.")
    row = page.locator(f"#milestone-{navoi.last_milestone.pk}")
    expect(row.get_by_text("The done date cannot be in the future.")).to_be_visible()
    expect(row.get_by_label("Evidence")).to_have_value("Signed connection agreement")
    row.get_by_label("Done on").fill("2026-03-02")
    row.get_by_label("Evidence").focus()
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Save as done")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("“Grid connection agreed” is done.")).to_be_visible()

    # The browser itself stops an out-of-range percent before anything is sent.
    page.get_by_label("Percent complete").fill("140")
    page.get_by_label("What happened").fill("x")
    page.get_by_role("button", name="Post update").click()
    assert page.get_by_label("Percent complete").evaluate("input => !input.validity.valid")
    assert Milestone.objects.get(pk=navoi.last_milestone.pk).state == "done"
    assert not ProgressUpdate.objects.filter(agreement=navoi).exists()


def test_the_list_fits_a_phone_and_filters_fold_away(browser, live_server, officer, navoi):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/agreements/")
        search = page.get_by_label("Search", exact=True)
        expect(search).to_be_hidden()  # the filter panel starts folded on a phone
        page.locator(".filter-panel summary").first.click()
        search.fill("Navoi")
        page.get_by_role("button", name="Apply filters").click()
        expect(page.locator("table.data--agreements tbody tr")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("link", name="Solar plant in Navoi").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # On a phone the status and its actions come before the long story.
        status_top = page.locator("#actions").bounding_box()["y"]
        assert status_top < page.locator("#milestones").bounding_box()["y"]
    finally:
        context.close()


def test_an_outsider_gets_404_and_a_reader_gets_no_forms(live_page, other_officer, viewer, restricted, navoi):
    live_page.sign_in(other_officer)
    response = live_page.goto(live_page.url_for(restricted.get_absolute_url()))
    assert response.status == 404
    expect(live_page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    live_page.goto(live_page.url_for(navoi.get_absolute_url()))
    expect(live_page.get_by_role("heading", level=1)).to_have_text("Solar plant in Navoi")
    assert live_page.get_by_role("button", name="Post update").count() == 0
    assert Agreement.objects.get(pk=navoi.pk).status == Status.IN_PROGRESS
