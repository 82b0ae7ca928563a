"""One-click unsubscribe (RFC 8058) from the optional e-mails — the stale-agreement reminder and the
weekly digest — through a signed link that works without signing in (issue 18, item 6).

The e-mails go through a real SMTP server (aiosmtpd, tests.services.Inbox) where the headers matter:
what a mail client reads is what arrived, not what Django was asked to send."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from agreements.actions.progress import record_progress
from agreements.models import Reminder, User
from agreements.reminders import deciding, delivery, unsubscribe
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 1, 0, tzinfo=datetime.timezone.utc)  # Monday, 10:00 in Tokyo
SITE = "https://tracker.ministry.example"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}  # the body RFC 8058 has mail systems POST


@pytest.fixture(autouse=True)
def site(settings, smtp_settings):
    settings.SITE_URL = SITE


@pytest.fixture
def owner(db):
    return UserFactory(username="aiko", first_name="Aiko", role="Officer", time_zone="Asia/Tokyo",
                       notify_stale=True, notify_digest=True)


@pytest.fixture
def stale(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-003"), "in_progress")
    record_progress(agreement, by=owner, percent_complete=10, health="on_track", summary="ok",
                    at=datetime.datetime(2026, 5, 1, 3, tzinfo=datetime.timezone.utc))
    return agreement


def send_all(smtp_server, now=NOW) -> list:
    with time_machine.travel(now, tick=False):
        for group in deciding.sweep(now, enqueue=False).groups:
            delivery.deliver(group, now)
    return smtp_server.snapshot()


def link_of(message) -> str:
    """The https link of List-Unsubscribe, as a path on this site."""
    value = str(message["List-Unsubscribe"]).strip()  # a long value is folded onto its own line
    assert value.startswith(f"<{SITE}/u/") and value.endswith(">") and "mailto:" not in value
    return value[1:-1].removeprefix(SITE)


def subjects_to(messages, user) -> list[str]:
    return [m["Subject"] for m in messages if m["To"] == user.email]


# --- Which e-mails carry it --------------------------------------------------------------------

def test_an_optional_email_carries_the_one_click_headers_and_a_mandatory_one_none(
        smtp_server, owner, manager, stale, move_to):
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    late = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-002"), "in_progress")
    record_progress(late, by=owner, percent_complete=10, health="on_track", summary="ok",
                    at=datetime.datetime(2026, 6, 1, 3, tzinfo=datetime.timezone.utc))
    MilestoneFactory(agreement=late, owner=owner, title="Loan disbursed", due_on=datetime.date(2026, 5, 20))
    messages = send_all(smtp_server)
    [escalation] = [m for m in messages if m["To"] == manager.email]
    assert escalation["List-Unsubscribe"] is None and escalation["List-Unsubscribe-Post"] is None
    [to_owner] = [m for m in messages if m["To"] == owner.email and "digest" not in m["Subject"].lower()]
    # The owner's e-mail holds the (optional) stale reminder: the link stops those, and says so in the body.
    assert to_owner["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_of(to_owner).startswith(f"/u/{owner.pk}.stale~")
    text = to_owner.get_body(("plain",)).get_content()
    assert f"{SITE}{link_of(to_owner)}" in text and "Stop the reminders about agreements without updates" in text


def test_a_mandatory_only_email_has_no_unsubscribe(smtp_server, owner, move_to):
    owner.notify_stale = owner.notify_digest = False
    owner.save()
    agreement = move_to(AgreementFactory(owner=owner), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 15))
    [message] = send_all(smtp_server)
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    assert "/u/" not in message.get_body(("plain",)).get_content()


def test_the_digest_carries_its_own_link(smtp_server, owner, stale):
    MilestoneFactory(agreement=stale, owner=owner, due_on=datetime.date(2026, 6, 18))  # news for the digest
    messages = send_all(smtp_server)
    [digest] = [m for m in messages if m["To"] == owner.email and m["Subject"].startswith("Weekly digest")]
    assert link_of(digest).startswith(f"/u/{owner.pk}.digest~")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- The link ------------------------------------------------------------------------------------

def test_the_mail_clients_one_click_post_unsubscribes_without_signing_in(smtp_server, owner, stale):
    [message] = [m for m in send_all(smtp_server) if "digest" not in m["Subject"].lower()]
    anonymous = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: as a mail system posts
    response = anonymous.post(link_of(message), ONE_CLICK)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    owner.refresh_from_db()
    assert owner.notify_stale is False and owner.notify_digest is True  # only the kind of that e-mail


def test_the_digest_link_stops_the_digest_only(smtp_server, owner, stale):
    MilestoneFactory(agreement=stale, owner=owner, due_on=datetime.date(2026, 6, 18))  # news for the digest
    [digest] = [m for m in send_all(smtp_server) if m["Subject"].startswith("Weekly digest")]
    assert Client(enforce_csrf_checks=True).post(link_of(digest), ONE_CLICK).status_code == 200
    owner.refresh_from_db()
    assert owner.notify_digest is False and owner.notify_stale is True


def test_get_only_asks_and_changes_nothing(client, owner):
    path = f"/u/{unsubscribe.token_for(owner, 'stale')}/"
    for _ in range(3):  # a link scanner, a preview, a prefetch
        response = client.get(path)
        assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post">' in page and "Unsubscribe" in page
    assert "reminders about agreements you own that have had no progress update" in page
    owner.refresh_from_db()
    assert owner.notify_stale is True
    client.post(path)  # the page's own button
    owner.refresh_from_db()
    assert owner.notify_stale is False
    assert "You no longer receive" in client.get(path).content.decode()


def test_the_page_speaks_the_language_of_the_email(client, owner):
    owner.language = "ru"
    owner.save()
    response = client.get(f"/u/{unsubscribe.token_for(owner, 'digest')}/")
    assert '<html lang="ru">' in response.content.decode()


def test_a_tampered_token_or_one_for_someone_else_is_refused(client, owner):
    other = UserFactory(username="bekzod", role="Officer", notify_stale=True, notify_digest=True)
    token = unsubscribe.token_for(owner, "stale")
    value, signature = token.rsplit("~", 1)
    forged = [
        f"{other.pk}.stale~{signature}",  # owner's signature, other's id
        f"{owner.pk}.digest~{signature}",  # another kind with the same signature
        f"{value}~{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # one character changed
        f"{value}~",
        f"{owner.pk}.escalation~{signature}",  # a mandatory kind cannot be unsubscribed from at all
        "nonsense",
        f"{'9' * 40}.stale~{signature}",
    ]
    for bad in forged:
        for method in (client.get, client.post):
            response = method(f"/u/{bad}/", ONE_CLICK)
            assert response.status_code == 400, bad
            assert "This link does not work" in response.content.decode()
    for person in (owner, other):
        person.refresh_from_db()
        assert person.notify_stale and person.notify_digest
    with pytest.raises(ValueError):
        unsubscribe.token_for(owner, "overdue")


def test_a_token_made_for_one_person_only_ever_unsubscribes_that_person(client, owner):
    other = UserFactory(username="bekzod", role="Officer", notify_stale=True)
    assert unsubscribe.token_for(owner, "stale") != unsubscribe.token_for(other, "stale")
    client.force_login(other)  # signed in as someone else: the link still acts for its own person
    client.post(f"/u/{unsubscribe.token_for(owner, 'stale')}/")
    assert User.objects.get(pk=owner.pk).notify_stale is False
    assert User.objects.get(pk=other.pk).notify_stale is True


def test_a_stale_reminder_queued_before_the_click_is_not_sent(smtp_server, owner, stale):
    with time_machine.travel(NOW, tick=False):
        groups = deciding.sweep(NOW, enqueue=False).groups
    Client().post(f"/u/{unsubscribe.token_for(owner, 'stale')}/", ONE_CLICK)
    with time_machine.travel(NOW, tick=False):
        for group in groups:
            delivery.deliver(group, NOW)
    assert [m["Subject"] for m in smtp_server.snapshot() if "No progress update" in m["Subject"]] == []
    assert Reminder.objects.get(kind="stale").state == Reminder.State.CANCELLED
