"""The notifications in a real browser: the bell's count in the header, the list, marking read —
at a laptop's and a phone's width, without sideways scrolling."""
from __future__ import annotations

import os

import pytest

from tests.factories import AgreementFactory
from tests.web.test_notifications import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TRACKER_SCREENSHOTS")  # a folder: keep the screenshots there


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_bell_counts_and_the_list_marks_read(live_page, officer, width, height):
    live_page.set_viewport_size({"width": width, "height": height})
    agreement = AgreementFactory(owner=officer, reference="CAJ-2025-017", title="Solar plant in Navoi")
    notify(officer, agreement, title="Feasibility study delivered")
    notify(officer, agreement, kind="due_soon", days=7, title="Grid connection agreed")
    live_page.sign_in(officer)
    bell = live_page.get_by_role("link", name="Notifications 2 unread")
    assert bell.is_visible()
    bell.click()
    live_page.wait_for_url("**/notifications/")
    assert live_page.get_by_role("heading", name="Notifications").is_visible()
    assert live_page.evaluate("document.documentElement.scrollWidth") <= width
    if SHOTS:
        live_page.screenshot(path=f"{SHOTS}/notifications-{width}.png", full_page=True)
    live_page.get_by_role("button", name="Mark as read").first.click()
    assert live_page.get_by_role("link", name="Notifications 1 unread").is_visible()
    live_page.get_by_role("button", name="Mark all as read").click()
    assert live_page.get_by_role("link", name="Notifications", exact=True).is_visible()
    assert live_page.get_by_role("button", name="Mark as read").count() == 0
