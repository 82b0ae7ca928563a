"""The e-mails people receive: plain text and HTML, a subject that says what and which
agreement, links to the tracker and to the preferences page, user text escaped in HTML."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from agreements.actions.progress import record_progress
from agreements.models import Reminder
from agreements.reminders import deciding, delivery, emails
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 1, 0, tzinfo=datetime.timezone.utc)  # Monday, 10:00 in Tokyo
SITE = "https://tracker.ministry.example"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def owner(db):
    return UserFactory(username="aiko", first_name="Aiko", role="Officer", time_zone="Asia/Tokyo", notify_stale=False)


def send_all(now=NOW) -> list:
    """Sweep and send in this process, as `send_reminders` does."""
    with time_machine.travel(now, tick=False):
        for group in deciding.sweep(now, enqueue=False).groups:
            delivery.deliver(group, now)
    return mail.outbox


def parts(message) -> tuple[str, str]:
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    return message.body, html


def test_a_due_soon_email_says_what_and_where_in_text_and_html(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-017", title="Solar plant in Navoi"),
                        "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Feasibility study delivered",
                     due_on=datetime.date(2026, 6, 15))
    [message] = send_all()
    text, html = parts(message)
    assert message.subject == "Milestone due in 7 days: Feasibility study delivered (CAJ-2025-017)"
    assert message.to == [owner.email]
    assert "Dear Aiko," in text and "Solar plant in Navoi" in text and "15 June 2026" in text
    assert f"{SITE}/agreements/CAJ-2025-017/" in text and f'href="{SITE}/agreements/CAJ-2025-017/"' in html
    assert f"{SITE}/preferences/" in text and f'href="{SITE}/preferences/"' in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_user_text_is_escaped_in_html_and_left_alone_in_plain_text(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, title="R&D <script>alert(1)</script>"), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Q&A <b>session</b>", due_on=datetime.date(2026, 6, 9))
    [message] = send_all()
    text, html = parts(message)
    assert "<script>" not in html and "R&amp;D &lt;script&gt;" in html and "Q&amp;A &lt;b&gt;" in html
    assert "R&D <script>alert(1)</script>" in text
    assert message.subject.startswith("Milestone due tomorrow: Q&A <b>session</b>")


def test_several_reminders_for_one_person_come_as_one_list_under_their_agreement(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-001", title="Solar plant in Navoi"),
                        "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Plan", due_on=datetime.date(2026, 6, 9))
    MilestoneFactory(agreement=agreement, owner=owner, title="Survey", due_on=datetime.date(2026, 5, 30))
    [message] = send_all()
    text, html = parts(message)
    assert message.subject == "2 reminders about CAJ-2025-001 Solar plant in Navoi"
    assert text.index("Survey") < text.index("Plan")  # overdue first
    assert "9 days overdue" in text and "due tomorrow" in text
    assert html.count("<li>") == 2
    # One heading for the agreement, its two milestones under it: in both parts.
    assert html.count("<h2>") == 1 and html.count(">CAJ-2025-001<") == 1
    assert text.count("CAJ-2025-001 — Solar plant in Navoi") == 1
    assert text.index("CAJ-2025-001 — Solar plant in Navoi") < text.index("Survey")


def test_reminders_about_several_agreements_come_grouped_most_urgent_agreement_first(owner, move_to):
    calm = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-004", title="Calm"), "in_progress")
    busy = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-005", title="Busy"), "in_progress")
    MilestoneFactory(agreement=calm, owner=owner, title="Soon", due_on=datetime.date(2026, 6, 9))
    MilestoneFactory(agreement=busy, owner=owner, title="Late", due_on=datetime.date(2026, 5, 30))
    MilestoneFactory(agreement=busy, owner=owner, title="Also soon", due_on=datetime.date(2026, 6, 15))
    MilestoneFactory(agreement=calm, owner=owner, title="Later", due_on=datetime.date(2026, 6, 22))
    [message] = send_all()
    text, html = parts(message)
    assert message.subject == "4 reminders: CAJ-2025-005 and 1 more agreement"
    assert html.count("<h2>") == 2 and html.count("<li>") == 4
    headings = [text.index("CAJ-2025-005 — Busy"), text.index("CAJ-2025-004 — Calm")]
    assert headings == sorted(headings)  # the agreement with the overdue milestone first
    assert headings[0] < text.index("Late") < text.index("Also soon") < headings[1] < text.index("Soon")
    assert text.count("CAJ-2025-004") == 1 + text.count(f"{SITE}/agreements/CAJ-2025-004/")


def test_an_escalation_names_the_owner_and_cannot_be_unsubscribed(owner, manager, move_to):
    manager.time_zone = "Asia/Tokyo"  # 10:00 there
    manager.save()
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-002"), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, title="Loan disbursed", due_on=datetime.date(2026, 5, 20))
    messages = send_all()
    [escalation] = [m for m in messages if m.to == [manager.email]]
    assert escalation.subject == "Escalation: CAJ-2025-002 milestone overdue by 19 days: Loan disbursed"
    assert f"(owner: {owner.get_full_name()})" in escalation.body
    assert "List-Unsubscribe" not in escalation.extra_headers
    assert "List-Unsubscribe-Post" not in escalation.extra_headers


def test_a_stale_reminder_can_be_switched_off_from_the_email(owner, move_to):
    owner.notify_stale = True
    owner.save()
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-003"), "in_progress")
    record_progress(agreement, by=owner, percent_complete=10, health="on_track", summary="ok",
                    at=datetime.datetime(2026, 5, 1, 3, tzinfo=datetime.timezone.utc))
    [message] = send_all()
    assert message.subject.startswith("No progress update for 38 days: CAJ-2025-003")
    assert "No progress update since 1 May 2026 (38 days)." in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE}/u/{owner.pk}.stale~")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_sending_the_same_reminders_again_keeps_the_message_id(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner), "in_progress")
    MilestoneFactory(agreement=agreement, owner=owner, due_on=datetime.date(2026, 6, 9))
    with time_machine.travel(NOW, tick=False):
        deciding.sweep(NOW, enqueue=False)
    rows = list(Reminder.objects.select_related("recipient", "agreement", "milestone"))
    first = emails.compose(rows, NOW).extra_headers["Message-ID"]
    assert emails.compose(rows, NOW).extra_headers["Message-ID"] == first
    assert first.endswith("@tracker.ministry.example>")


# --- The weekly digest --------------------------------------------------------------------------

@pytest.fixture
def week(owner, other_officer, manager, move_to):
    """A week's worth of news: an update, an overdue and an upcoming milestone, a risk, a closure."""
    manager.time_zone, manager.notify_digest = "Asia/Tokyo", True
    manager.save()
    busy = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-010"), "in_progress")
    record_progress(busy, by=owner, percent_complete=40, health="at_risk", summary="Customs delay at the border.",
                    at=datetime.datetime(2026, 6, 5, 3, tzinfo=datetime.timezone.utc))
    MilestoneFactory(agreement=busy, owner=owner, title="Turbines shipped", due_on=datetime.date(2026, 6, 1))
    MilestoneFactory(agreement=busy, owner=owner, title="Grid connection", due_on=datetime.date(2026, 6, 16))
    with time_machine.travel(datetime.datetime(2026, 6, 2, tzinfo=datetime.timezone.utc), tick=False):
        move_to(AgreementFactory(owner=owner, reference="CAJ-2025-011"), "pending_closure")
    hidden = move_to(AgreementFactory(owner=other_officer, reference="CAJ-2025-099", confidentiality="restricted"),
                     "in_progress")
    MilestoneFactory(agreement=hidden, owner=other_officer, title="Secret step", due_on=datetime.date(2026, 6, 2))
    return busy


