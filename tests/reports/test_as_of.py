"""/reports/?as_of=: the dashboard's main figures as they stood at the end of a past day, computed
from the recorded history, side by side with another day; anniversaries of the summit."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Pillar
from agreements.reports import as_of
from agreements.web.snapshots import form_context
from tests.factories import AgreementFactory, MilestoneFactory, ProgressUpdateFactory
from tests.reports.history_story import at, tell

TODAY = at("2026-05-01", 9)


@pytest.fixture
def story(officer, other_officer, manager, data_entry):
    return tell(officer, other_officer, manager, data_entry)


def figures(day: str, agreements=None) -> as_of.Snapshot:
    with time_machine.travel(TODAY, tick=False):
        return as_of.snapshot(agreements if agreements is not None else Agreement.objects.all(),
                              datetime.date.fromisoformat(day))


def test_before_anything_was_signed_both_agreements_are_drafts(story):
    snap = figures("2026-03-02")
    assert (snap.total, dict(snap.by_status), dict(snap.health)) == (2, {"draft": 2}, {"unknown": 2})
    assert figures("2026-02-28").total == 0  # neither was entered yet


def test_figures_follow_the_transitions_updates_and_milestones_of_each_day(story):
    march = figures("2026-03-25")
    assert dict(march.by_status) == {"signed": 2}
    assert dict(march.health) == {"at_risk": 1, "unknown": 1}
    assert (march.milestones_done, march.milestones_overdue) == (0, 0)
    assert (march.progress(None), march.progress(story.open.pillar_id)) == (10, 10)  # (20 + 0) / 2
    overdue = figures("2026-04-03")  # due 1 April, moved only on 5 April
    assert (overdue.milestones_done, overdue.milestones_overdue) == (0, 1)
    assert figures("2026-04-06").milestones_overdue == 0
    started = figures("2026-04-12")
    assert dict(started.by_status) == {"signed": 1, "in_progress": 1}
    done = figures("2026-04-21")
    assert (done.milestones_done, dict(done.health), done.progress(None)) == (1, {"on_track": 1, "at_risk": 1}, 32)


def test_an_agreement_whose_percent_comes_from_milestones_counts_them_as_they_stood(story):
    Agreement.objects.filter(pk=story.open.pk).update(percent_from="milestones")
    assert figures("2026-04-12").progress(None) == 2  # (0 % + the restricted one's 5 %) / 2
    assert figures("2026-04-16").progress(None) == 52  # (100 % + 5 %) / 2


def test_a_pillar_changed_later_counts_under_its_pillar_of_that_day(story):
    first, other = story.open.pillar_id, Pillar.objects.exclude(pk=story.open.pillar_id).first()
    with time_machine.travel(at("2026-04-25"), tick=False):
        story.open.pillar = other
        story.open.save()
    before, after = figures("2026-04-21"), figures("2026-04-26")
    assert (before.by_pillar[first], before.by_pillar[other.pk]) == (2, 0)
    assert (after.by_pillar[first], after.by_pillar[other.pk]) == (1, 1)


def test_the_page_shows_two_days_side_by_side_with_the_difference(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/reports/?as_of=2026-03-02&compare=2026-04-21")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Computed from the record&#x27;s history" in page or "Computed from the record's history" in page
    assert "side by side" in page and "Difference" in page
    assert 'id="table-as-of-status"' in page and "+1" in page and "−2" in page  # drafts 2 → 0


def test_a_viewer_counts_only_what_they_may_see(client, story, viewer, officer):
    client.force_login(viewer)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/?as_of=2026-03-02").content.decode()
    assert "Agreements recorded</th>\n          <td class=\"num\">1</td>" in page
    client.force_login(officer)
    with time_machine.travel(TODAY, tick=False):
        assert client.get("/reports/?as_of=2026-03-02").status_code == 403  # the dashboard is not theirs


def test_future_days_and_days_before_the_record_are_refused_politely(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        future = client.get("/reports/?as_of=2026-06-01").content.decode()
        early = client.get("/reports/?as_of=2025-01-01").content.decode()
        nonsense = client.get("/reports/?as_of=soon").content.decode()
    assert "has not come yet" in future and 'id="table-as-of-status"' not in future
    assert "The record starts on" in early and 'id="table-as-of-status"' not in early
    assert "is not a date" in nonsense


def test_the_dashboard_filters_ride_along(client, story, manager):
    client.force_login(manager)
    other = Pillar.objects.exclude(pk=story.open.pillar_id).first()
    with time_machine.travel(TODAY, tick=False):
        page = client.get(f"/reports/?as_of=2026-03-02&pillar={other.code}").content.decode()
    assert "Agreements recorded</th>\n          <td class=\"num\">0</td>" in page
    assert f'name="pillar" value="{other.code}"' in page  # the form keeps it


def test_anniversaries_to_come_are_said_not_linked():
    with time_machine.travel(at("2026-12-02"), tick=False):
        items = {item["label"]: item for item in form_context({}, datetime.date(2026, 12, 2))["anniversaries"]}
    assert items["100 days"]["day"] == datetime.date(2026, 3, 29) and items["100 days"]["query"] == "as_of=2026-03-29"
    assert items["6 months"]["day"] == datetime.date(2026, 6, 19)
    assert items["1 year"]["query"] is None and items["1 year"]["days_left"] == 17


def test_the_dashboard_offers_the_anniversaries_and_what_changed(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/").content.decode()
    assert "as_of=2026-03-29" in page and 'href="/reports/changes/"' in page
    assert "as_of=2026-06-19" not in page  # still ahead on 1 May 2026


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_the_page_runs_the_same_number_of_queries_whatever_the_agreements(client, story, request, role):
    client.force_login(request.getfixturevalue(role))
    officer = request.getfixturevalue("officer")

    def queries() -> int:
        with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/?as_of=2026-04-12&compare=2026-04-21").status_code == 200
        return len(captured.captured_queries)

    def grow(n: int) -> None:
        with time_machine.travel(at("2026-04-11"), tick=False):
            for agreement in AgreementFactory.create_batch(n, owner=officer):
                MilestoneFactory(agreement=agreement, due_on=datetime.date(2026, 4, 1))
                ProgressUpdateFactory(agreement=agreement, health="off_track")

    queries()  # warm caches outside the count
    grow(2)
    small = queries()
    grow(30)
    assert queries() == small
    assert small <= 15


def test_a_compare_day_alone_shows_that_day(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/?compare=2026-03-02").content.decode()
    assert 'id="table-as-of-status"' in page and "Difference" not in page
