"""Both sides confirm (issue 19): focal points on each side, a signed, expiring, single-use link by
e-mail in their language, the closure approval refused until both sides confirmed, disputes,
reminders that chase exactly once, and the agreement page that shows it all."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from agreements import confirming, workflow
from agreements.actions.milestones import complete_milestone
from agreements.models import Agreement, Confirmation, FocalPoint, Reminder, ReminderPolicy, Status
from agreements.reminders import deciding, delivery
from tests.factories import AgreementFactory, FocalPointFactory, MilestoneFactory, OrganizationFactory, UserFactory

NOW = datetime.datetime(2026, 6, 8, 1, 0, tzinfo=datetime.timezone.utc)  # Monday, 10:00 in Tokyo
SITE = "https://tracker.ministry.example"
Kind = Reminder.Kind


@pytest.fixture(autouse=True)
def site(settings, db):
    settings.SITE_URL = SITE
    ReminderPolicy.objects.create(local_hour=0)  # reminders due at any hour: the tests say when


@pytest.fixture
def kenji(db):
    return UserFactory(username="kenji", first_name="Kenji", role="Officer", language="ja", time_zone="Asia/Tokyo",
                       notify_stale=False)


@pytest.fixture
def sides(agreement, kenji, move_to):
    """The agreement in progress, with a user on the Japanese side and a contact (Russian) on the other."""
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        move_to(agreement, Status.IN_PROGRESS)
    japanese = FocalPointFactory(agreement=agreement, side=FocalPoint.Side.JAPANESE, user=kenji)
    central = FocalPointFactory(agreement=agreement, organization=OrganizationFactory(name="Ministry of Investment",
                                                                                      country="UZ"))
    return japanese, central


def request_closure(agreement, by, at=NOW):
    with time_machine.travel(at, tick=False):
        workflow.transition(agreement, Status.PENDING_CLOSURE, by=by, comment="All done")


def send_requests(at=NOW + datetime.timedelta(minutes=1)) -> list:
    """What the dispatcher sends (beat, every minute): the requests recorded when asking."""
    with time_machine.travel(at, tick=False):
        for group in delivery.recover(at):
            delivery.deliver(group, at)
    return mail.outbox


def link_of(message) -> str:
    path = next(word for word in message.body.split() if word.startswith(f"{SITE}/confirm/"))
    return path.removeprefix(SITE)


def rows(agreement, **lookup) -> list[Confirmation]:
    return list(Confirmation.objects.filter(agreement=agreement, **lookup).order_by("side"))


# --- Focal points and the e-mails --------------------------------------------------------------

def test_a_focal_point_is_a_user_or_a_contact_with_name_and_address(agreement, kenji):
    with pytest.raises(IntegrityError), transaction.atomic():
        FocalPoint.objects.create(agreement=agreement, side="japanese")  # neither
    with pytest.raises(IntegrityError), transaction.atomic():
        FocalPoint.objects.create(agreement=agreement, side="japanese", user=kenji, name="Kenji", email="k@x.jp")
    FocalPointFactory(agreement=agreement, side="japanese", user=kenji)
    with pytest.raises(IntegrityError), transaction.atomic():
        FocalPointFactory(agreement=agreement, side="japanese")  # one per side


def test_requesting_closure_asks_both_sides_by_email_in_their_language(agreement, officer, sides, kenji):
    request_closure(agreement, officer)
    assert [(c.side, c.answer) for c in rows(agreement)] == [("central_asian", ""), ("japanese", "")]
    messages = {m.to[0]: m for m in send_requests()}
    assert set(messages) == {"d.karimova@mininvest.example.uz", kenji.email}
    russian, japanese = messages["d.karimova@mininvest.example.uz"], messages[kenji.email]
    assert "Dilnoza Karimova" in russian.body and agreement.reference in russian.subject
    assert "Здравствуйте, Dilnoza Karimova!" in russian.body  # in the contact's stated language
    assert "Автоматическое сообщение" in russian.body and "様" in japanese.body  # and in the user's
    assert "2026" in japanese.body and "年" in japanese.body  # dates written the Japanese way
    assert "/preferences/" not in russian.body  # a contact has no preferences page
    for message in (russian, japanese):
        [(html, _kind)] = message.alternatives
        assert link_of(message) in html
    assert Reminder.objects.filter(kind=Kind.CONFIRMATION_REQUEST, state="sent").count() == 2
    assert Reminder.objects.get(focal_point=sides[1]).recipient is None  # the key names the contact
    assert send_requests(NOW + datetime.timedelta(minutes=10)) == list(messages.values())  # sent once


def test_the_link_works_signed_out_and_only_once(client, agreement, officer, sides):
    request_closure(agreement, officer)
    link = link_of(next(m for m in send_requests() if "karimova" in m.to[0]))
    page = client.get(link)
    assert page.status_code == 200 and agreement.reference in page.content.decode()
    assert agreement.summary not in page.content.decode() or not agreement.summary
    with time_machine.travel(NOW + datetime.timedelta(hours=2), tick=False):
        assert client.post(link, {"answer": "confirmed", "comment": "Спасибо"}).status_code == 200
        again = client.post(link, {"answer": "disputed", "comment": "changed my mind"})
    assert again.status_code == 409
    [central] = rows(agreement, side="central_asian")
    assert (central.answer, central.comment) == ("confirmed", "Спасибо")
    assert central.answered_at == NOW + datetime.timedelta(hours=2)


def test_a_tampered_link_is_refused(client, agreement, officer, sides):
    request_closure(agreement, officer)
    link = link_of(send_requests()[0])
    token = link.split("/")[2]
    value, _sep, signature = token.rpartition("~")
    pk, _dot, nonce = value.partition(".")
    other = rows(agreement)[0] if str(rows(agreement)[0].pk) != pk else rows(agreement)[1]
    for forged in (f"{other.pk}.{nonce}~{signature}", f"{pk}.{nonce}x~{signature}", f"{value}~{signature[:-2]}AA",
                   "nonsense", f"{pk}.~"):
        assert client.get(f"/confirm/{forged}/").status_code == 404
        assert client.post(f"/confirm/{forged}/", {"answer": "confirmed"}).status_code == 404
    assert not Confirmation.objects.exclude(answer="").exists()


def test_an_expired_link_says_so_and_answers_nothing(client, agreement, officer, sides):
    request_closure(agreement, officer)
    link = link_of(send_requests()[0])
    with time_machine.travel(NOW + datetime.timedelta(days=15), tick=False):
        page = client.get(link)
        assert page.context["state"] == "expired" and "novalidate" not in page.content.decode()
        assert client.post(link, {"answer": "confirmed"}).status_code == 409
    assert not Confirmation.objects.exclude(answer="").exists()


# --- The workflow obeys ------------------------------------------------------------------------

def answer_all(agreement, answer="confirmed", comment="", **lookup):
    for row in rows(agreement, answer="", **lookup):
        with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
            confirming.answer(row, answer=answer, comment=comment)


def test_approval_is_refused_until_both_sides_confirmed(agreement, officer, manager, sides):
    request_closure(agreement, officer)
    with pytest.raises(workflow.TransitionError, match="Japanese side has not confirmed yet"):
        workflow.transition(agreement, Status.COMPLETED, by=manager)
    answer_all(agreement, side="japanese")
    with pytest.raises(workflow.TransitionError, match="Central Asian side has not confirmed yet"):
        workflow.transition(agreement, Status.COMPLETED, by=manager)
    [approve] = [o for o in workflow.available_transitions(agreement, manager) if o.rule is workflow.APPROVE]
    assert "Central Asian side" in approve.blocked_reason  # the page's disabled button says why
    answer_all(agreement)
    workflow.transition(agreement, Status.COMPLETED, by=manager)
    assert agreement.status == Status.COMPLETED


def test_the_page_tells_the_manager_why_approval_waits(client, agreement, officer, manager, sides):
    request_closure(agreement, officer)
    client.force_login(manager)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Approval needs both sides&#x27; confirmation: the Japanese side has not confirmed yet." in page
    assert "Dilnoza Karimova" in page and "Ministry of Investment" in page and "Kenji" in page


def test_an_agreement_without_focal_points_closes_as_before(agreement, officer, manager, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=officer)
    workflow.transition(agreement, Status.COMPLETED, by=manager)
    assert agreement.status == Status.COMPLETED and not Confirmation.objects.exists()


def test_a_dispute_blocks_approval_shows_its_comment_and_can_be_asked_again(client, agreement, officer, manager,
                                                                              sides):
    request_closure(agreement, officer)
    with pytest.raises(confirming.AnswerError):
        confirming.answer(rows(agreement, side="central_asian")[0], answer="disputed", comment="  ")
    answer_all(agreement, side="japanese")
    answer_all(agreement, answer="disputed", comment="The training report <b>is missing</b>", side="central_asian")
    with pytest.raises(workflow.TransitionError, match="disputed the closure"):
        workflow.transition(agreement, Status.COMPLETED, by=manager)
    client.force_login(officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "The training report &lt;b&gt;is missing&lt;/b&gt;" in page  # in the log and the timeline, escaped
    assert "Disputed" in page and "disputed the closure" in page
    assert client.post(f"/agreements/{agreement.reference}/confirmations/ask/").status_code == 302
    fresh = rows(agreement, side="central_asian", answer="")
    assert len(fresh) == 1 and len(rows(agreement, side="japanese")) == 1  # only the side that disputed
    answer_all(agreement)
    workflow.transition(agreement, Status.COMPLETED, by=manager)


def test_a_new_closure_request_asks_again_and_old_answers_do_not_count(agreement, officer, manager, sides):
    request_closure(agreement, officer)
    answer_all(agreement)
    workflow.transition(agreement, Status.IN_PROGRESS, by=manager, comment="Report missing")  # rejected
    request_closure(agreement, officer, at=NOW + datetime.timedelta(days=2))
    with pytest.raises(workflow.TransitionError, match="has not confirmed yet"):
        workflow.transition(agreement, Status.COMPLETED, by=manager)


# --- Milestones ----------------------------------------------------------------------------------

def test_a_milestone_that_needs_confirmation_awaits_it(client, agreement, officer, sides, kenji):
    milestone = MilestoneFactory(agreement=agreement, title="Training held", needs_counterpart_confirmation=True)
    with time_machine.travel(NOW, tick=False):
        complete_milestone(milestone, by=officer, done_on=NOW.date(), evidence="Attendance list: 24 engineers",
                           expected_version=None)
    assert len(rows(agreement, milestone=milestone)) == 2
    client.force_login(officer)
    assert "Awaiting confirmation" in client.get(agreement.get_absolute_url()).content.decode()
    message = next(m for m in send_requests() if "karimova" in m.to[0])
    assert "Training held" in message.subject and "Attendance list: 24 engineers" in message.body
    page = client.get(link_of(message)).content.decode()
    assert "Attendance list: 24 engineers" in page
    answer_all(agreement)
    assert "Awaiting confirmation" not in client.get(agreement.get_absolute_url()).content.decode()
    assert confirming.milestone_answers(agreement) == {milestone.pk: "confirmed"}


def test_the_owner_asks_for_confirmation_when_adding_a_milestone_on_the_page(client, agreement, officer, sides):
    client.force_login(officer)
    response = client.post(f"/agreements/{agreement.reference}/milestones/", {
        "new-title": "Plant commissioned", "new-due_on": "2026-09-01", "new-owner": "",
        "new-needs_counterpart_confirmation": "on", "new-version": agreement.version})
    assert response.status_code == 302
    assert agreement.milestones.get(title="Plant commissioned").needs_counterpart_confirmation
    assert "When done, the focal points are asked to confirm it." in client.get(agreement.get_absolute_url()).content.decode()


def test_a_focal_point_is_not_asked_to_confirm_their_own_milestone(agreement, kenji, sides):
    agreement.team.add(kenji)
    milestone = MilestoneFactory(agreement=agreement, needs_counterpart_confirmation=True)
    complete_milestone(milestone, by=kenji, done_on=datetime.date(2026, 1, 5), evidence="", expected_version=None)
    assert [c.side for c in rows(agreement)] == ["central_asian"]


# --- Reminders chase, exactly once ----------------------------------------------------------------

def sweep(at):
    with time_machine.travel(at, tick=False):
        result = deciding.sweep(at)
        for group in result.groups:
            delivery.deliver(group, at)
    return result


def test_reminders_chase_unanswered_confirmations_exactly_once(agreement, officer, sides):
    request_closure(agreement, officer)
    send_requests()
    answer_all(agreement, side="japanese")
    mail.outbox.clear()
    later = NOW + datetime.timedelta(days=3, hours=1)
    sweep(later)
    sweep(later + datetime.timedelta(minutes=15))  # a second sweep adds nothing
    [chase] = [m for m in mail.outbox if "/confirm/" in m.body]
    assert chase.to == ["d.karimova@mininvest.example.uz"] and link_of(chase).startswith("/confirm/")
    assert Reminder.objects.filter(kind=Kind.CONFIRMATION_WAITING, state="sent").count() == 1
    answer_all(agreement)
    sweep(NOW + datetime.timedelta(days=6, hours=1))  # answered: nothing to chase
    assert Reminder.objects.filter(kind=Kind.CONFIRMATION_WAITING).count() == 1


def test_a_chase_already_queued_is_cancelled_once_answered(agreement, officer, sides):
    request_closure(agreement, officer)
    send_requests()
    later = NOW + datetime.timedelta(days=3, hours=1)
    with time_machine.travel(later, tick=False):
        result = deciding.sweep(later)
    answer_all(agreement)
    mail.outbox.clear()
    for group in result.groups:
        delivery.deliver(group, later)
    assert [m for m in mail.outbox if "/confirm/" in m.body] == []
    assert set(Reminder.objects.filter(kind=Kind.CONFIRMATION_WAITING).values_list("state", flat=True)) == {"cancelled"}


# --- The page and restricted agreements ------------------------------------------------------------

def test_the_agreement_page_keeps_its_queries_as_confirmations_grow(client, agreement, officer, sides,
                                                                     django_assert_max_num_queries):
    from django.db import connection

    request_closure(agreement, officer)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as small:
        client.get(agreement.get_absolute_url())
    for day in range(1, 6):
        confirming.ask(agreement, by=officer, now=NOW + datetime.timedelta(minutes=day))
        milestone = MilestoneFactory(agreement=agreement, state="done", done_on=datetime.date(2026, 1, day),
                                     needs_counterpart_confirmation=True)
        confirming.ask(agreement, milestone=milestone, by=officer)
    answer_all(agreement, answer="disputed", comment="no")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(agreement.get_absolute_url())
    assert page.content.decode().count("Disputed") >= 10


def test_a_restricted_agreement_stays_hidden_and_the_link_shows_only_what_to_confirm(client, restricted, officer,
                                                                                   other_officer, move_to):
    move_to(restricted, Status.IN_PROGRESS)
    restricted.summary = "Confidential negotiating position"
    restricted.save(update_fields=["summary"])
    FocalPointFactory(agreement=restricted, side="japanese", user=other_officer)  # may not see it in the tracker
    request_closure(restricted, officer)
    [message] = send_requests()  # the e-mail still goes: the link is the focal point's only window
    assert message.to == [other_officer.email]
    page = client.get(link_of(message)).content.decode()
    assert restricted.reference in page and "Confidential negotiating position" not in page
    client.force_login(other_officer)
    assert client.get(restricted.get_absolute_url()).status_code == 404
    assert client.post(f"/agreements/{restricted.reference}/confirmations/ask/").status_code == 404


def test_a_focal_point_replaced_since_the_request_can_no_longer_answer(client, agreement, officer, sides):
    request_closure(agreement, officer)
    link = link_of(next(m for m in send_requests() if "karimova" in m.to[0]))
    with pytest.raises(RestrictedError):
        sides[1].delete()  # the log keeps its focal point
    sides[1].name, sides[1].email = "Rustam Alimov", "r.alimov@mininvest.example.uz"  # another person now
    sides[1].save()
    assert client.get(link).status_code == 404
    assert not Confirmation.objects.filter(~Q(answer="")).exists()
    agreement.delete()  # with its agreement, the focal points and their log go


@pytest.mark.django_db(transaction=True)
def test_two_answers_of_the_same_link_at_once_record_exactly_one(require_postgres, officer, manager, kenji):
    from tests.concurrency import at_once

    agreement = AgreementFactory(owner=officer)
    for step in (Status.SIGNED, Status.IN_PROGRESS):
        workflow.transition(agreement, step, by=manager)
    FocalPointFactory(agreement=agreement)
    workflow.transition(agreement, Status.PENDING_CLOSURE, by=officer)
    [row] = rows(agreement)

    def answering(answer, comment):
        def call(start):
            found = confirming.read(confirming.token_for(row))
            start()
            try:
                confirming.answer(found, answer=answer, comment=comment)
                return "recorded"
            except confirming.AnswerError:
                return "refused"
        return call

    results = at_once(answering("confirmed", ""), answering("disputed", "Not yet"))
    assert sorted(results) == ["recorded", "refused"]
    [row] = rows(agreement)
    assert row.answer == ("confirmed" if results[0] == "recorded" else "disputed")


def test_a_milestone_marked_done_in_the_admin_asks_the_focal_points_too(client, agreement, data_entry, sides):
    from tests.admin.test_admin import change_data

    milestone = MilestoneFactory(agreement=agreement, title="Survey delivered", needs_counterpart_confirmation=True)
    agreement.refresh_from_db()
    client.force_login(data_entry)
    data = change_data(agreement)
    data.update({"milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "1", "milestones-0-id": milestone.pk,
                 "milestones-0-agreement": agreement.pk, "milestones-0-title": milestone.title,
                 "milestones-0-due_on": milestone.due_on.isoformat(), "milestones-0-owner": "",
                 "milestones-0-weight": milestone.weight, "milestones-0-needs_counterpart_confirmation": "on",
                 "milestones-0-state": "done", "milestones-0-done_on": "2026-06-01",
                 "milestones-0-evidence": "Report received", "milestones-0-waiver_reason": ""})
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"/admin/agreements/agreement/{agreement.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(rows(agreement, milestone=milestone)) == 2  # both sides asked, as from the page
    data["expected_version"] = Agreement.objects.get(pk=agreement.pk).version
    with time_machine.travel(NOW, tick=False):
        client.post(f"/admin/agreements/agreement/{agreement.pk}/change/", data)  # saved again: not asked twice
    assert len(rows(agreement, milestone=milestone)) == 2


def test_managers_are_told_a_closure_waits_only_once_both_sides_confirmed(agreement, officer, manager, sides):
    """Before, a manager could not approve it: the focal points are chased, not the managers."""
    request_closure(agreement, officer)
    later = NOW + datetime.timedelta(days=4)
    assert [d for d in deciding.decide(later) if d.kind == Kind.CLOSURE_WAITING] == []
    answer_all(agreement, side="japanese")
    assert [d for d in deciding.decide(later) if d.kind == Kind.CLOSURE_WAITING] == []
    answer_all(agreement)
    assert manager in [d.recipient for d in deciding.decide(later) if d.kind == Kind.CLOSURE_WAITING]
