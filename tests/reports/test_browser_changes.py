"""What changed, and the dashboard on a past day, in Chromium: a manager opens "What changed" from
the dashboard, picks "since the summit", then opens the summit's 100 days and compares it with
another day."""
from __future__ import annotations

import pytest

from agreements.demo import summit as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_what_changed_and_the_dashboard_on_the_hundredth_day(live_page, manager):
    demo.seed()
    live_page.sign_in(manager)
    live_page.goto(live_page.url_for("/reports/"))
    live_page.get_by_role("link", name="What changed", exact=True).click()
    live_page.wait_for_url("**/reports/changes/")
    live_page.get_by_role("link", name="Since the summit").click()
    live_page.wait_for_url("**/reports/changes/?since=2025-12-19")
    for section in ("New agreements", "Status changes", "Stage changes", "Milestones done", "Milestones moved",
                    "Health changes"):
        assert live_page.get_by_role("heading", name=section).is_visible(), section
    assert live_page.locator("#table-changes-status tbody tr").count() > 0

    live_page.goto(live_page.url_for("/reports/"))
    live_page.get_by_role("link", name="100 days").click()
    live_page.wait_for_url("**/reports/?as_of=2026-03-29")
    assert "As of 29 March 2026" in live_page.get_by_role("heading", level=1).inner_text()
    assert "Computed from the record's history" in live_page.locator(".report-header__meta").inner_text()
    live_page.get_by_label("Compare with (optional)").fill("2026-06-19")
    live_page.get_by_role("button", name="Show").click()
    live_page.wait_for_url("**compare=2026-06-19**")
    assert live_page.get_by_role("columnheader", name="Difference").first.is_visible()
    total = live_page.locator("#table-as-of-total tbody td").all_inner_texts()
    assert len(total) == 3 and int(total[0]) > 0
