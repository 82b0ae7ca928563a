"""In a real browser, signed out: the "I'm on it" link of an overdue e-mail opens its form, records the
acknowledgement once, and the agreement page then shows it (real time: the live server's clock)."""
from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, MilestoneFactory
from tests.reminders.reminder_helpers import local_today, zone_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_emailed_link_works_signed_out_once_then_the_page_shows_it(live_page, settings, morning_policy,
                                                                       move_to):
    settings.SITE_URL = live_page.url_for("")
    owner = zone_officer("aiko", first_name="Aiko")
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-061"), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Turbines shipped",
                     due_on=local_today() - datetime.timedelta(days=3))
    for group in deciding.sweep(enqueue=False).groups:
        delivery.deliver(group)
    [message] = [m for m in mail.outbox if m.to == [owner.email]]
    [link] = set(re.findall(r"(http://\S+/ack/\S+/)", message.body))

    page = live_page
    page.goto(link)
    expect(page.get_by_role("heading", name="I'm on it")).to_be_visible()
    expect(page.locator("main")).to_contain_text("CAJ-2025-061 — Turbines shipped")
    page.get_by_label("New expected date").fill((local_today() + datetime.timedelta(days=5)).isoformat())
    page.get_by_label("What is happening").fill("Held at customs; released on Friday.")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("heading", name="Thank you: recorded")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("heading", name="Already acknowledged")).to_be_visible()

    page.sign_in(owner)
    page.goto(page.url_for(agreement.get_absolute_url()))
    expect(page.locator("#milestones")).to_contain_text("Held at customs; released on Friday.")
    expect(page.locator("#timeline")).to_contain_text("is on “Turbines shipped”")
