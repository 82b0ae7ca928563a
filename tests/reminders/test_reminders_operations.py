"""Operating the reminders: `send_reminders` for cron (and its dry run), /healthz reporting the
broker, and settings that refuse a retry cap Redis would turn into double sends."""
from __future__ import annotations

import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from agreements.models import Reminder
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.datetime(2026, 6, 13, 1, 0, tzinfo=datetime.timezone.utc)  # 10:00 Tokyo, 06:00 Tashkent


def run(*args, now: datetime.datetime = NOW) -> str:
    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def due(db, move_to):
    """Milestones due in 7 days for an officer in Tokyo (morning) and one in Tashkent (not yet)."""
    people = {}
    for name, zone in (("tokyo", "Asia/Tokyo"), ("tashkent", "Asia/Tashkent")):
        people[name] = UserFactory(username=name, role="Officer", time_zone=zone, notify_stale=False)
        agreement = move_to(AgreementFactory(owner=people[name], reference=f"CAJ-{name}"), "in_progress")
        MilestoneFactory(agreement=agreement, owner=people[name], title=f"Survey {name}",
                         due_on=datetime.date(2026, 6, 20))
    return people


def test_the_dry_run_lists_what_is_due_today_and_writes_nothing(due):
    output = run("--dry-run")
    assert "now  tokyo" in output and "CAJ-tokyo Survey tokyo" in output
    assert "at 09:00 Asia/Tashkent  tashkent" in output
    assert "2 reminder(s) due today, 1 of them now" in output
    assert Reminder.objects.count() == 0 and mail.outbox == []


def test_send_reminders_sends_by_smtp_from_its_own_process_and_only_once(due, smtp_settings):
    assert "1 new reminder(s) recorded; 1 sent" in run()
    assert "0 new reminder(s) recorded; 0 sent" in run()
    assert [m["To"] for m in smtp_settings.snapshot()] == [due["tokyo"].email]
    assert Reminder.objects.get().state == Reminder.State.SENT


def test_what_the_mail_server_refused_for_now_goes_out_on_the_next_run(due, smtp_settings):
    smtp_settings.stop()
    assert "could not be sent now" in run()
    assert Reminder.objects.get().state == Reminder.State.QUEUED
    smtp_settings.start()
    assert "0 new reminder(s) recorded; 1 sent" in run(now=NOW + datetime.timedelta(minutes=15))  # cron's next run
    assert [m["To"] for m in smtp_settings.snapshot()] == [due["tokyo"].email]


def test_with_the_demo_data_the_dry_run_lists_the_reminders_due_today(db):
    with time_machine.travel(NOW, tick=False):  # the demo is dated from "today": the same day as the run
        call_command("seed_demo", stdout=io.StringIO())
    output = run("--dry-run")
    assert "reminder(s) due today" in output
    assert output.count("\n") > 20
    assert any(kind in output for kind in ("due_soon", "overdue", "escalation", "stale"))
    assert Reminder.objects.count() == 0


# --- /healthz ------------------------------------------------------------------------------------

def test_healthz_reports_the_embedded_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_a_broker_that_is_down_is_reported_without_failing_the_web_probe(client, db):
    from tracker.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 200  # pages still work; reminders wait in their table
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"].startswith("down: ")


def test_a_sweep_with_the_broker_down_records_its_reminders_and_leaves_them_to_the_dispatcher(
        due, monkeypatch, django_capture_on_commit_callbacks, caplog):
    """Handing the e-mails to a worker happens after commit and may fail (Redis down): the sweep
    must neither fail nor lose them — the rows stay queued and the dispatcher sends them later."""
    from kombu.exceptions import OperationalError

    from agreements.reminders import deciding, tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_reminder_group, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = deciding.sweep(NOW, enqueue=tasks.enqueue_groups)
    assert result.created == 1
    assert Reminder.objects.get().state == Reminder.State.QUEUED
    assert "Connection refused" in caplog.text


# --- Settings guards -------------------------------------------------------------------------------

def settings_probe(**env) -> subprocess.CompletedProcess:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tracker.settings'; django.setup();"
            "from django.conf import settings as s; print(s.CELERY_BROKER_URL, s.REMINDER_RETRY_MAX_SECONDS)")
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REMINDER_", "EMAIL_"))}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)


def test_without_a_broker_url_the_embedded_broker_is_used():
    result = settings_probe()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filesystem://")


def test_a_retry_cap_longer_than_half_the_visibility_timeout_is_refused():
    result = settings_probe(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_VISIBILITY_TIMEOUT="600",
                            REMINDER_RETRY_MAX_SECONDS="400")
    assert result.returncode != 0
    assert "REMINDER_RETRY_MAX_SECONDS must stay below half of CELERY_VISIBILITY_TIMEOUT" in result.stderr
