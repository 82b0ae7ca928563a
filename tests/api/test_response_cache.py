"""The API's reads from the cache (agreements/api/response_cache.py): a repeat read is answered
without the list's queries, is the answer a fresh computation would give, and is given only to a
caller who may have it — after a write, to another person, with a revoked token, under the throttle,
and on the next day."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.actions.progress import record_progress
from agreements.models import ApiToken, Status
from tests.factories import AgreementFactory, MilestoneFactory

committed = pytest.mark.django_db(transaction=True)  # the cache is only used outside a transaction
LIST = "/api/v1/agreements/?status=in_progress"


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    caches["pages"].clear()
    caches["throttle"].clear()
    yield
    caches["pages"].clear()
    caches["throttle"].clear()


def read(client, path: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, len(queries)


@committed
def test_a_repeat_read_comes_from_the_cache_and_a_write_shows_on_the_next(api, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    client = api(officer)
    first, computed = read(client, LIST)
    again, cached = read(client, LIST)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and [row["reference"] for row in again.json()["results"]] == [agreement.reference]
    assert cached <= 3 < computed, (computed, cached)  # the token (with its user), the data version

    record_progress(agreement, by=officer, percent_complete=40, health="at_risk", summary="Customs delay")
    fresh, counted = read(client, LIST)
    row = fresh.json()["results"][0]
    assert counted > 3 and (row["health"], row["percent_complete"]) == ("at_risk", 40)


@committed
def test_the_detail_and_its_etag_follow_the_agreement(api, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    client, path = api(officer), f"/api/v1/agreements/{agreement.reference}/"
    first = client.get(path)
    again, cached = read(client, path)
    assert cached <= 3 and again["ETag"] == first["ETag"] and again.json() == first.json()
    posted = client.post(f"{path}progress/", {"percent_complete": 55, "health": "on_track", "summary": "Survey done"},
                         headers={"If-Match": first["ETag"]})
    assert posted.status_code == 201
    after = client.get(path)
    assert after["ETag"] == posted["ETag"]
    assert after.json()["latest_progress"]["summary"] == "Survey done"


@committed
def test_another_person_never_gets_the_first_persons_answer(api, officer, viewer):
    AgreementFactory(owner=officer, confidentiality="restricted", title="Rare earths offtake", status="in_progress")
    assert [row["title"] for row in api(officer).get(LIST).json()["results"]] == ["Rare earths offtake"]
    assert api(viewer).get(LIST).json()["results"] == []


@committed
def test_a_revoked_token_is_refused_even_for_a_cached_answer(api, officer, agreement):
    client = api(officer)
    assert [client.get(LIST).status_code for _ in range(2)] == [200, 200]
    ApiToken.objects.get(user=officer).revoke()
    assert client.get(LIST).status_code == 401


@committed
def test_cached_answers_count_against_the_tokens_rate(api, officer, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/minute"}}
    client = api(officer)
    assert [client.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]


@committed
def test_overdue_turns_on_the_next_day_without_a_write(api, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 59, 30, tzinfo=timezone.get_current_timezone()),
                             tick=False) as clock:
        MilestoneFactory(agreement=agreement, owner=officer, due_on=datetime.date(2026, 3, 10))
        client = api(officer)
        assert [m["overdue"] for m in client.get("/api/v1/milestones/").json()["results"]] == [False]
        assert [m["overdue"] for m in client.get("/api/v1/milestones/").json()["results"]] == [False]
        clock.shift(datetime.timedelta(minutes=1))
        assert [m["overdue"] for m in client.get("/api/v1/milestones/").json()["results"]] == [True]


@committed
def test_nothing_is_kept_when_switched_off(api, officer, agreement, move_to, settings):
    move_to(agreement, Status.IN_PROGRESS)
    settings.PAGE_CACHE_SECONDS = 0
    client = api(officer)
    client.get(LIST)
    assert read(client, LIST)[1] > 3