def test_the_digest_summarises_the_week_for_a_manager(week, manager):
    [digest] = [m for m in send_all() if m.to == [manager.email] and m.subject.startswith("Weekly digest")]
    text, html = parts(digest)
    assert digest.subject == ("Weekly digest, 8 Jun 2026: 1 update, 2 overdue milestones, 1 at risk, "
                              "1 closure waiting, 1 due soon")
    for heading in ("Progress updates this week: 1", "Overdue milestones: 2", "Agreements at risk or off track: 1",
                    "Closures waiting for approval: 1", "Milestones due in the next two weeks: 1"):
        assert heading in text
    assert "Customs delay at the border." in text and "Turbines shipped" in text and "Secret step" in text
    assert f"{SITE}/agreements/?overdue=1" in text and f'href="{SITE}/agreements/?status=pending_closure"' in html


def test_an_officer_who_reads_the_digest_sees_only_what_they_may_see(week, owner):
    owner.notify_digest = True
    owner.save()
    [digest] = [m for m in send_all() if m.to == [owner.email] and m.subject.startswith("Weekly digest")]
    assert "Turbines shipped" in digest.body
    assert "Secret step" not in digest.body and "CAJ-2025-099" not in digest.body


def test_a_digest_that_has_become_empty_by_sending_time_is_not_sent(week, manager):
    with time_machine.travel(NOW, tick=False):
        result = deciding.sweep(NOW, enqueue=False)
    Reminder.objects.exclude(kind="digest").delete()
    from agreements.models import Agreement, Milestone

    Milestone.objects.all().delete()
    Agreement.objects.update(status="completed", health="on_track")
    for group in result.groups:
        delivery.deliver(group, NOW + datetime.timedelta(days=8))  # the week's update is old news by then
    assert mail.outbox == []
    assert Reminder.objects.get(kind="digest").state == Reminder.State.CANCELLED


