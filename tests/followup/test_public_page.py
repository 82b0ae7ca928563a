"""The public progress page: only agreements marked public, no personal data, no sign-in, the
three languages, cacheable; and nothing else opens to a signed-out visitor."""
from __future__ import annotations

import datetime

import pytest

from agreements import policy
from agreements.actions import milestones
from agreements.models import AgreementStage, Stage
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(officer):
    agreement = AgreementFactory(owner=officer, status="in_progress", signed_on=datetime.date(2025, 12, 20),
                                 confidentiality="public", kind="loan", title="Yen loan for the Tashkent ring road",
                                 value=1_000_000, currency="JPY", percent_complete=40)
    done = MilestoneFactory(agreement=agreement, owner=officer, title="Loan agreement effective")
    milestones.complete_milestone(done, by=officer, done_on=datetime.date(2026, 2, 1), evidence="Gazette no. 7",
                                  expected_version=None)
    MilestoneFactory(agreement=agreement, owner=officer, title="First disbursement")
    AgreementStage.objects.create(agreement=agreement, stage=Stage.objects.get(kind="loan", position=2),
                                  reached_on=datetime.date(2026, 2, 1))
    return agreement


def test_signed_out_visitors_see_the_public_agreements_and_nothing_personal(client, published, agreement, restricted):
    response = client.get("/public/")
    assert response.status_code == 200
    page = response.content.decode()
    assert published.reference in page and "Yen loan for the Tashkent ring road" in page
    assert "Stage: Effective" in page and "1 of 2 milestones done" in page and "Loan agreement effective" in page
    assert agreement.reference not in page and restricted.reference not in page  # internal, restricted: never
    for secret in (published.owner.username, published.owner.get_full_name(), published.owner.email, "Gazette no. 7"):
        assert secret and secret not in page
    assert "csrfmiddlewaretoken" not in page
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


def test_the_page_in_each_language(client, published):
    ru = client.get("/public/?lang=ru")
    assert ru["Content-Language"] == "ru" and 'lang="ru"' in ru.content.decode()
    assert "Этап: Вступило в силу" in ru.content.decode()
    ja = client.get("/public/", HTTP_ACCEPT_LANGUAGE="ja")
    assert ja["Content-Language"] == "ja" and "発効" in ja.content.decode()
    assert client.get("/public/?lang=kk")["Content-Language"] == "en"  # not one of ours: the browser's, else English


def test_the_initiative_roll_up_over_the_public_agreements(client, published, officer):
    AgreementFactory(owner=officer, status="in_progress", signed_on=datetime.date(2025, 12, 20), confidentiality="public",
                     percent_complete=80, value=3_000_000, currency="JPY")
    rollup = client.get("/public/").context["rollup"]
    assert rollup.total.count == 2 and rollup.total.by_count == 60
    assert rollup.total.by_value == [("JPY", 70, 4_000_000)]  # (1 × 40 + 3 × 80) ÷ 4


def test_public_is_only_the_page_signed_out(client, published):
    for path in (published.get_absolute_url(), "/agreements/", "/reports/", "/agreements/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), path


def test_public_agreements_are_read_by_every_signed_in_user(published, other_officer, viewer):
    assert policy.can_view(other_officer, published) and policy.can_view(viewer, published)
    assert published in policy.visible_agreements(viewer)


def test_the_page_makes_the_same_queries_for_more_agreements(client, published, officer, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/public/")
    for _ in range(6):
        more = AgreementFactory(owner=officer, status="in_progress", signed_on=datetime.date(2025, 12, 20),
                                confidentiality="public")
        MilestoneFactory(agreement=more)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/public/")
