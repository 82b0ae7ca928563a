"""/reports/changes/: what changed since a day, from the recorded history, with who and when —
for what the reader may see, in a constant number of queries."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import workflow
from agreements.models import Milestone, Status
from agreements.reports import changes
from tests.factories import AgreementFactory, MilestoneFactory, ProgressUpdateFactory
from tests.reports.history_story import at, tell

TODAY = at("2026-05-01", 9)


@pytest.fixture
def story(officer, other_officer, manager, data_entry):
    return tell(officer, other_officer, manager, data_entry)


def counts(user, since: str) -> dict[str, int]:
    with time_machine.travel(TODAY, tick=False):
        result = changes.changes_since(user, datetime.date.fromisoformat(since))
    return {section.key: section.count for section in result.sections}


def test_a_manager_sees_every_kind_of_change_since_a_day(story, manager):
    assert counts(manager, "2026-04-01") == {"new": 0, "status": 1, "stages": 0, "done": 1, "moved": 1, "health": 2}
    assert counts(manager, "2026-03-01") == {"new": 2, "status": 3, "stages": 0, "done": 1, "moved": 1, "health": 3}


def test_each_row_says_who_and_what(story, manager, officer):
    with time_machine.travel(TODAY, tick=False):
        result = {s.key: s for s in changes.changes_since(manager, datetime.date(2026, 4, 1)).sections}
    moved = result["moved"].rows[0]
    assert (moved.was_due, moved.due_on, moved.history_user) == (datetime.date(2026, 4, 1), datetime.date(2026, 5, 1), officer)
    done = result["done"].rows[0]
    assert (done.done_on, done.history_user) == (datetime.date(2026, 4, 15), officer)
    status = result["status"].rows[0]
    assert (status.from_status, status.to_status, status.by) == ("signed", "in_progress", officer)
    newest, older = result["health"].rows  # newest first
    assert (newest.was, newest.health, newest.author) == ("at_risk", "on_track", officer)
    assert (older.was, older.health) == ("unknown", "at_risk")  # the restricted agreement's first update


def test_an_officer_does_not_see_changes_of_restricted_agreements_of_others(story, officer, other_officer, viewer):
    assert counts(officer, "2026-03-01") == {"new": 1, "status": 2, "stages": 0, "done": 1, "moved": 1, "health": 2}
    assert counts(viewer, "2026-03-01")["new"] == 1
    assert counts(other_officer, "2026-03-01")["new"] == 2  # the owner sees their restricted agreement


def test_the_page_lists_changes_with_links_and_who(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/reports/changes/?since=2026-04-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/agreements/{story.open.reference}/"' in page
    assert "Kick-off held." in page and "Feasibility study" in page
    assert story.milestone.owner.get_full_name() in page
    assert "Restricted memorandum" in page  # a manager sees everything


def test_the_page_hides_restricted_agreements_from_an_officer(client, story, officer):
    client.force_login(officer)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/changes/?since=2026-03-01").content.decode()
    assert "Open memorandum" in page and "Restricted memorandum" not in page


def test_the_default_is_the_last_seven_days_and_bad_dates_say_so(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        default = client.get("/reports/changes/")
        bad = client.get("/reports/changes/?since=yesterday")
        future = client.get("/reports/changes/?since=2027-01-01")
    assert default.status_code == bad.status_code == future.status_code == 200
    assert 'value="2026-04-24"' in default.content.decode()
    assert "is not a date" in bad.content.decode()
    assert "is in the future" in future.content.decode()


def test_a_long_section_is_capped_with_and_n_more(client, manager, officer):
    with time_machine.travel(at("2026-04-20"), tick=False):
        for agreement in AgreementFactory.create_batch(changes.CAP + 3, owner=officer):
            ProgressUpdateFactory(agreement=agreement, health="at_risk")
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/changes/?since=2026-04-01").content.decode()
        whole = client.get("/reports/changes/?since=2026-04-01&section=health").content.decode()
    assert "and 3 more" in page and "section=health" in page
    assert whole.count('id="table-changes-health"') == 1 and "and 3 more" not in whole
    assert whole.count("<tr>") == changes.CAP + 3 + 1  # the rows and the heading


def grow(officer, manager, n: int) -> None:
    """n more agreements, each with a change of every kind the page reads."""
    with time_machine.travel(at("2026-04-12"), tick=False):
        for agreement in AgreementFactory.create_batch(n, owner=officer):
            ProgressUpdateFactory(agreement=agreement, health="off_track")
            workflow.transition(agreement, Status.SIGNED, by=manager)
            milestone = MilestoneFactory(agreement=agreement)
            milestone.due_on = datetime.date(2026, 7, 1)
            milestone.save()
            milestone.state, milestone.done_on = Milestone.State.DONE, datetime.date(2026, 4, 12)
            milestone.save()


@pytest.mark.parametrize("role", ["manager", "officer"])
def test_the_page_runs_the_same_number_of_queries_whatever_the_rows(client, story, request, role):
    user = request.getfixturevalue(role)
    officer = request.getfixturevalue("officer")
    client.force_login(user)

    def queries() -> int:
        with time_machine.travel(TODAY, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/changes/?since=2026-03-01").status_code == 200
        return len(captured.captured_queries)

    client.get("/reports/changes/")  # warm caches outside the count
    manager = request.getfixturevalue("manager")
    grow(officer, manager, 3)
    small = queries()
    grow(officer, manager, 40)
    assert queries() == small
    assert small <= 20


def test_stage_dates_set_moved_or_reached_are_changes_and_a_resave_is_not(officer, manager):
    from agreements.followup.stages import record_stage
    from agreements.models import Stage

    loan = AgreementFactory(owner=officer, kind="loan")
    stage = Stage.objects.get(kind="loan", position=2)
    with time_machine.travel(at("2026-04-02"), tick=False):
        record_stage(loan, stage, by=officer, planned_on=datetime.date(2026, 5, 1), reached_on=None)
    with time_machine.travel(at("2026-04-03"), tick=False):
        record_stage(loan, stage, by=officer, planned_on=datetime.date(2026, 5, 1), reached_on=None)  # no change
    with time_machine.travel(at("2026-04-04"), tick=False):
        record_stage(loan, stage, by=officer, planned_on=datetime.date(2026, 6, 1), reached_on=None)
    with time_machine.travel(at("2026-04-20"), tick=False):
        record_stage(loan, stage, by=officer, planned_on=datetime.date(2026, 6, 1), reached_on=datetime.date(2026, 4, 20))
    with time_machine.travel(TODAY, tick=False):
        rows = changes.changes_since(manager, datetime.date(2026, 4, 1), only="stages").sections[0].rows
    assert [(r.was_planned, r.planned_on, r.was_reached, r.reached_on) for r in rows] == [
        (datetime.date(2026, 6, 1), datetime.date(2026, 6, 1), None, datetime.date(2026, 4, 20)),
        (datetime.date(2026, 5, 1), datetime.date(2026, 6, 1), None, None),
        (None, datetime.date(2026, 5, 1), None, None),
    ]


def test_a_user_without_a_role_is_refused(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get("/reports/changes/").status_code == 403


def test_far_away_days_and_pages_do_not_break_the_page(client, story, manager):
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        assert client.get("/reports/changes/?since=0001-01-01").status_code == 200
        assert client.get("/reports/changes/?since=2026-01-01&section=new&page=99999999999999999999").status_code == 200


def test_since_starts_at_midnight_in_the_readers_time_zone(client, officer, manager):
    agreement = AgreementFactory(owner=officer)
    with time_machine.travel(datetime.datetime(2026, 3, 31, 20, 0, tzinfo=datetime.timezone.utc), tick=False):
        workflow.transition(agreement, Status.SIGNED, by=manager)  # 1 April, 05:00 in Tokyo
    client.force_login(manager)
    with time_machine.travel(TODAY, tick=False):
        in_utc = client.get("/reports/changes/?since=2026-04-01").context["changes"]
        manager.time_zone = "Asia/Tokyo"
        manager.save(update_fields=["time_zone"])
        in_tokyo = client.get("/reports/changes/?since=2026-04-01").context["changes"]
    assert [s.count for s in in_utc.sections if s.key == "status"] == [0]
    assert [s.count for s in in_tokyo.sections if s.key == "status"] == [1]
