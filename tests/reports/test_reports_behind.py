"""Figures behind other people's writes, within a bound (REPORTS_STALE_SECONDS): a manager reading
the dashboard while officers post progress gets the last count for up to 30 s, the page says when
it was counted and offers "Count again"; their own writes are always counted; past the bound, or
with the setting at 0, every view counts on the data as it stands. The workbook is always exact."""
from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import translation

from agreements.actions.progress import record_progress
from agreements.models import Status
from agreements.web import own_writes
from tests.factories import AgreementFactory
from tests.web.test_page_cache import signed_in

committed = pytest.mark.django_db(transaction=True)  # the cache is only used outside a transaction

NOW = datetime.datetime(2026, 6, 10, 9, 30, 5, tzinfo=datetime.timezone.utc)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def working(clock, officer, move_to):
    return move_to(AgreementFactory(owner=officer), Status.IN_PROGRESS)


def at_risk(client, path: str = "/reports/") -> tuple[int, str]:
    """The "at risk" headline a reader sees, and the page."""
    response = client.get(path)
    assert response.status_code == 200
    return response.context["dash"].headline["at_risk"].count, response.content.decode()


def someone_else_reports_a_risk(agreement, officer) -> None:
    record_progress(agreement, by=officer, percent_complete=30, health="at_risk", summary="Customs delay at Dostyk")


@committed
def test_another_persons_write_waits_within_the_bound_and_the_page_says_so(working, officer, manager, clock):
    client = signed_in(manager)
    assert at_risk(client)[0] == 0
    clock.shift(12)
    someone_else_reports_a_risk(working, officer)
    count, page = at_risk(client)
    assert count == 0
    assert "Figures counted 12 seconds ago: changes other people made since then are not in them yet." in page
    assert 'href="?fresh=1">Count again</a>' in page
    clock.shift(19)  # 31 s after the count: past the bound, counted again without asking
    count, page = at_risk(client)
    assert count == 1 and "Count again" not in page


@committed
def test_with_no_write_since_the_minute_turning_is_no_reason_to_warn_or_count_again(working, manager, clock):
    client = signed_in(manager)
    clock.shift(50)  # 09:30:55
    first = client.get("/reports/").context["dash"].counted
    clock.shift(10)  # 09:31:05: another minute, the same data
    response = client.get("/reports/")
    assert response.context["dash"].counted == first and "Count again" not in response.content.decode()


@committed
def test_count_again_counts_on_the_data_as_it_stands_and_keeps_the_filters(working, officer, manager):
    client = signed_in(manager)
    query = "pillar=green-resilience"
    assert at_risk(client, f"/reports/?{query}")[0] == 0
    someone_else_reports_a_risk(working, officer)
    count, page = at_risk(client, f"/reports/?{query}")
    assert count == 0 and f'href="?{query}&amp;fresh=1">Count again</a>' in page
    count, page = at_risk(client, f"/reports/?{query}&fresh=1")
    assert count == 1 and "Count again" not in page
    # The fresh count is what the next plain view gets, and the figures' links do not carry `fresh`.
    count, page = at_risk(client, f"/reports/?{query}")
    assert count == 1 and "fresh=1" not in page


@committed
def test_the_readers_own_write_is_counted_at_once(working, manager):
    client = signed_in(manager)
    assert at_risk(client)[0] == 0
    form = {"percent_complete": 20, "health": "at_risk", "summary": "Customs delay", "health_reason": "Late"}
    posted = client.post(f"{working.get_absolute_url()}progress/", form)
    assert posted.status_code == 302 and own_writes.COOKIE in posted.cookies
    count, page = at_risk(client)
    assert count == 1 and "Count again" not in page


@committed
def test_a_page_from_figures_behind_is_never_replayed_to_a_reader_who_has_written_since(working, officer, manager,
                                                                                       clock):
    """The page cache keys on the data version, which the other person's write already moved: a page
    built from the older count must not be kept under it."""
    client = signed_in(manager)
    at_risk(client)
    someone_else_reports_a_risk(working, officer)
    assert at_risk(client)[0] == 0
    clock.shift(1)
    client.cookies[own_writes.COOKIE] = f"{NOW.timestamp() + 0.5:.3f}"  # a write of theirs that changed nothing shown
    count, page = at_risk(client)
    assert count == 1 and "Count again" not in page


@committed
def test_with_the_bound_at_zero_every_view_counts_on_the_data_as_it_stands(working, officer, manager, settings):
    settings.REPORTS_STALE_SECONDS = 0
    client = signed_in(manager)
    assert at_risk(client)[0] == 0
    someone_else_reports_a_risk(working, officer)
    count, page = at_risk(client)
    assert count == 1 and "Count again" not in page


@committed
def test_the_workbook_is_always_exact(working, officer, manager):
    client = signed_in(manager)
    at_risk(client)
    someone_else_reports_a_risk(working, officer)
    assert at_risk(client)[0] == 0
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/export.xlsx").content), read_only=True)
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    assert ("Open agreements at risk or off track", 1, 1) in [tuple(row[:3]) for row in rows]


@committed
@pytest.mark.parametrize("language, words", [
    ("ru", ["Данные подсчитаны 3 секунды назад", "Пересчитать"]),
    ("ja", ["3 秒前に集計した数値です", "再集計"]),
])
def test_the_notice_is_in_the_readers_language(working, officer, manager, clock, language, words):
    manager.language = language
    manager.save(update_fields=["language"])
    client = signed_in(manager)
    at_risk(client)
    clock.shift(3)
    someone_else_reports_a_risk(working, officer)
    page = at_risk(client)[1]
    translation.activate("en")
    assert all(word in page for word in words), words


@committed
def test_only_a_signed_in_persons_unsafe_requests_leave_the_cookie(working, manager):
    anonymous = Client()
    assert own_writes.COOKIE not in anonymous.post("/accounts/login/", {"username": "x", "password": "y"}).cookies
    client = signed_in(manager)
    assert own_writes.COOKIE not in client.get("/reports/").cookies
    assert own_writes.COOKIE in client.post("/agreements/bulk/", {"do": "reassign"}).cookies


@committed
def test_the_cookie_is_http_only_same_site_and_secure_where_the_session_is(manager, settings):
    settings.SESSION_COOKIE_SECURE = True
    cookie = signed_in(manager).post("/agreements/bulk/", {"do": "reassign"}).cookies[own_writes.COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.REPORTS_STALE_SECONDS + 5
