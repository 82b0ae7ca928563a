"""The notifications page and the header's badge (issue 18, item 7): the reminders sent to me,
readable in the app, read and unread; only mine, and only while I may see their agreement."""
from __future__ import annotations

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Notification, Reminder
from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 1, 0, tzinfo=datetime.timezone.utc)  # Monday, 10:00 in Tokyo


def notify(user, agreement, *, kind="overdue", days=9, title="Survey", read=False) -> Notification:
    """A notification as delivery writes it (with its reminder row)."""
    milestone = MilestoneFactory(agreement=agreement, owner=user, title=title, due_on=datetime.date(2026, 5, 30))
    reminder = Reminder.objects.create(kind=kind, key=f"{kind}:{uuid.uuid4()}", recipient=user, agreement=agreement,
                                       milestone=milestone, subject_date=milestone.due_on, run_id=uuid.uuid4(),
                                       state="sent", sent_at=NOW)
    return Notification.objects.create(recipient=user, reminder=reminder, kind=kind, agreement=agreement,
                                       milestone=milestone, days=days, about=milestone.due_on,
                                       facts={"title": title}, read_at=NOW if read else None)


def badge(response) -> str | None:
    """The unread count in the header, as a screen reader hears it."""
    html = response.content.decode()
    start = html.find('class="header-bell__count">')
    if start < 0:
        return None
    return html[start:].split(">", 1)[1].split("<", 1)[0]


def test_reminders_sent_by_email_appear_on_the_page_in_my_language(client, move_to):
    aiko = UserFactory(username="aiko", role="Officer", time_zone="Asia/Tokyo", notify_stale=False)
    agreement = move_to(AgreementFactory(owner=aiko, reference="CAJ-2025-001", title="Solar plant"), "in_progress")
    MilestoneFactory(agreement=agreement, owner=aiko, title="Survey", due_on=datetime.date(2026, 5, 30))
    MilestoneFactory(agreement=agreement, owner=aiko, title="Plan", due_on=datetime.date(2026, 6, 9))
    with time_machine.travel(NOW, tick=False):
        for group in deciding.sweep(NOW, enqueue=False).groups:
            delivery.deliver(group, NOW)
    client.force_login(aiko)
    page = client.get("/notifications/").content.decode()
    assert "Milestone “Survey” was due on 30 May 2026: 9 days overdue." in page
    assert "Milestone “Plan” is due tomorrow (9 June 2026)." in page
    assert page.count('href="/agreements/CAJ-2025-001/"') == 2 and page.count("Mark as read") == 2
    aiko.language = "ru"
    aiko.save()
    page = client.get("/notifications/").content.decode()
    assert "Survey" in page and "was due on" not in page and '<html lang="ru">' in page  # composed when read


def test_the_badge_counts_unread_and_marking_read_lowers_it(client, officer, agreement):
    first, second = notify(officer, agreement), notify(officer, agreement, title="Plan")
    notify(officer, agreement, title="Old", read=True)
    client.force_login(officer)
    assert badge(client.get("/")) == "2"
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response.url == "/notifications/"
    assert badge(client.get("/agreements/")) == "1"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post("/notifications/read/", {"show": "unread"}).url == "/notifications/?show=unread"
    assert badge(client.get("/")) is None
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    second.refresh_from_db()
    assert second.read_at is not None


def test_unread_only_and_get_changes_nothing(client, officer, agreement):
    notify(officer, agreement, title="Fresh")
    notify(officer, agreement, title="Seen", read=True)
    client.force_login(officer)
    page = client.get("/notifications/?show=unread").content.decode()
    assert "Fresh" in page and "Seen" not in page
    page = client.get("/notifications/").content.decode()
    assert "Fresh" in page and "Seen" in page
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # reading the list marks nothing
    assert client.get("/notifications/read/").status_code == 405
    assert client.get(f"/notifications/{Notification.objects.first().pk}/read/").status_code == 405


def test_only_the_recipient_reads_or_marks_a_notification(client, officer, other_officer, manager, agreement):
    mine = notify(officer, agreement, title="Officer's own")
    for someone in (other_officer, manager):
        client.force_login(someone)
        assert "Officer's own" not in client.get("/notifications/").content.decode()
        assert badge(client.get("/")) is None
        assert client.post(f"/notifications/{mine.pk}/read/").status_code == 404
        client.post("/notifications/read/")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_notification_about_an_agreement_i_can_no_longer_see_is_hidden(client, officer, teammate, restricted,
                                                                         move_to):
    move_to(restricted, "in_progress")
    gone = notify(teammate, restricted, title="Secret step")
    client.force_login(teammate)
    assert badge(client.get("/")) == "1"
    restricted.team.remove(teammate)  # taken off the team of a restricted agreement
    page = client.get("/notifications/").content.decode()
    assert "Secret step" not in page and restricted.reference not in page
    assert badge(client.get("/")) is None
    assert client.post(f"/notifications/{gone.pk}/read/").status_code == 404
    restricted.team.add(teammate)  # back on the team: there again, still unread
    assert badge(client.get("/")) == "1"


def test_anonymous_people_are_sent_to_sign_in(client):
    assert client.get("/notifications/").status_code == 302


def count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["officer", "manager"])
def test_the_page_and_the_badge_take_the_same_queries_for_few_and_many(client, request, who, officer):
    user = request.getfixturevalue(who)
    client.force_login(user)
    agreements = [AgreementFactory(owner=officer, confidentiality="restricted" if i % 2 else "internal")
                  for i in range(30)]
    for agreement in agreements[:2]:
        notify(user, agreement)
    paths = ["/notifications/", "/notifications/?show=unread", "/"]
    few = {path: count(client, path) for path in paths}
    for i, agreement in enumerate(agreements[2:]):
        notify(user, agreement, read=bool(i % 3), kind=["overdue", "due_soon", "escalation", "stale"][i % 4])
    many = {path: count(client, path) for path in paths}
    print(f"\n{who}: {few} queries with 2 notifications, {many} with 30")
    assert many == few
