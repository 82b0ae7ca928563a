"""A phone (390 px) and a laptop (1366 × 768): what people reported cut off or out of reach is on
screen — My work's milestones as labelled cards, the manager's Review button, the list's last
column, the filter panel's Apply button."""
from __future__ import annotations

import pytest

from agreements.models import Agreement, Status
from tests.accessibility import site
from tests.accessibility.test_browser_accessibility import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    site.build_summit(agreements=158)  # the whole demo: closures are waiting for approval


def right_edge(locator) -> float:
    box = locator.bounding_box()
    return box["x"] + box["width"]


def label_before(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el, '::before').content")


def test_on_a_phone_my_work_is_labelled_cards_and_review_is_on_screen(live_page, demo):
    page = live_page
    assert Agreement.objects.filter(status=Status.PENDING_CLOSURE).exclude(
        closure_requested_by=site.user("manager")).exists()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, "manager", "en")
    review = page.get_by_role("link", name="Review").first
    review.scroll_into_view_if_needed()
    assert review.is_visible() and right_edge(review) <= 390
    sign_in_as(page, "officer", "en")
    due = page.locator("#milestones td[data-label]").first
    assert label_before(due) == '"Due"'
    for cell in page.locator("#milestones tbody tr").first.locator("td").all():
        assert right_edge(cell) <= 390
    page.goto(page.url_for("/agreements/"))
    cells = page.locator("table.data--agreements tbody tr").first.locator("td[data-label]")
    assert [label_before(cell) for cell in cells.all()][-1] == '"Last update"'
    assert cells.last.is_visible()


def test_on_a_laptop_the_list_is_whole_and_apply_is_in_sight(live_page, demo):
    page = live_page
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_as(page, "officer", "en")
    page.goto(page.url_for("/agreements/"))
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth - el.clientWidth") <= 0  # "Last update" not cut off
    apply = page.get_by_role("button", name="Apply filters")
    box = apply.bounding_box()
    assert apply.is_visible() and box["y"] + box["height"] <= 768  # without scrolling the page or the panel
