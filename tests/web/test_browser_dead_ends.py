"""In a real browser: the confirmation after an update is where the person is and has the focus;
a mistaken "done" is undone from the page (issue 18, "no dead ends")."""
from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from agreements import workflow
from agreements.models import Status
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_confirmation_is_on_screen_and_focused_and_a_done_milestone_can_be_reopened(live_page, officer,
                                                                                        manager):
    page = live_page
    agreement = AgreementFactory(reference="CAJ-2025-077", title="Hazard maps", owner=officer)
    for step in (Status.SIGNED, Status.IN_PROGRESS):
        workflow.transition(agreement, step, by=manager)
    for n in range(8):  # a long page: the timeline is far below the top
        MilestoneFactory(agreement=agreement, title=f"Step {n}", owner=officer, due_on=datetime.date(2027, 1, 1 + n))
    done = MilestoneFactory(agreement=agreement, title="Maps printed", owner=officer, state="done",
                            done_on=datetime.date(2026, 1, 5))
    page.set_viewport_size({"width": 390, "height": 800})
    page.sign_in(officer)
    page.goto(page.url_for(agreement.get_absolute_url()))
    page.get_by_label("What happened").fill("Maps delivered to the ministry")
    page.locator("#progress").get_by_label("On track").check()
    page.get_by_role("button", name="Post update").click()
    region = page.locator("#timeline-message")
    expect(region).to_contain_text("Your progress update is posted.")
    expect(region).to_be_focused()
    expect(region).to_be_in_viewport()

    row = page.locator(f"#milestone-{done.pk}")
    row.locator("summary", has_text="Reopen").click()
    row.get_by_label("Why is it reopened?").fill("Marked done by mistake")
    row.get_by_role("button", name="Reopen milestone").click()
    message = page.locator(f"#milestone-{done.pk}-message")
    expect(message).to_contain_text("“Maps printed” is planned again.")
    expect(message).to_be_focused()
    expect(page.locator("#timeline")).to_contain_text("reopened “Maps printed”")
    expect(page.locator("#timeline")).to_contain_text("Marked done by mistake")
