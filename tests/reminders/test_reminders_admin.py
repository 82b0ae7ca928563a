"""The reminder policy is edited in the admin without code; the reminder log shows what was
sent or failed, with filters, and failed reminders can be queued again."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from agreements.models import Reminder, ReminderPolicy
from agreements.reminders import deciding
from tests.factories import AgreementFactory, MilestoneFactory

NOW = datetime.datetime(2026, 6, 13, 1, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def log(db, officer, other_officer, move_to):
    """Three reminders: one sent, one failed (a restricted agreement of `other_officer`), one queued."""
    for owner, confidentiality in ((officer, "internal"), (other_officer, "restricted")):
        owner.time_zone = "Asia/Tokyo"
        owner.save()
        agreement = move_to(AgreementFactory(owner=owner, confidentiality=confidentiality), "in_progress")
        MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 20))
        MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 10))
    with time_machine.travel(NOW, tick=False):
        deciding.sweep(NOW, enqueue=False)
    rows = Reminder.objects.filter(kind__in=["due_soon", "overdue"]).order_by("pk")
    rows.filter(recipient=officer, kind="due_soon").update(state="sent", sent_at=NOW)
    rows.filter(recipient=other_officer, kind="due_soon").update(state="failed", last_error="550 Mailbox unavailable")
    return rows


def test_a_manager_edits_the_reminder_policy_in_the_admin(client, manager):
    client.force_login(manager)
    assert client.get("/admin/agreements/reminderpolicy/").url == "/admin/agreements/reminderpolicy/add/"
    form = {"active": "on", "local_hour": "8", "due_soon_days": "10, 3", "overdue_repeat_days": "5",
            "escalation_days": "21", "stale_days": "45", "stale_repeat_days": "20", "closure_waiting_days": "2",
            "digest_weekday": "4", "health_overdue_at_risk_days": "1", "health_overdue_off_track_days": "60",
            "health_slip_at_risk_days": "60", "health_slip_off_track_days": "180", "health_stage_at_risk_days": "1",
            "health_stage_off_track_days": "90"}
    response = client.post("/admin/agreements/reminderpolicy/add/", form)
    assert response.status_code == 302
    policy = ReminderPolicy.current()
    assert (policy.lead_days, policy.local_hour, policy.stale_days, policy.digest_weekday) == ([10, 3], 8, 45, 4)
    assert client.get("/admin/agreements/reminderpolicy/").url == "/admin/agreements/reminderpolicy/1/change/"


def test_the_policy_refuses_unreadable_lead_days(client, manager):
    client.force_login(manager)
    form = {"active": "on", "local_hour": "9", "due_soon_days": "soon", "overdue_repeat_days": "7",
            "escalation_days": "14", "stale_days": "30", "stale_repeat_days": "14", "closure_waiting_days": "3",
            "digest_weekday": "0"}
    response = client.post("/admin/agreements/reminderpolicy/add/", form)
    assert response.status_code == 200
    assert "Give whole numbers of days" in response.content.decode()
    assert not ReminderPolicy.objects.exists()


def test_the_reminder_log_filters_by_kind_state_and_recipient(client, superuser, log, officer):
    client.force_login(superuser)
    page = lambda query: client.get(f"/admin/agreements/reminder/?{query}").context["cl"].result_count  # noqa: E731
    assert page("") == Reminder.objects.count()
    assert page("state=failed") == 1
    assert page("kind__exact=overdue") == 2
    assert page(f"recipient__id__exact={officer.pk}") == Reminder.objects.filter(recipient=officer).count()


def test_failed_reminders_can_be_queued_again_and_go_out(client, superuser, log, celery_eager,
                                                         django_capture_on_commit_callbacks):
    client.force_login(superuser)
    failed = Reminder.objects.get(state="failed")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/agreements/reminder/", {
            "action": "retry_failed", "_selected_action": [r.pk for r in log]}, follow=True)
    assert "1 failed reminder queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("sent", 1)
    assert [m.to for m in mail.outbox] == [[failed.recipient.email]]


def test_data_entry_reads_the_log_of_what_they_may_see_but_cannot_retry(client, data_entry, log, other_officer):
    client.force_login(data_entry)
    response = client.get("/admin/agreements/reminder/")
    assert response.status_code == 200
    shown = response.context["cl"].result_list
    assert shown and all(r.recipient != other_officer for r in shown)  # other_officer's agreement is restricted
    assert "retry_failed" not in response.content.decode()


def test_the_log_cannot_be_written_by_hand(client, superuser, log):
    client.force_login(superuser)
    assert client.get("/admin/agreements/reminder/add/").status_code == 403
    row = log.first()
    page = client.get(f"/admin/agreements/reminder/{row.pk}/change/").content.decode()
    assert 'name="key"' not in page  # shown, not editable
