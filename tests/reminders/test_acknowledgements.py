"""“I'm on it”: the owner of an overdue milestone acknowledges it with a new expected date and a
sentence, from a signed single-use link (signed out) or in the app; escalation pauses until that date,
a second slip is escalated at once, the digest and the timeline show it (frozen time)."""
from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agreements.actions.progress import record_progress
from agreements.models import Acknowledgement, Milestone, Reminder
from agreements.reminders import acknowledging, deciding, delivery, digest
from tests.concurrency import at_once
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

UTC = datetime.timezone.utc
SITE = "https://tracker.ministry.example"
DUE = datetime.date(2026, 6, 1)
LINK = re.compile(re.escape(SITE) + r"(/ack/[^\s\"<]+/)")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def owner(db):
    return UserFactory(username="aiko", first_name="Aiko", role="Officer", time_zone="Asia/Tokyo", notify_stale=False)


@pytest.fixture
def late(owner, move_to):
    agreement = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-031", title="Wind farm in Bukhara"),
                        "in_progress")
    return MilestoneFactory(agreement=agreement, owner=owner, title="Turbines shipped", due_on=DUE)


def send_all(now: datetime.datetime) -> list:
    """Sweep and send in this process (as `send_reminders` does); the e-mails of this sweep."""
    before = len(mail.outbox)
    with time_machine.travel(now, tick=False):
        for group in deciding.sweep(now, enqueue=False).groups:
            delivery.deliver(group, now)
    return mail.outbox[before:]


def html_of(message) -> str:
    [(html, _kind)] = message.alternatives
    return html


def link_in(message) -> str:
    [path] = set(LINK.findall(message.body))
    assert f'href="{SITE}{path}"' in html_of(message)
    return path


def acknowledge(owner, milestone, expected: str, sentence: str = "The ship was held at customs.",
                now: str = "2026-06-05"):
    return acknowledging.acknowledge(owner, milestone, expected_on=datetime.date.fromisoformat(expected),
                                     sentence=sentence, via=Acknowledgement.Via.APP, now=at(now))


def post(client, path, expected="2026-06-20", sentence="The ship was held at customs."):
    return client.post(path, {"expected_on": expected, "sentence": sentence})


# --- The link ------------------------------------------------------------------------------------------

def test_the_owners_overdue_email_carries_a_link_signed_for_them_in_text_and_html(owner, late):
    [message] = send_all(at("2026-06-02"))
    path = link_in(message)
    assert path.startswith(f"/ack/{owner.pk}.{late.pk}.20260601~")
    assert "I'm on it" in html_of(message)


def test_the_link_works_signed_out_with_a_csrf_token_and_only_once(owner, late, manager):
    path = link_in(send_all(at("2026-06-02"))[0])
    client = Client(enforce_csrf_checks=True)
    with time_machine.travel(at("2026-06-05"), tick=False):
        page = client.get(path)
        assert page.status_code == 200
        text = page.content.decode()
        assert "CAJ-2025-031" in text and "Turbines shipped" in text
        assert "Wind farm in Bukhara" not in text  # the milestone's reference and title, nothing more
        token = client.cookies["csrftoken"].value
        done = client.post(path, {"expected_on": "2026-06-20", "sentence": "Held at customs.",
                                  "csrfmiddlewaretoken": token})
        assert done.status_code == 200 and "Thank you: recorded" in done.content.decode()
        again = client.get(path)
        assert again.status_code == 410 and "Already acknowledged" in again.content.decode()
        assert post(client, path).status_code == 403  # no token this time: CSRF refuses before anything else
        assert client.post(path, {"expected_on": "2026-06-25", "sentence": "Again.",
                                  "csrfmiddlewaretoken": token}).status_code == 410
    [ack] = Acknowledgement.objects.all()
    assert (ack.by, ack.due_on, ack.expected_on, ack.sentence, ack.via) == (
        owner, DUE, datetime.date(2026, 6, 20), "Held at customs.", "link")
    assert client.get("/agreements/").status_code == 302  # nothing else of the site opened


