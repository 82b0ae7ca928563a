"""The officer's day with the keyboard alone (Tab, Shift+Tab, Enter, Space and typing; no mouse):
sign in, open My work, open an agreement from a milestone, post progress, mark a milestone done.
Every element reached shows a visible focus ring."""
from __future__ import annotations

import pytest

from agreements.models import Milestone, ProgressUpdate
from tests.accessibility import site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    site.build_summit()


def focus_ring(page) -> bool:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }""")


def tab_to(page, test: str, limit: int = 400) -> str:
    """Press Tab until the focused element passes `test` (JavaScript on `el`); say what it is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({test}); }}"):
            assert focus_ring(page), f"no visible focus on {test}"
            return page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"Tab never reached {test}")


def test_an_officers_day_with_the_keyboard_alone(live_page, demo):
    page = live_page
    officer = site.user("officer")
    page.goto(page.url_for("/accounts/login/"))
    tab_to(page, "el.id === 'id_username'")
    page.keyboard.type("officer")
    tab_to(page, "el.id === 'id_password'")
    page.keyboard.type(site.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(page.url_for("/"))

    # My work: from the skip link to the first of my milestones' agreements.
    tab_to(page, "el.classList.contains('skip-link')")
    tab_to(page, "el.closest('#milestones') !== null && el.matches('a.ref')")
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    reference = href.split("/")[2]

    # Post progress: the health (a radio group: Space picks the focused one), then what happened.
    tab_to(page, "el.name === 'health' && el.closest('#progress') !== null")
    page.keyboard.press("Space")
    # Reporting better than the data suggests needs a reason (README, "Honest health"): say it.
    tab_to(page, "el.name === 'health_reason' && el.closest('#progress') !== null")
    page.keyboard.type("The partners confirmed the plan; the late milestone is being re-planned.")
    tab_to(page, "el.name === 'summary' && el.closest('#progress') !== null")
    page.keyboard.type("Working group met in Tashkent; the plan is agreed.")
    tab_to(page, "el.closest('#progress') !== null && el.type === 'submit'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not page.locator(".form-errors").count(), page.locator(".form-errors").first.inner_text()
    assert ProgressUpdate.objects.filter(agreement__reference=reference,
                                         summary__startswith="Working group met in Tashkent").exists()
    assert page.get_by_text("Working group met in Tashkent").first.is_visible()

    # Mark a milestone done: open its panel with Enter, fill the evidence, save with Space.
    tab_to(page, "el.tagName === 'SUMMARY' && el.closest('details[id^=\"done-\"]') !== null")
    milestone_pk = int(page.evaluate("() => document.activeElement.closest('details').id.split('-')[1]"))
    page.keyboard.press("Enter")
    tab_to(page, "(el.name || '').endsWith('evidence')")
    page.keyboard.type("Minutes of the meeting, signed.")
    tab_to(page, "el.type === 'submit' && el.closest('form') && el.closest('form').action.endsWith('/done/')")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert not page.locator(".form-errors").count(), page.locator(".form-errors").first.inner_text()
    milestone = Milestone.objects.get(pk=milestone_pk)
    assert milestone.state == "done" and milestone.evidence == "Minutes of the meeting, signed."
    assert officer.pk  # the walk was the officer's
