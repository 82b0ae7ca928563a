"""The app in a real browser: sign in and land on My work."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_signs_in_and_sees_my_work(live_page, officer):
    live_page.sign_in(officer)
    assert live_page.get_by_role("heading", name="My work").is_visible()
    live_page.get_by_text(officer.get_full_name()).click()
    live_page.get_by_role("button", name="Sign out").click()
    live_page.wait_for_url("**/accounts/login/")


def test_wrong_password_is_refused_with_a_message(live_page, officer):
    live_page.goto(live_page.url_for("/accounts/login/"))
    live_page.get_by_label("Username").fill(officer.username)
    live_page.get_by_label("Password").fill("not-the-password")
    live_page.get_by_role("button", name="Sign in").click()
    alert = live_page.get_by_role("alert")
    alert.wait_for(state="visible")  # the refused form's page: is_visible() alone does not wait for it
    assert alert.is_visible()
