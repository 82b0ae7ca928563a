"""The API's docs page (Swagger UI from drf-spectacular-sidecar, served by the app) in Chromium under
the strict Content-Security-Policy: it renders the operations and the console has no CSP violation.
And a person makes a token on the preferences page and sees it once."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_loads_under_the_csp(live_page, officer):
    messages, violations = [], []
    live_page.on("console", lambda message: messages.append(message.text))
    live_page.sign_in(officer)
    response = live_page.goto(live_page.url_for("/api/v1/docs/"))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    live_page.evaluate("""() => { window.__csp = [];
        document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }""")
    live_page.locator(".opblock-summary-path", has_text="/api/v1/agreements/").first.wait_for()
    assert live_page.locator(".opblock").count() >= 12
    violations = live_page.evaluate("window.__csp")
    csp_messages = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert not csp_messages and not violations, (csp_messages, violations)
    # Its files come from this server: no CDN.
    sources = live_page.evaluate("[...document.scripts].map(s => s.src).concat([...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href))")
    assert sources and all(src.startswith(live_page.url_for("/")) for src in sources), sources


def test_a_person_makes_a_token_and_sees_it_once(live_page, officer):
    live_page.sign_in(officer)
    live_page.goto(live_page.url_for("/preferences/"))
    live_page.get_by_label("Name").fill("Ministry portal")
    live_page.get_by_text("Read and write").click()
    live_page.get_by_role("button", name="Make the token").click()
    secret = live_page.locator(".token-secret").inner_text()
    assert secret.startswith("trk_")
    live_page.goto(live_page.url_for("/preferences/"))
    assert live_page.locator("#api-tokens td", has_text="Ministry portal").is_visible()
    assert live_page.locator(".token-secret").count() == 0
    live_page.get_by_role("button", name="Revoke").click()
    assert live_page.get_by_text("revoked").first.is_visible()
