"""Every page of the app, as every role and in every language, in Chromium: axe-core (WCAG 2.0 and
2.1, levels A and AA) finds nothing, at 1366 and 390 px, and no page scrolls sideways. The app's
strict CSP stays as it is; only this test browser is allowed to inject axe (bypass_csp)."""
from __future__ import annotations

import pytest

from tests.accessibility import site
from tests.accessibility.checks import axe_violations, overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1366, 390)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion (app.css then turns transitions off): axe opens every <details> and measures at once,
    # and a summary's 0.1 s background transition was caught half-way (Chromium 156.0.8078.129: ink on a
    # half-faded brand blue, contrast 1.65–3). The colours measured are the ones a reader sees after it.
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1366, "height": 768},
            "reduced_motion": "reduce"}


@pytest.fixture
def demo():
    site.build_summit()


def sign_in_as(page, role: str, language: str):
    person = site.user(role)
    person.language = language
    person.save(update_fields=["language"])
    page.context.clear_cookies()
    page.goto(page.url_for("/accounts/login/"))
    page.locator("#id_username").fill(person.username)
    page.locator("#id_password").fill(site.DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # each role's home (viewers: the reports)


def check(page, label: str, problems: dict, wide: dict):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 768})
        page.reload()
        if (extra := overflow(page)) > 0:
            wide[f"{label} @{width}"] = extra
        if found := axe_violations(page):
            problems[f"{label} @{width}"] = found


@pytest.mark.parametrize("language", site.LANGUAGES)
def test_no_accessibility_problem_and_no_sideways_scroll_on_any_page(live_page, demo, language):
    page, problems, wide, seen = live_page, {}, {}, 0
    page.context.set_extra_http_headers({"Accept-Language": language})
    for path in site.ANONYMOUS:
        page.goto(page.url_for(path))
        check(page, f"anonymous {path}", problems, wide)
    for role in site.ROLES:
        sign_in_as(page, role, language)
        for path in site.pages(role):
            page.goto(page.url_for(path))
            # A focal point's link speaks the focal point's language (the demo contact reads Russian),
            # whoever opens it; every other page the reader's.
            expected = "ru" if path.startswith("/confirm/") else language
            assert page.locator("html").get_attribute("lang") == expected, (role, path)
            check(page, f"{role} {path}", problems, wide)
            seen += 1
    assert seen > 40
    assert problems == {}, "\n".join(f"{where}: {lines}" for where, lines in problems.items())
    assert wide == {}, f"pages wider than the window (px): {wide}"
