"""The sweep decides the right reminders, once, at the recipient's local morning (frozen time)."""
from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.actions.progress import record_progress
from agreements.models import Reminder, ReminderPolicy
from agreements.reminders import deciding, tasks
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

UTC = datetime.timezone.utc


def at(day: str, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def date(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def sweep(now: datetime.datetime, capture) -> list[Reminder]:
    """One beat tick at `now`: record, then send after commit (Celery eager: the test outbox)."""
    with time_machine.travel(now, tick=False), capture(execute=True):
        result = deciding.sweep(now, enqueue=tasks.enqueue_groups)
    return list(Reminder.objects.filter(run_id__in=Reminder.objects.filter(
        pk__in=[pk for group in result.groups for pk in group]).values("run_id")).order_by("pk"))


def daily(start: str, days: int, hour: int, capture) -> list[Reminder]:
    """Sweep once a day at `hour` UTC, `days` days from `start`; every reminder created."""
    created = []
    for offset in range(days):
        created += sweep(at(start, hour) + datetime.timedelta(days=offset), capture)
    return created


def seen(rows: list[Reminder]) -> list[tuple[str, str, int]]:
    return [(r.kind, r.recipient.username, r.threshold) for r in rows]


@pytest.fixture(autouse=True)
def eager(celery_eager):
    return celery_eager


@pytest.fixture
def tokyo(db):
    return UserFactory(username="tokyo", role="Officer", time_zone="Asia/Tokyo", notify_stale=True)


@pytest.fixture
def working(move_to):
    """An agreement in progress owned by `owner` (last update far back unless given)."""

    def make(owner, **fields):
        agreement = AgreementFactory(owner=owner, **fields)
        return move_to(agreement, "in_progress")

    return make


# --- Milestones due soon -------------------------------------------------------------------

def test_due_soon_reminders_go_14_7_and_1_days_before(tokyo, working, django_capture_on_commit_callbacks):
    milestone = MilestoneFactory(agreement=working(tokyo), owner=tokyo, due_on=date("2026-06-20"))
    record_progress(milestone.agreement, by=tokyo, percent_complete=5, health="on_track", summary="ok",
                    at=at("2026-06-01"))
    created = daily("2026-06-01", 20, 1, django_capture_on_commit_callbacks)  # 10:00 in Tokyo
    assert seen(created) == [("due_soon", "tokyo", 14), ("due_soon", "tokyo", 7), ("due_soon", "tokyo", 1)]
    assert [r.created_at.date() for r in created] == [date("2026-06-06"), date("2026-06-13"), date("2026-06-19")]
    assert [m.subject for m in mail.outbox] == [
        f"Milestone due in 14 days: {milestone.title} ({milestone.agreement.reference})",
        f"Milestone due in 7 days: {milestone.title} ({milestone.agreement.reference})",
        f"Milestone due tomorrow: {milestone.title} ({milestone.agreement.reference})",
    ]


def test_a_milestone_entered_late_gets_only_the_tightest_threshold_crossed(tokyo, working,
                                                                           django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    created = daily("2026-06-15", 6, 1, django_capture_on_commit_callbacks)
    assert seen(created) == [("due_soon", "tokyo", 7), ("due_soon", "tokyo", 1)]


def test_sweeping_twice_sends_one_email(tokyo, working, django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    sweep(at("2026-06-13", 1), django_capture_on_commit_callbacks)
    sweep(at("2026-06-13", 1, 15), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_a_skipped_day_loses_nothing(tokyo, working, django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    assert seen(sweep(at("2026-06-12", 1), django_capture_on_commit_callbacks)) == [("due_soon", "tokyo", 14)]
    # The beat was down on the 13th, the day the 7-day threshold was crossed: the 14th still sends it.
    assert seen(sweep(at("2026-06-14", 1), django_capture_on_commit_callbacks)) == [("due_soon", "tokyo", 7)]


# --- Local mornings, time zones and daylight saving ----------------------------------------

def test_nothing_goes_before_nine_in_the_recipients_morning(tokyo, working, django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    assert sweep(at("2026-06-12", 23, 45), django_capture_on_commit_callbacks) == []  # 08:45 on the 13th in Tokyo
    assert len(sweep(at("2026-06-13", 0, 0), django_capture_on_commit_callbacks)) == 1  # 09:00 in Tokyo


def test_tokyo_and_tashkent_get_theirs_four_hours_apart(tokyo, working, django_capture_on_commit_callbacks):
    tashkent = UserFactory(username="tashkent", role="Officer", time_zone="Asia/Tashkent")
    for owner in (tokyo, tashkent):
        MilestoneFactory(agreement=working(owner, signed_on=date("2026-06-01")), owner=owner, due_on=date("2026-06-20"))
    ticks = [at("2026-06-13", hour) for hour in range(0, 6)]  # 09:00–14:00 Tokyo = 05:00–10:00 Tashkent
    by_hour = {tick.hour: seen(sweep(tick, django_capture_on_commit_callbacks)) for tick in ticks}
    assert by_hour == {0: [("due_soon", "tokyo", 7)], 1: [], 2: [], 3: [], 4: [("due_soon", "tashkent", 7)], 5: []}


@pytest.mark.parametrize("zone, change, hour", [
    ("Europe/London", "2026-03-29", 1),     # 01:00 → 02:00: 01:xx does not exist that day
    ("Europe/London", "2026-10-25", 1),     # 02:00 → 01:00: 01:xx happens twice
    ("America/New_York", "2026-03-08", 2),  # 02:00 → 03:00: 02:xx does not exist
    ("America/New_York", "2026-11-01", 1),  # 02:00 → 01:00: 01:xx happens twice
])
def test_daylight_saving_changes_neither_skip_nor_double_a_reminder(zone, change, hour, working,
                                                                     django_capture_on_commit_callbacks):
    ReminderPolicy.objects.create(local_hour=hour)  # the hour the change skips or repeats
    tz, change_day = zoneinfo.ZoneInfo(zone), date(change)
    owner = UserFactory(username="dst", role="Officer", time_zone=zone, notify_stale=False)
    agreement = working(owner, signed_on=change_day - datetime.timedelta(days=60))
    # Their 1-day reminders are due the day before the change and on the day itself.
    due = {day - datetime.timedelta(days=1): MilestoneFactory(agreement=agreement, owner=owner, due_on=day)
           for day in (change_day, change_day + datetime.timedelta(days=1))}
    ticks = [at((change_day - datetime.timedelta(days=1)).isoformat()) + datetime.timedelta(minutes=30 * n)
             for n in range(3 * 48)]
    created = [row for tick in ticks for row in sweep(tick, django_capture_on_commit_callbacks)]
    for day, milestone in due.items():
        [one_day] = [r for r in created if r.milestone_id == milestone.pk and r.threshold == 1 and r.kind == "due_soon"]
        first_tick = next(t for t in ticks if t.astimezone(tz).date() == day and t.astimezone(tz).hour >= hour)
        assert one_day.created_at == first_tick
    assert len(created) == len({r.key for r in created}) and all(r.state == "sent" for r in created)
    assert len(mail.outbox) == len({r.created_at for r in created})  # one e-mail per tick that had something


# --- Overdue and escalation ------------------------------------------------------------------

def test_overdue_reminders_go_the_day_after_then_weekly(tokyo, working, django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-05-01")), owner=tokyo, due_on=date("2026-06-01"))
    created = [r for r in daily("2026-06-01", 30, 1, django_capture_on_commit_callbacks) if r.kind == "overdue"]
    assert [r.threshold for r in created] == [1, 8, 15, 22, 29]
    assert [r.created_at.date() for r in created][:2] == [date("2026-06-02"), date("2026-06-09")]


def test_managers_are_copied_from_fourteen_days_overdue_whatever_their_opt_outs(
        tokyo, manager, second_manager, working, django_capture_on_commit_callbacks):
    for boss in (manager, second_manager):
        boss.notify_stale, boss.notify_digest = False, False
        boss.save()
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-05-01")), owner=tokyo, due_on=date("2026-06-01"))
    created = daily("2026-06-01", 30, 10, django_capture_on_commit_callbacks)
    escalations = sorted((r.threshold, r.recipient.username, r.created_at.date())
                         for r in created if r.kind == "escalation")
    assert [(name, threshold, day) for threshold, name, day in escalations] == [
        ("manager_one", 14, date("2026-06-15")), ("manager_two", 14, date("2026-06-15")),
        ("manager_one", 21, date("2026-06-22")), ("manager_two", 21, date("2026-06-22")),
        ("manager_one", 28, date("2026-06-29")), ("manager_two", 28, date("2026-06-29")),
    ]
    assert not any(r.kind == "escalation" and r.recipient == tokyo for r in created)


def test_a_manager_who_owns_the_overdue_milestone_gets_no_escalation_about_it(manager, working,
                                                                             django_capture_on_commit_callbacks):
    manager.notify_stale = False
    manager.save()
    MilestoneFactory(agreement=working(manager, signed_on=date("2026-05-01")), owner=manager, due_on=date("2026-06-01"))
    created = sweep(at("2026-06-20", 10), django_capture_on_commit_callbacks)
    assert sorted(seen(created)) == [("escalation", "manager_two", 14), ("overdue", "manager_one", 15)]


def test_closed_agreements_get_no_reminders(tokyo, manager, move_to, django_capture_on_commit_callbacks):
    for status in ("completed", "terminated"):
        agreement = AgreementFactory(owner=tokyo, signed_on=date("2026-01-10"))
        milestone = MilestoneFactory(agreement=agreement, owner=tokyo, due_on=date("2026-06-01"))
        if status == "completed":
            milestone.state, milestone.done_on = "done", date("2026-05-30")
            milestone.save()
        move_to(agreement, status)
        milestone.state, milestone.done_on = "planned", None  # left planned: still no reminder
        milestone.save()
    assert sweep(at("2026-06-20", 10), django_capture_on_commit_callbacks) == []


# --- Stale agreements ---------------------------------------------------------------------------

def test_a_stale_agreement_reminds_its_owner_at_30_days_then_every_14(tokyo, working,
                                                                      django_capture_on_commit_callbacks):
    agreement = working(tokyo)
    record_progress(agreement, by=tokyo, percent_complete=10, health="on_track", summary="x", at=at("2026-05-01", 3))
    created = daily("2026-05-20", 50, 1, django_capture_on_commit_callbacks)  # 10:00 in Tokyo
    # 30 × 24 hours after the update (as the list counts), then every 14 days in local dates.
    assert [(r.kind, r.threshold, r.created_at.date()) for r in created] == [
        ("stale", 30, date("2026-06-01")), ("stale", 44, date("2026-06-14")), ("stale", 58, date("2026-06-28"))]


def test_a_new_progress_update_starts_the_count_again(tokyo, working, django_capture_on_commit_callbacks):
    agreement = working(tokyo)
    record_progress(agreement, by=tokyo, percent_complete=10, health="on_track", summary="x", at=at("2026-05-01", 3))
    assert seen(sweep(at("2026-06-01", 1), django_capture_on_commit_callbacks)) == [("stale", "tokyo", 30)]
    record_progress(agreement, by=tokyo, percent_complete=20, health="on_track", summary="y", at=at("2026-06-02", 3))
    assert daily("2026-06-03", 30, 1, django_capture_on_commit_callbacks) == []
    assert seen(sweep(at("2026-07-03", 1), django_capture_on_commit_callbacks)) == [("stale", "tokyo", 30)]


def test_stale_reminders_respect_the_owners_opt_out(tokyo, working, django_capture_on_commit_callbacks):
    tokyo.notify_stale = False
    tokyo.save()
    working(tokyo)
    assert sweep(at("2026-06-01", 1), django_capture_on_commit_callbacks) == []


def test_on_hold_agreements_are_not_stale(tokyo, move_to, django_capture_on_commit_callbacks):
    move_to(AgreementFactory(owner=tokyo), "on_hold")
    assert sweep(at("2026-06-01", 1), django_capture_on_commit_callbacks) == []


def test_the_stale_threshold_is_the_one_the_agreement_list_uses(tokyo, working, client,
                                                                django_capture_on_commit_callbacks):
    from agreements.filters import stale_q
    from agreements.models import Agreement

    agreement = working(tokyo)
    record_progress(agreement, by=tokyo, percent_complete=10, health="on_track", summary="x", at=at("2026-05-20"))
    now = at("2026-06-01", 1)
    with time_machine.travel(now, tick=False):
        assert not Agreement.objects.filter(stale_q()).exists()
        ReminderPolicy.objects.create(stale_days=10)
        assert list(Agreement.objects.filter(stale_q())) == [agreement]
    assert seen(sweep(now, django_capture_on_commit_callbacks)) == [("stale", "tokyo", 10)]


# --- Closure waiting -------------------------------------------------------------------------------

def test_a_closure_waiting_three_days_tells_the_managers_but_not_the_requester(
        tokyo, manager, second_manager, move_to, django_capture_on_commit_callbacks):
    agreement = AgreementFactory(owner=tokyo)
    with time_machine.travel(at("2026-06-01", 8), tick=False):
        move_to(agreement, "pending_closure")  # requested by `manager`
    assert sweep(at("2026-06-03", 10), django_capture_on_commit_callbacks) == []
    created = daily("2026-06-04", 10, 10, django_capture_on_commit_callbacks)
    assert seen(created) == [("closure_waiting", "manager_two", 3)]


# --- Weekly digest ------------------------------------------------------------------------------------

@pytest.fixture
def news(tokyo, working):
    """Something for a digest to say: an overdue milestone."""
    return MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-05-01")), owner=tokyo,
                            due_on=date("2026-06-05"))


def test_the_digest_goes_monday_morning_local_to_its_readers(manager, tokyo, news, django_capture_on_commit_callbacks):
    manager.time_zone, manager.notify_digest = "Asia/Tokyo", True
    manager.save()
    tokyo.notify_digest = True  # an officer who opted in
    tokyo.save()
    UserFactory(username="not_reading", role="Viewer", notify_digest=False)
    monday = "2026-06-08"
    assert [r for r in sweep(at("2026-06-07", 23, 45), django_capture_on_commit_callbacks) if r.kind == "digest"] == []
    first = [r for r in sweep(at(monday, 0), django_capture_on_commit_callbacks) if r.kind == "digest"]
    assert sorted(r.recipient.username for r in first) == ["manager_one", "tokyo"]
    later = daily(monday, 6, 3, django_capture_on_commit_callbacks)  # the same Monday again, then the week
    assert [r for r in later if r.kind == "digest"] == []
    assert sum(1 for m in mail.outbox if m.subject.startswith("Weekly digest")) == 2


def test_an_empty_digest_is_not_sent(manager, django_capture_on_commit_callbacks):
    manager.notify_digest = True
    manager.save()
    assert sweep(at("2026-06-08", 10), django_capture_on_commit_callbacks) == []
    assert mail.outbox == []


def test_a_manager_can_switch_the_digest_off(manager, news, django_capture_on_commit_callbacks):
    manager.notify_digest = False
    manager.save()
    assert [r for r in sweep(at("2026-06-08", 10), django_capture_on_commit_callbacks) if r.kind == "digest"] == []


# --- Exactly once, whatever the timing ---------------------------------------------------------------

def test_a_sweep_that_decided_before_another_one_committed_records_nothing_twice(tokyo, working,
                                                                                 django_capture_on_commit_callbacks):
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    now = at("2026-06-13", 1)
    late = deciding.decide(now)  # beat A decides…
    sweep(now, django_capture_on_commit_callbacks)  # …beat B records and sends first…
    with django_capture_on_commit_callbacks(execute=True):
        result = deciding.record(late, now)  # …then A records what it had decided
    assert (len(late), result.created, len(mail.outbox), Reminder.objects.count()) == (1, 0, 1, 1)


def test_one_persons_reminders_of_a_run_come_in_one_email(tokyo, working, django_capture_on_commit_callbacks):
    agreement = working(tokyo, signed_on=date("2026-05-01"))
    MilestoneFactory(agreement=agreement, owner=tokyo, due_on=date("2026-06-20"))
    MilestoneFactory(agreement=agreement, owner=tokyo, due_on=date("2026-06-10"))
    created = sweep(at("2026-06-13", 1), django_capture_on_commit_callbacks)
    assert sorted(r.kind for r in created) == ["due_soon", "overdue", "stale"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"3 reminders about {agreement.reference} {agreement.display_title}"


def test_inactive_users_and_users_without_an_address_get_nothing(working, django_capture_on_commit_callbacks):
    gone = UserFactory(username="gone", role="Officer", is_active=False)
    silent = UserFactory(username="silent", role="Officer", email="")
    for owner in (gone, silent):
        MilestoneFactory(agreement=working(owner), owner=owner, due_on=date("2026-06-20"))
    assert sweep(at("2026-06-13", 10), django_capture_on_commit_callbacks) == []


# --- The policy ------------------------------------------------------------------------------------------

def test_lead_days_follow_the_policy(tokyo, working, django_capture_on_commit_callbacks):
    ReminderPolicy.objects.create(due_soon_days="10, 3")
    MilestoneFactory(agreement=working(tokyo, signed_on=date("2026-06-01")), owner=tokyo, due_on=date("2026-06-20"))
    created = daily("2026-06-05", 15, 1, django_capture_on_commit_callbacks)
    assert [r.threshold for r in created if r.kind == "due_soon"] == [10, 3]


def test_a_paused_policy_sends_nothing(tokyo, working, django_capture_on_commit_callbacks):
    ReminderPolicy.objects.create(active=False)
    MilestoneFactory(agreement=working(tokyo), owner=tokyo, due_on=date("2026-06-20"))
    assert sweep(at("2026-06-13", 1), django_capture_on_commit_callbacks) == []


# --- Scale ------------------------------------------------------------------------------------------------

def build(count: int, owner, manager, move_to) -> None:
    for n in range(count):
        agreement = move_to(AgreementFactory(owner=owner), "in_progress")
        MilestoneFactory(agreement=agreement, owner=owner, due_on=date("2026-06-20"))
        MilestoneFactory(agreement=agreement, owner=owner, due_on=date("2026-05-01"))
    pending = AgreementFactory(owner=owner)
    move_to(pending, "pending_closure")


def test_deciding_needs_the_same_number_of_queries_for_3_or_30_agreements(tokyo, manager, second_manager, move_to):
    """The reads are set-based; only the INSERT batches of new rows grow with their number."""
    manager.notify_digest = True
    manager.save()
    counts = []
    for size in (3, 30):
        build(size, tokyo, manager, move_to)
        with CaptureQueriesContext(connection) as queries:
            decided = deciding.decide(at("2026-06-08", 10))
        assert len(decided) >= size * 2
        counts.append(len(queries))
    assert counts[0] == counts[1]
