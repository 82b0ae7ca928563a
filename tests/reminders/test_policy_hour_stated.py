"""The hour reminders go out is the reminder policy's, and that is the hour people are told: on the
preferences page and in every e-mail (never a fixed 09:00)."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from agreements.models import ReminderPolicy
from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 6, 0, tzinfo=datetime.timezone.utc)  # Monday, 15:00 in Tokyo


@pytest.fixture
def afternoon(db):
    return ReminderPolicy.objects.create(local_hour=14, digest_weekday=0, stale_days=45, stale_repeat_days=10)


def test_the_preferences_page_states_the_policys_hour_day_and_thresholds(client, officer, afternoon):
    client.force_login(officer)
    page = client.get("/preferences/").content.decode()
    assert "reminders reach you from 14:00" in page and "from 09:00" not in page
    assert "no progress update for 45 days, then every 10 days" in page
    assert "A summary every Monday from 14:00" in page


def test_the_preferences_page_says_when_reminders_are_paused(client, officer, afternoon):
    afternoon.active = False
    afternoon.save()
    client.force_login(officer)
    assert "Reminders are paused for everyone" in client.get("/preferences/").content.decode()


def test_every_email_states_the_policys_hour_in_the_recipients_zone(afternoon, manager, move_to):
    manager.time_zone, manager.notify_digest = "Asia/Tokyo", True
    manager.save()
    owner = UserFactory(role="Officer", time_zone="Asia/Tokyo", notify_stale=False)
    agreement = move_to(AgreementFactory(owner=owner), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 15))
    with time_machine.travel(NOW, tick=False):
        for group in deciding.sweep(NOW, enqueue=False).groups:
            delivery.deliver(group, NOW)
    assert len(mail.outbox) == 2  # the owner's reminder and the manager's digest
    for message in mail.outbox:
        [(html, _kind)] = message.alternatives
        for part in (message.body, html):
            assert "Reminders reach you from 14:00, time zone Tokyo (UTC+09:00); the weekly digest on Monday." in " ".join(
                part.split()), message.subject