def test_each_digest_section_links_to_exactly_its_agreements(week, manager, client, move_to):
    """A terminated agreement keeps its last health and its planned milestones: the digest leaves
    it out, and so must the list its links open."""
    from agreements import workflow
    from agreements.reminders import digest
    from tests.web.test_list_views import references

    ended = move_to(AgreementFactory(owner=manager, reference="CAJ-2025-050"), "in_progress")
    record_progress(ended, by=manager, percent_complete=10, health="off_track", summary="Stopped.",
                    at=datetime.datetime(2026, 6, 4, tzinfo=datetime.timezone.utc))
    MilestoneFactory(agreement=ended, title="Never delivered", due_on=datetime.date(2026, 6, 1))
    MilestoneFactory(agreement=ended, title="Never started", due_on=datetime.date(2026, 6, 12))
    workflow.transition(ended, "terminated", by=manager, comment="Cancelled by both sides.")
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        # "updates": a sort, not a filter; "acknowledged" links to the overdue list it is part of and
        # "rosier" to the reports' panel (tests/reminders/test_acknowledgements.py).
        sections = [s for s in digest.summary(manager, NOW).sections
                    if s.name not in ("updates", "acknowledged", "rosier")]
        for section in sections:
            assert section.count, section.name
            expected = sorted({getattr(item, "agreement", item).reference for item in section.items})
            listed = references(client.get(section.link.removeprefix(SITE)))
            assert sorted(listed) == expected, section.name


def test_a_closure_reminder_dates_the_request_in_the_recipients_zone(owner, second_manager, move_to):
    """Requested at 20:00 UTC on 2 June: already 3 June in Tokyo, where the approver reads it."""
    second_manager.time_zone = "Asia/Tokyo"
    second_manager.save()
    with time_machine.travel(datetime.datetime(2026, 6, 2, 20, tzinfo=datetime.timezone.utc), tick=False):
        move_to(AgreementFactory(owner=owner, reference="CAJ-2025-012"), "pending_closure")
    [message] = [m for m in send_all() if m.to == [second_manager.email] and "CAJ-2025-012" in m.subject]
    assert "requested closure on 3 June 2026" in message.body
