"""The list parameters added for the dashboard's drill-downs: currency and the month ranges
(a milestone due / done, a status change between two days, ends included)."""
from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.http import QueryDict
from django.utils import timezone

from agreements.filters import AgreementFilter
from agreements.models import Agreement, TransitionLog
from agreements.reports import figures
from tests.factories import AgreementFactory, MilestoneFactory

UTC = datetime.timezone.utc


def refs(query: str) -> set[str]:
    filterset = AgreementFilter(QueryDict(query), queryset=Agreement.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("reference", flat=True))


@pytest.fixture
def pair(db):
    return AgreementFactory(reference="A-1", value=5, currency="JPY"), AgreementFactory(reference="B-2")


def test_currency_matches_whatever_the_case(pair):
    Agreement.objects.filter(reference="B-2").update(currency="usd", value=7)
    assert refs("currency=JPY") == {"A-1"}
    assert refs("currency=USD") == {"B-2"}
    assert refs("currency=jpy") == {"A-1"}


def test_milestone_due_range_includes_both_ends_and_leaves_out_waived(pair):
    a, b = pair
    MilestoneFactory(agreement=a, due_on=datetime.date(2026, 3, 1))
    MilestoneFactory(agreement=b, due_on=datetime.date(2026, 3, 31), state="waived", waiver_reason="Not needed")
    assert refs("milestone_due_after=2026-03-01&milestone_due_before=2026-03-31") == {"A-1"}
    assert refs("milestone_due_after=2026-03-02") == set()
    assert refs("milestone_due_before=2026-03-01") == {"A-1"}


def test_milestone_done_range_applies_to_one_milestone(pair):
    a, _b = pair
    MilestoneFactory(agreement=a, due_on=datetime.date(2026, 1, 1), state="done", done_on=datetime.date(2026, 1, 5))
    MilestoneFactory(agreement=a, due_on=datetime.date(2026, 5, 1), state="done", done_on=datetime.date(2026, 5, 5))
    assert refs("milestone_done_after=2026-01-01&milestone_done_before=2026-01-31") == {"A-1"}
    # one milestone done after February and one before April, but none in between:
    assert refs("milestone_done_after=2026-02-01&milestone_done_before=2026-03-31") == set()


def test_status_changed_uses_the_days_of_the_users_time_zone(pair, manager, move_to):
    a, _b = pair
    move_to(a, "signed")
    # 31 January 20:00 UTC is already 1 February in Tokyo.
    TransitionLog.objects.filter(agreement=a).update(at=datetime.datetime(2026, 1, 31, 20, tzinfo=UTC))
    february = "status_changed_after=2026-02-01&status_changed_before=2026-02-28"
    assert refs(february) == set()
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert refs(february) == {"A-1"}


@time_machine.travel(datetime.datetime(2026, 6, 10, 9, tzinfo=UTC), tick=False)
def test_dashboard_months_follow_the_users_time_zone_like_the_list(pair, manager, move_to, client):
    a, _b = pair
    move_to(a, "signed")
    TransitionLog.objects.filter(agreement=a).update(at=datetime.datetime(2026, 1, 31, 20, tzinfo=UTC))
    manager.time_zone = "Asia/Tokyo"
    manager.save()
    client.force_login(manager)
    months = {m.start: m for m in client.get("/reports/").context["dash"].months}
    assert months[datetime.date(2026, 2, 1)].changes.count == 1
    assert months[datetime.date(2026, 1, 1)].changes.count == 0
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert refs(months[datetime.date(2026, 2, 1)].changes.query) == {"A-1"}


def test_progress_keeps_the_latest_months_only(pair):
    months = figures.month_starts(datetime.date(2019, 12, 19), datetime.date(2026, 6, 10))
    assert len(months) == figures.MAX_MONTHS
    assert months[-1] == datetime.date(2026, 6, 1) and months[0] == datetime.date(2023, 7, 1)