@pytest.mark.parametrize("tamper", ["user", "milestone", "date", "signature"])
def test_a_tampered_link_is_refused(owner, late, other_officer, client, tamper):
    token = acknowledging.token_for(owner, late)
    value, stamp, signature = token.split("~")
    user_id, milestone_id, day = value.split(".")
    changed = {"user": f"{other_officer.pk}.{milestone_id}.{day}~{stamp}~{signature}",
               "milestone": f"{user_id}.{late.pk + 1}.{day}~{stamp}~{signature}",
               "date": f"{user_id}.{milestone_id}.20260602~{stamp}~{signature}",
               "signature": f"{value}~{stamp}~{signature[:-2]}xx"}[tamper]
    with time_machine.travel(at("2026-06-05"), tick=False):
        page = client.get(f"/ack/{changed}/")
        assert page.status_code == 400 and "This link does not work" in page.content.decode()
        assert post(client, f"/ack/{changed}/").status_code == 400
    assert not Acknowledgement.objects.exists()


def test_a_link_made_for_another_person_does_not_act_for_the_owner(owner, late, teammate, client):
    """A teammate's own genuine token for the milestone: they are not its owner."""
    with time_machine.travel(at("2026-06-05"), tick=False):
        assert post(client, f"/ack/{acknowledging.token_for(teammate, late)}/").status_code == 410
    assert not Acknowledgement.objects.exists()


def test_an_old_link_has_expired_and_says_so(owner, late, client):
    with time_machine.travel(at("2026-06-02"), tick=False):
        path = f"/ack/{acknowledging.token_for(owner, late)}/"
    with time_machine.travel(at("2026-06-02") + datetime.timedelta(days=acknowledging.LINK_DAYS + 1), tick=False):
        page = client.get(path)
        assert page.status_code == 410 and "This link has expired" in page.content.decode()
        assert 'href="/accounts/login/"' in page.content.decode()
        assert post(client, path, expected="2026-07-20").status_code == 410
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("change", ["moved", "done"])
def test_a_moved_or_done_milestone_voids_the_link(owner, late, client, change):
    with time_machine.travel(at("2026-06-02"), tick=False):
        path = f"/ack/{acknowledging.token_for(owner, late)}/"
    if change == "moved":
        Milestone.objects.filter(pk=late.pk).update(due_on=datetime.date(2026, 6, 3))
    else:
        Milestone.objects.filter(pk=late.pk).update(state="done", done_on=datetime.date(2026, 6, 4))
    with time_machine.travel(at("2026-06-05"), tick=False):
        page = client.get(path)
        assert page.status_code == 410 and "can no longer be used" in page.content.decode()
        assert post(client, path).status_code == 410
    assert not Acknowledgement.objects.exists()


def test_the_expected_date_is_from_today_and_the_sentence_is_required(owner, late, client):
    path = f"/ack/{acknowledging.token_for(owner, late)}/"
    with time_machine.travel(at("2026-06-05"), tick=False):
        assert post(client, path, expected="2026-06-04").status_code == 400  # yesterday in Tokyo
        assert post(client, path, expected="2026-12-31").status_code == 400  # beyond the 90 days
        assert post(client, path, sentence="   ").status_code == 400
        assert not Acknowledgement.objects.exists()
        assert post(client, path, expected="2026-06-05").status_code == 200  # today will do
    assert Acknowledgement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_link_used_twice_at_once_records_one_acknowledgement(require_postgres, owner, late):
    def use(start):
        start()
        try:
            acknowledge(owner, late, "2026-06-20")
            return "recorded"
        except acknowledging.CannotAcknowledge:
            return "refused"

    with time_machine.travel(at("2026-06-05"), tick=False):
        assert sorted(at_once(use, use)) == ["recorded", "refused"]
    assert Acknowledgement.objects.count() == 1


# --- The sweep: paused, then at once on a second slip -------------------------------------------------

