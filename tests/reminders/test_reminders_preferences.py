"""The preferences page: a time zone and the optional reminders, switched on or off."""
from __future__ import annotations

import pytest

from agreements.models import User


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def test_a_user_sets_their_time_zone_and_switches_off_the_optional_emails(signed_in, officer):
    response = signed_in.post("/preferences/", {"time_zone": "Asia/Tashkent", "notify_digest": ""}, follow=True)
    assert "Your preferences are saved." in response.content.decode()
    officer.refresh_from_db()
    assert (officer.time_zone, officer.notify_stale, officer.notify_digest) == ("Asia/Tashkent", False, False)


def test_a_user_opts_in_to_the_weekly_digest(signed_in, officer):
    signed_in.post("/preferences/", {"time_zone": "UTC", "notify_stale": "on", "notify_digest": "on"})
    officer.refresh_from_db()
    assert officer.notify_stale and officer.notify_digest


def test_an_unknown_time_zone_is_refused(signed_in, officer):
    response = signed_in.post("/preferences/", {"time_zone": "Mars/Olympus", "notify_stale": "on"})
    assert response.status_code == 400  # the form again, with the problem next to the field
    assert "Select a valid choice" in response.content.decode()
    assert User.objects.get(pk=officer.pk).time_zone == "UTC"


def test_the_page_says_which_reminders_cannot_be_switched_off(signed_in):
    page = signed_in.get("/preferences/").content.decode()
    assert "always sent" in page and 'name="notify_digest"' in page and 'name="notify_stale"' in page
    assert "style=" not in page and "<script" not in page.split("</header>")[1]


def test_preferences_need_sign_in(client, db):
    assert client.get("/preferences/").url.startswith("/accounts/login/")
