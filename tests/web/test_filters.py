"""The shared agreement filters: each query parameter narrows to exactly the right rows."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.http import QueryDict
from django.test import RequestFactory

from agreements.actions.progress import record_progress
from agreements.filters import AgreementFilter
from agreements.models import Agreement, FocusArea, Party, Pillar
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory

TODAY = datetime.date(2026, 6, 10)


def refs(query: str, user=None) -> set[str]:
    request = RequestFactory().get("/agreements/", QueryDict(query))
    request.user = user
    filterset = AgreementFilter(request.GET, queryset=Agreement.objects.all(), request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("reference", flat=True))


@pytest.fixture
def three(db, officer, other_officer):
    a = AgreementFactory(reference="A-1", title="Solar plant in Navoi", owner=officer)
    b = AgreementFactory(reference="B-2", title="Rail corridor", owner=other_officer,
                         pillar=Pillar.objects.get(code="connectivity"))
    c = AgreementFactory(reference="C-3", title="Hospital equipment", summary="Cardiology centre", owner=officer,
                         pillar=Pillar.objects.get(code="human-resources"), value=100, currency="JPY")
    a.focus_areas.add(FocusArea.objects.get(code="renewable-transition"))
    kz = OrganizationFactory(name="Kazatomprom", country="KZ")
    Party.objects.create(agreement=b, organization=kz)
    return a, b, c


@time_machine.travel(datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.timezone.utc), tick=False)
def test_each_parameter_narrows(three, officer):
    a, b, c = three
    assert refs("q=solar") == {"A-1"}
    assert refs("q=cardiology") == {"C-3"}
    assert refs("q=kazatom") == {"B-2"}
    assert refs("pillar=connectivity") == {"B-2"}
    assert refs("pillar=connectivity&pillar=human-resources") == {"B-2", "C-3"}
    assert refs("focus_area=renewable-transition") == {"A-1"}
    assert refs("country=KZ") == {"B-2"}
    assert refs("country=UZ") == {"A-1", "B-2", "C-3"}
    assert refs(f"owner={officer.username}") == {"A-1", "C-3"}
    assert refs("owner=me", user=officer) == {"A-1", "C-3"}
    assert refs("status=draft") == {"A-1", "B-2", "C-3"}
    assert refs("status=signed") == set()
    assert refs("signed_after=2025-12-20") == set()
    MilestoneFactory(agreement=a, due_on=TODAY - datetime.timedelta(days=1))
    MilestoneFactory(agreement=b, due_on=TODAY + datetime.timedelta(days=20))
    assert refs("overdue=true") == {"A-1"}
    assert refs("due_within=30") == {"B-2"}
    assert refs("due_within=10") == set()


@time_machine.travel(datetime.datetime(2026, 6, 10, 12, tzinfo=datetime.timezone.utc), tick=False)
def test_stale_and_quality_filters(three, officer, move_to):
    a, b, c = three
    for agreement in three:
        move_to(agreement, "in_progress")
    record_progress(a, by=officer, percent_complete=10, health="at_risk", summary="x")
    assert refs("stale=true") == {"B-2", "C-3"}
    assert refs("health=at_risk") == {"A-1"}
    assert refs("quality=no_update") == {"B-2", "C-3"}
    assert refs("quality=no_lead_organization") == {"A-1", "B-2", "C-3"}
    Agreement.objects.filter(pk=c.pk).update(currency="")
    assert refs("quality=value_without_currency") == {"C-3"}
    MilestoneFactory(agreement=b, due_on=TODAY + datetime.timedelta(days=5))
    assert refs("quality=no_future_milestone") == {"A-1", "C-3"}


def test_an_agreement_with_many_matching_parties_is_listed_once(three):
    a = three[0]
    for n in range(3):
        Party.objects.create(agreement=a, organization=OrganizationFactory(name=f"Uz org {n}", country="UZ"))
    filterset = AgreementFilter(QueryDict("country=UZ&q=org"), queryset=Agreement.objects.all())
    # every agreement has a UZ party whose name contains "org"; A-1 has four: still one row each
    assert sorted(filterset.qs.values_list("reference", flat=True)) == ["A-1", "B-2", "C-3"]


def test_invalid_values_are_reported_not_raised(db):
    filterset = AgreementFilter(QueryDict("status=nonsense&signed_after=yesterday&due_within=-4&pillar=zzz"),
                                queryset=Agreement.objects.all())
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"status", "signed_after", "due_within", "pillar"}
    list(filterset.qs)  # still evaluates, ignoring the invalid parameters


def test_sorting(three):
    filterset = AgreementFilter(QueryDict("sort=-reference"), queryset=Agreement.objects.all())
    assert [a.reference for a in filterset.qs] == ["C-3", "B-2", "A-1"]