def test_escalation_pauses_until_the_expected_date_then_goes_at_once_and_exactly_once(
        owner, late, manager, second_manager, django_capture_on_commit_callbacks):
    created = []
    for offset in range(30):
        day = at("2026-06-01") + datetime.timedelta(days=offset)
        if day.date() == datetime.date(2026, 6, 5):
            acknowledge(owner, late, "2026-06-20")
        for hour in (10, 16):  # two sweeps a day: the second finds nothing new
            with time_machine.travel(day.replace(hour=hour), tick=False):
                result = deciding.record(deciding.decide(day.replace(hour=hour)), day.replace(hour=hour))
            created += Reminder.objects.filter(pk__in=[pk for group in result.groups for pk in group])
    seen = sorted((r.created_at.date().isoformat(), r.kind, r.recipient.username, r.threshold) for r in created
                  if r.kind != "due_soon")
    assert seen == [
        ("2026-06-02", "overdue", "aiko", 1),
        # acknowledged on 5 June until 20 June: no repeat on 9 and 16 June, no escalation on 15 June
        ("2026-06-21", "escalation", "manager_one", 20), ("2026-06-21", "escalation", "manager_two", 20),
        ("2026-06-21", "overdue", "aiko", 20),
        ("2026-06-28", "escalation", "manager_one", 27), ("2026-06-28", "escalation", "manager_two", 27),
        ("2026-06-28", "overdue", "aiko", 27),
    ]
    assert len({r.key for r in created}) == len(created)
    assert all(f"m{late.pk}.k" in r.key for r in created if r.created_at.date() > datetime.date(2026, 6, 20))


def test_a_milestone_acknowledged_before_escalation_is_escalated_the_day_after_its_new_date(
        owner, late, manager, second_manager):
    acknowledge(owner, late, "2026-06-04", now="2026-06-03")
    assert [d.kind for d in deciding.decide(at("2026-06-04"))] == []
    assert sorted((d.kind, d.threshold) for d in deciding.decide(at("2026-06-05"))) == [
        ("escalation", 4), ("escalation", 4), ("overdue", 4)]  # 4 days overdue, not the usual 14


def test_an_escalation_queued_before_the_acknowledgement_is_not_sent(owner, late, manager, second_manager):
    """The sweep decided the escalation; before a worker sent it, the owner said "I'm on it"."""
    with time_machine.travel(at("2026-06-16"), tick=False):
        result = deciding.record(deciding.decide(at("2026-06-16")), at("2026-06-16"))
    acknowledge(owner, late, "2026-06-25", now="2026-06-16")
    before = len(mail.outbox)
    with time_machine.travel(at("2026-06-16", 11), tick=False):
        for group in result.groups:
            delivery.deliver(group, at("2026-06-16", 11))
    assert len(mail.outbox) == before
    cancelled = Reminder.objects.filter(milestone=late, kind__in=["overdue", "escalation"])
    assert {r.state for r in cancelled} == {"cancelled"} and cancelled.count() == 3
    assert "acknowledged" in cancelled.first().last_error


def test_moving_the_due_date_ends_the_acknowledgement(owner, late, manager, second_manager):
    acknowledge(owner, late, "2026-06-20")
    Milestone.objects.filter(pk=late.pk).update(due_on=datetime.date(2026, 6, 10))
    decided = deciding.decide(at("2026-06-11"))
    assert [(d.kind, d.threshold, d.key) for d in decided] == [
        ("overdue", 1, f"overdue:m{late.pk}:2026-06-10:1:u{owner.pk}")]


def test_deciding_needs_the_same_queries_for_3_or_30_acknowledged_milestones(owner, manager, move_to):
    counts = []
    for size in (3, 30):
        for _n in range(size):
            agreement = move_to(AgreementFactory(owner=owner), "in_progress")
            acknowledge(owner, MilestoneFactory(agreement=agreement, owner=owner, due_on=DUE), "2026-06-10")
        with CaptureQueriesContext(connection) as queries:
            decided = deciding.decide(at("2026-06-21"))
        assert len([d for d in decided if d.kind == "escalation"]) >= size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- What the e-mails, the digest, the timeline and the app show -------------------------------------

def test_the_managers_see_the_acknowledgement_but_never_the_owners_link(owner, late, manager, second_manager,
                                                                          client):
    acknowledge(owner, late, "2026-06-20", sentence="Held at <customs> & port.")
    sent = send_all(at("2026-06-21"))
    [to_manager] = [m for m in sent if m.to == [manager.email]]
    assert "Aiko" in to_manager.body and "Held at <customs> & port." in to_manager.body
    assert "That date has passed." in to_manager.body
    assert "Held at &lt;customs&gt; &amp; port." in html_of(to_manager)
    assert "/ack/" not in to_manager.body and "/ack/" not in html_of(to_manager)
    [to_owner] = [m for m in sent if m.to == [owner.email]]
    assert "Held at <customs> & port." in to_owner.body and "/ack/" not in to_owner.body  # already used
    client.force_login(manager)  # the in-app notification quotes it as the e-mail did, escaped
    with time_machine.travel(at("2026-06-21"), tick=False):
        text = client.get("/notifications/").content.decode()
    assert "Held at &lt;customs&gt; &amp; port." in text and "That date has passed." in text
    assert "/acknowledge/" not in text


