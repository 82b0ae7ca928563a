"""Calendar feeds: parsed back with `icalendar`, every field checked; who sees what, asked again at
every fetch; SEQUENCE and LAST-MODIFIED moving with the milestone; constant queries."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone, translation
from icalendar import Calendar

from agreements.actions import milestones as actions
from agreements.interop import calendars
from agreements.models import CalendarFeed, Milestone, Pillar
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 10, 6, 0, tzinfo=datetime.timezone.utc)


def fetch(client, secret: str):
    response = client.get(f"/calendars/{secret}.ics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(b"".join(response.streaming_content))


def events(calendar) -> dict[str, object]:
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def world(officer, teammate, other_officer, move_to, settings):
    settings.SITE_URL = "https://tracker.example.org"
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        mine = AgreementFactory(reference="CAJ-2025-001", title="Solar plant in Navoi", owner=officer,
                                title_ru="Солнечная станция в Навои")
        mine.team.add(teammate)
        theirs = AgreementFactory(reference="CAJ-2025-002", title="Rail corridor", owner=other_officer)
        for agreement in (mine, theirs):
            move_to(agreement, "in_progress")
        rows = {
            "own": MilestoneFactory(agreement=mine, title="Feasibility study", due_on=datetime.date(2026, 6, 1)),
            "teammate's": MilestoneFactory(agreement=mine, owner=teammate, title="Site visit",
                                           due_on=datetime.date(2026, 6, 15)),
            "owned elsewhere": MilestoneFactory(agreement=theirs, owner=officer, title="Customs study",
                                                due_on=datetime.date(2026, 7, 1)),
            "not mine": MilestoneFactory(agreement=theirs, title="Track laid", due_on=datetime.date(2026, 8, 1)),
        }
    return mine, theirs, rows


def test_a_personal_feed_has_one_all_day_event_per_milestone_with_every_field(client, officer, world):
    mine, _theirs, rows = world
    feed, secret = CalendarFeed.issue(officer, "mine")
    with time_machine.travel(NOW, tick=False):
        calendar = fetch(client, secret)
    assert str(calendar["version"]) == "2.0" and "CA+JAD" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == "CA+JAD milestones: My milestones"
    found = events(calendar)
    assert set(found) == {"Due: Feasibility study (CAJ-2025-001)", "Due: Site visit (CAJ-2025-001)",
                          "Due: Customs study (CAJ-2025-002)"}  # "Track laid" is neither mine nor my team's
    event = found["Due: Feasibility study (CAJ-2025-001)"]
    milestone = rows["own"]
    assert str(event["uid"]) == f"milestone-{milestone.pk}@tracker.example.org"
    assert event.decoded("dtstart") == datetime.date(2026, 6, 1)  # a date: an all-day event
    assert event.decoded("dtend") == datetime.date(2026, 6, 2)
    assert event["dtstart"].params.get("VALUE") == "DATE"
    assert str(event["url"]) == "https://tracker.example.org/agreements/CAJ-2025-001/"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("sequence") == 0
    assert event.decoded("last-modified") == NOW - datetime.timedelta(days=30)
    assert event.decoded("dtstamp") == NOW
    assert "Solar plant in Navoi" in str(event["description"])
    assert feed.__class__.objects.get(pk=feed.pk).last_used_at == NOW


def test_moving_a_milestone_changes_its_sequence_and_last_modified_not_its_uid(client, officer, world):
    _mine, _theirs, rows = world
    milestone = rows["own"]
    _feed, secret = CalendarFeed.issue(officer, "mine")
    uid = f"milestone-{milestone.pk}@tracker.example.org"
    moved_at = NOW - datetime.timedelta(days=2)
    with time_machine.travel(moved_at, tick=False):
        actions.edit_milestone(milestone, by=officer, title=milestone.title, due_on=datetime.date(2026, 6, 20),
                               owner=officer, expected_version=None)
    with time_machine.travel(NOW, tick=False):
        event = events(fetch(client, secret))["Due: Feasibility study (CAJ-2025-001)"]
    assert str(event["uid"]) == uid
    assert event.decoded("dtstart") == datetime.date(2026, 6, 20)
    assert event.decoded("sequence") == 1
    assert event.decoded("last-modified") == moved_at
    with time_machine.travel(NOW, tick=False):
        actions.edit_milestone(milestone, by=officer, title=milestone.title, due_on=datetime.date(2026, 6, 25),
                               owner=officer, expected_version=None)
        event = events(fetch(client, secret))["Due: Feasibility study (CAJ-2025-001)"]
    assert (event.decoded("sequence"), event.decoded("last-modified")) == (2, NOW)


def test_waived_is_cancelled_and_done_and_waived_stay_for_90_days(client, officer, world):
    _mine, _theirs, rows = world
    _feed, secret = CalendarFeed.issue(officer, "mine")
    with time_machine.travel(NOW, tick=False):
        actions.waive_milestone(rows["teammate's"], by=officer, reason="Not needed", expected_version=None)
        actions.complete_milestone(rows["own"], by=officer, done_on=NOW.date(), evidence="Report",
                                   expected_version=None)
        found = events(fetch(client, secret))
    waived = found["Waived: Site visit (CAJ-2025-001)"]
    assert str(waived["status"]) == "CANCELLED" and waived.decoded("sequence") == 1
    assert str(found["Done: Feasibility study (CAJ-2025-001)"]["status"]) == "CONFIRMED"
    with time_machine.travel(NOW + datetime.timedelta(days=89), tick=False):
        assert len(events(fetch(client, secret))) == 3
    with time_machine.travel(NOW + datetime.timedelta(days=91), tick=False):
        assert set(events(fetch(client, secret))) == {"Due: Customs study (CAJ-2025-002)"}


def test_the_summary_and_title_are_in_the_owner_language(client, officer, world):
    officer.language = "ru"
    officer.save(update_fields=["language"])
    _feed, secret = CalendarFeed.issue(officer, "mine")
    with time_machine.travel(NOW, tick=False):
        found = fetch(client, secret).walk("VEVENT")
    with translation.override("ru"):
        expected = translation.gettext("Due: %(title)s (%(reference)s)") % {
            "title": "Feasibility study", "reference": "CAJ-2025-001"}
    event = next(e for e in found if "Feasibility study" in str(e["summary"]))
    assert str(event["summary"]) == expected
    assert "Солнечная станция в Навои" in str(event["description"])  # the agreement's Russian title


def test_rights_are_asked_again_at_every_fetch(client, officer, teammate, world):
    mine, _theirs, rows = world
    _feed, secret = CalendarFeed.issue(teammate, "mine")
    with time_machine.travel(NOW, tick=False):
        assert "Due: Site visit (CAJ-2025-001)" in events(fetch(client, secret))
        mine.team.remove(teammate)  # off the team: the agreement's milestones leave the feed…
        assert set(events(fetch(client, secret))) == {"Due: Site visit (CAJ-2025-001)"}  # …but the one they own
        mine.confidentiality = "restricted"  # …and once restricted, that one too
        mine.save()
        assert events(fetch(client, secret)) == {}
        teammate.groups.clear()  # no role left: no feed at all
        assert client.get(f"/calendars/{secret}.ics").status_code == 404


def test_managers_have_pillar_and_all_feeds_others_lose_them(client, manager, world):
    mine, theirs, _rows = world
    connectivity = Pillar.objects.get(code="connectivity")
    theirs.pillar = connectivity
    theirs.save()
    _feed, all_secret = CalendarFeed.issue(manager, "all")
    _feed, pillar_secret = CalendarFeed.issue(manager, "pillar", connectivity)
    with time_machine.travel(NOW, tick=False):
        assert len(events(fetch(client, all_secret))) == 4
        assert set(events(fetch(client, pillar_secret))) == {"Due: Customs study (CAJ-2025-002)",
                                                              "Due: Track laid (CAJ-2025-002)"}
        calendar = fetch(client, pillar_secret)
        assert str(calendar["x-wr-calname"]) == "CA+JAD milestones: Open milestones of Connectivity"
        manager.groups.set([Group.objects.get(name="Officer")])  # no longer a manager
        manager._tracker_roles = None
        assert client.get(f"/calendars/{all_secret}.ics").status_code == 404
        assert client.get(f"/calendars/{pillar_secret}.ics").status_code == 404


def test_open_milestones_of_closed_agreements_leave_the_feed(client, manager, world, move_to):
    _mine, theirs, _rows = world
    _feed, secret = CalendarFeed.issue(manager, "all")
    with time_machine.travel(NOW, tick=False):
        from agreements import workflow

        workflow.transition(theirs, "terminated", by=manager, comment="Cancelled")
        assert {str(s) for s in events(fetch(client, secret))} == {"Due: Feasibility study (CAJ-2025-001)",
                                                                   "Due: Site visit (CAJ-2025-001)"}


@pytest.mark.parametrize("spoil", ["revoked", "unknown", "inactive"])
def test_a_revoked_unknown_or_closed_account_feed_is_404(client, officer, world, spoil):
    feed, secret = CalendarFeed.issue(officer, "mine")
    if spoil == "revoked":
        feed.revoked_at = timezone.now()
        feed.save()
    elif spoil == "unknown":
        secret = secret[:-2] + ("AA" if not secret.endswith("AA") else "BB")
    else:
        officer.is_active = False
        officer.save()
    assert client.get(f"/calendars/{secret}.ics").status_code == 404


def test_only_the_hash_of_the_secret_is_stored(officer):
    feed, secret = CalendarFeed.issue(officer, "mine")
    assert secret not in feed.secret_hash and len(secret) >= 40
    assert calendars.active_feed(secret) == feed
    assert calendars.active_feed(feed.secret_hash) is None


def test_the_feed_queries_stay_constant_as_milestones_grow(client, manager, officer, django_assert_num_queries):
    _feed, secret = CalendarFeed.issue(manager, "all")

    def add(count: int) -> None:
        for _ in range(count):
            agreement = AgreementFactory(owner=officer)
            MilestoneFactory.create_batch(3, agreement=agreement)

    add(2)
    with django_assert_num_queries(4):  # the feed, the roles, the milestones with their history, last read
        assert len(fetch(client, secret).walk("VEVENT")) == 6
    add(10)
    with django_assert_num_queries(4):
        assert len(fetch(client, secret).walk("VEVENT")) == 36
