"""Making, listing and revoking calendar addresses on the preferences page; the IATI file's page."""
from __future__ import annotations

import pytest

from agreements.models import CalendarFeed, Pillar, hash_secret
from tests.factories import AgreementFactory
from tests.interop import iati_standard as standard

pytestmark = pytest.mark.django_db


def test_an_officer_makes_a_personal_address_shown_once(client, officer):
    client.force_login(officer)
    page = client.get("/preferences/")
    assert b"Calendar feeds" in page.content
    assert [value for value, _label in page.context["calendar_form"].fields["scope"].choices] == ["mine"]
    response = client.post("/preferences/calendars/", {"scope": "mine"})
    assert response.status_code == 200
    url = response.context["feed_url"]
    secret = url.rsplit("/", 1)[-1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(owner=officer)
    assert (feed.scope, feed.secret_hash) == ("mine", hash_secret(secret))
    assert url.encode() in response.content and b"webcal://" in response.content
    listed = client.get("/preferences/")
    assert secret.encode() not in listed.content  # never shown again
    assert b"My milestones" in listed.content and listed.context["calendar_feeds"] == [feed]
    client.logout()
    assert client.get(f"/calendars/{secret}.ics").status_code == 200  # no sign-in needed


def test_an_officer_cannot_make_a_manager_feed(client, officer):
    client.force_login(officer)
    response = client.post("/preferences/calendars/", {"scope": "all"})
    assert response.status_code == 400
    assert not CalendarFeed.objects.exists()


def test_a_manager_makes_a_pillar_feed_and_must_name_the_pillar(client, manager):
    client.force_login(manager)
    assert client.post("/preferences/calendars/", {"scope": "pillar"}).status_code == 400
    pillar = Pillar.objects.get(code="connectivity")
    assert client.post("/preferences/calendars/", {"scope": "pillar", "pillar": pillar.pk}).status_code == 200
    assert CalendarFeed.objects.get(owner=manager).pillar == pillar


def test_revoking_stops_the_feed_and_only_the_owner_may(client, officer, other_officer):
    feed, secret = CalendarFeed.issue(officer, "mine")
    client.force_login(other_officer)
    assert client.post(f"/preferences/calendars/{feed.pk}/revoke/").status_code == 404
    assert client.get(f"/calendars/{secret}.ics").status_code == 200
    client.force_login(officer)
    response = client.post(f"/preferences/calendars/{feed.pk}/revoke/", follow=True)
    assert b"The calendar address is revoked" in response.content
    assert response.context["calendar_feeds"] == []
    assert client.get(f"/calendars/{secret}.ics").status_code == 404


def test_the_iati_file_streams_what_the_reader_may_see(client, officer, viewer, restricted):
    agreement = AgreementFactory(owner=officer)
    client.force_login(viewer)
    response = client.get("/api/v1/iati/activities.xml")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = standard.validate_all(b"".join(response.streaming_content))
    assert document.xpath("//iati-identifier/text()") == [f"XX-CAJAD-TRACKER-{agreement.reference}"]
    client.logout()
    assert client.get("/api/v1/iati/activities.xml").status_code == 302  # sign in first


def test_a_calendar_app_may_ask_with_head_but_not_post(client, officer):
    _feed, secret = CalendarFeed.issue(officer, "mine")
    assert client.head(f"/calendars/{secret}.ics").status_code == 200
    assert client.post(f"/calendars/{secret}.ics").status_code == 405
