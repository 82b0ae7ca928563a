"""Stage ladders per kind: seeded as data, recorded on the page, behind-plan flags, the report
per stage and kind with its drill-down to the list."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from agreements.followup import stages
from agreements.models import Agreement, AgreementStage, Stage
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def names(kind: str) -> list[str]:
    return list(Stage.objects.filter(kind=kind).order_by("position").values_list("name_en", flat=True))


def test_the_ladders_are_seeded_from_how_the_instruments_proceed():
    assert names("loan") == ["Signed", "Effective", "First disbursement", "Fully disbursed", "Completed"]
    assert names("grant") == ["Exchange of notes", "Grant agreement", "Procurement", "Handover"]
    assert names("treaty") == ["Signed", "Ratified by each party", "In force"]
    assert names("mou") == ["Signed", "Working group formed", "Action plan agreed", "Projects launched"]
    assert names("supply") == ["Signed", "First delivery", "Regular supply"]
    with translation.override("ja"):
        assert Stage.objects.get(kind="treaty", position=3).name == "発効"
    with translation.override("ru"):
        assert Stage.objects.get(kind="loan", position=3).name == "Первый транш"


def stage(kind: str, position: int) -> Stage:
    return Stage.objects.get(kind=kind, position=position)


@time_machine.travel(TODAY)
def test_the_ladder_says_current_stage_and_what_is_behind(officer):
    loan = AgreementFactory(kind="loan", owner=officer)
    stages.record_stage(loan, stage("loan", 1), by=officer, planned_on=None, reached_on=datetime.date(2025, 12, 20))
    stages.record_stage(loan, stage("loan", 2), by=officer, planned_on=datetime.date(2026, 3, 1), reached_on=None)
    stages.record_stage(loan, stage("loan", 3), by=officer, planned_on=datetime.date(2026, 9, 1), reached_on=None)
    loan = Agreement.objects.prefetch_related("stages").get(pk=loan.pk)
    rungs = stages.ladder(loan)
    assert [rung.state for rung in rungs] == ["reached", "behind", "ahead", "ahead", "ahead"]
    assert [rung.current for rung in rungs] == [True, False, False, False, False]
    assert [rung.stage.name for rung in stages.behind_schedule(rungs)] == ["Effective"]


@time_machine.travel(TODAY)
def test_only_those_who_work_on_it_or_keep_its_record_record_stages(officer, other_officer, viewer, data_entry):
    loan = AgreementFactory(kind="loan", owner=officer)
    for outsider in (other_officer, viewer):
        with pytest.raises(PermissionDenied):
            stages.record_stage(loan, stage("loan", 1), by=outsider, planned_on=TODAY, reached_on=None)
    stages.record_stage(loan, stage("loan", 1), by=data_entry, planned_on=TODAY, reached_on=None)
    with pytest.raises(ValidationError):  # another kind's rung
        stages.record_stage(loan, stage("treaty", 2), by=officer, planned_on=TODAY, reached_on=None)
    with pytest.raises(ValidationError):  # reached tomorrow
        stages.record_stage(loan, stage("loan", 2), by=officer, planned_on=None,
                            reached_on=TODAY + datetime.timedelta(days=1))
    assert AgreementStage.objects.filter(agreement=loan).count() == 1


@time_machine.travel(TODAY)
def test_the_page_shows_the_ladder_and_records_dates(client, officer):
    loan = AgreementFactory(kind="loan", owner=officer, status="in_progress", signed_on=datetime.date(2025, 12, 20))
    client.force_login(officer)
    first = stage("loan", 1)
    response = client.post(f"/agreements/{loan.reference}/stages/{first.pk}/",
                           {f"stage-{first.pk}-reached_on": "2025-12-20"})
    assert response.status_code == 302 and response.url.endswith("#stages")
    second = stage("loan", 2)
    client.post(f"/agreements/{loan.reference}/stages/{second.pk}/", {f"stage-{second.pk}-planned_on": "2026-02-01"})
    page = client.get(loan.get_absolute_url()).content.decode()
    assert 'id="stages"' in page and "First disbursement" in page
    assert "Current stage" in page and "Behind plan" in page
    empty = client.post(f"/agreements/{loan.reference}/stages/{second.pk}/", {})
    assert empty.status_code == 400 and "Give the planned date" in empty.content.decode()
    # History keeps the earlier plan.
    client.post(f"/agreements/{loan.reference}/stages/{second.pk}/", {f"stage-{second.pk}-planned_on": "2026-04-01"})
    row = AgreementStage.objects.get(agreement=loan, stage=second)
    assert [h.planned_on for h in row.history.order_by("history_date")] == [datetime.date(2026, 2, 1),
                                                                            datetime.date(2026, 4, 1)]


@time_machine.travel(TODAY)
def test_the_report_counts_agreements_per_stage_and_links_to_them(client, manager, officer):
    loans = [AgreementFactory(kind="loan", owner=officer, status="in_progress", signed_on=datetime.date(2025, 12, 20))
             for _ in range(3)]
    AgreementFactory(kind="treaty", owner=officer, status="signed", signed_on=datetime.date(2025, 12, 20))
    stages.record_stage(loans[0], stage("loan", 1), by=manager, planned_on=None, reached_on=datetime.date(2025, 12, 20))
    for loan in loans[1:]:
        for position in (1, 2):
            stages.record_stage(loan, stage("loan", position), by=manager, planned_on=None,
                                reached_on=datetime.date(2026, 1, position))
    client.force_login(manager)
    rows = {row.kind: row for row in client.get("/reports/stages/").context["rows"]}
    loan_counts = {(s.name if s else None): n for s, n in rows["loan"].counts}
    assert loan_counts == {None: 0, "Signed": 1, "Effective": 2, "First disbursement": 0, "Fully disbursed": 0,
                           "Completed": 0}
    assert {(s.name if s else None): n for s, n in rows["treaty"].counts}[None] == 1
    response = client.get(f"/agreements/?stage={stage('loan', 2).pk}")
    assert sorted(a.reference for a in response.context["page"].object_list) == sorted(a.reference for a in loans[1:])
    assert "Stage reached: Loan agreement: Effective" in response.content.decode()  # its chip


def test_the_report_makes_the_same_queries_for_more_agreements(client, manager, officer, django_assert_max_num_queries):
    client.force_login(manager)

    def make(n):
        for _ in range(n):
            loan = AgreementFactory(kind="loan", owner=officer, status="in_progress",
                                    signed_on=datetime.date(2025, 12, 20))
            AgreementStage.objects.create(agreement=loan, stage=stage("loan", 1), reached_on=datetime.date(2025, 12, 20))

    make(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as small:
        client.get("/reports/stages/")
    make(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/reports/stages/")


def test_viewers_read_the_report_officers_do_not(client, viewer, officer):
    client.force_login(viewer)
    assert client.get("/reports/stages/").status_code == 200
    client.force_login(officer)
    assert client.get("/reports/stages/").status_code == 403