def test_the_digest_lists_acknowledged_milestones_and_honest_health(owner, manager, move_to):
    manager.notify_digest = True
    manager.save()
    rosy = move_to(AgreementFactory(owner=owner, reference="CAJ-2025-040"), "in_progress")
    with time_machine.travel(at("2026-05-20"), tick=False):
        record_progress(rosy, by=owner, percent_complete=50, health="on_track", summary="All fine.")
    late = MilestoneFactory(agreement=rosy, owner=owner, title="Permits granted", due_on=DUE)
    acknowledge(owner, late, "2026-06-12", sentence="The ministry signs on Friday.")
    [message] = [m for m in send_all(at("2026-06-08")) if m.to == [manager.email]]  # Monday
    assert "Acknowledged overdue milestones: 1" in message.body
    assert "The ministry signs on Friday." in message.body and "Aiko" in message.body
    assert "expects it by 12 Jun 2026" in message.body
    assert "Reported better than the data suggests: 1" in message.body
    assert "reported On track, data suggests At risk" in message.body
    assert f'href="{SITE}/reports/#honest-health"' in html_of(message)
    assert "1 overdue milestone acknowledged" in message.subject
    assert "1 reported better than the data" in message.subject


def test_the_digest_needs_the_same_queries_for_12_or_42_acknowledged_milestones(owner, manager, move_to):
    """(Below ITEMS_PER_SECTION a section needs no COUNT: both sizes are above it.)"""
    counts, total = [], 0
    for size in (12, 30):
        for _n in range(size):
            agreement = move_to(AgreementFactory(owner=owner), "in_progress")
            acknowledge(owner, MilestoneFactory(agreement=agreement, owner=owner, due_on=DUE), "2026-06-10")
        total += size
        with CaptureQueriesContext(connection) as queries:
            summary = digest.summary(manager, at("2026-06-08"))
        assert (summary.sections[2].name, summary.sections[2].count) == ("acknowledged", total)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_timeline_records_it_with_the_sentence_escaped(owner, late, client):
    acknowledge(owner, late, "2026-06-20", sentence="<b>Customs</b> held it.")
    client.force_login(owner)
    with time_machine.travel(at("2026-06-06"), tick=False):
        text = client.get("/agreements/CAJ-2025-031/").content.decode()
    assert "is on “Turbines shipped” (due 1 June 2026): expected by 20 June 2026" in text
    assert "&lt;b&gt;Customs&lt;/b&gt; held it." in text and "<b>Customs</b>" not in text


def test_the_owner_acknowledges_in_the_app_from_the_notification(owner, late, client, teammate, manager):
    send_all(at("2026-06-02"))
    path = f"/agreements/CAJ-2025-031/milestones/{late.pk}/acknowledge/"
    with time_machine.travel(at("2026-06-03"), tick=False):
        client.force_login(owner)
        assert f'href="{path}"' in client.get("/notifications/").content.decode()
        assert f'href="{path}"' in client.get("/agreements/CAJ-2025-031/").content.decode()
        assert client.get(path).status_code == 200
        assert post(client, path).status_code == 302
        assert f'href="{path}"' not in client.get("/notifications/").content.decode()
        assert client.get(path).status_code == 409
        for other in (teammate, manager):  # only the owner says "I'm on it"
            client.force_login(other)
            assert client.get(path).status_code in (403, 404)
    assert Acknowledgement.objects.get().via == "app"


@pytest.mark.parametrize("language, due", [("ru", "1 июня 2026"), ("ja", "2026年6月1日")])
def test_the_email_in_russian_and_japanese_carries_a_working_link(owner, late, language, due):
    owner.language = language
    owner.save()
    [message] = send_all(at("2026-06-02"))
    assert due in message.body
    path = link_in(message)
    client = Client()
    with time_machine.travel(at("2026-06-03"), tick=False):
        page = client.get(path)
        assert page.status_code == 200 and f'lang="{language}"' in page.content.decode()
        assert post(client, path).status_code == 200
    assert Acknowledgement.objects.get().via == "link"
