"""Dependencies between agreements and milestones: recorded on the page, shown on both pages,
a late prerequisite flags what waits for it, a circle is refused, restricted ones stay hidden."""
from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from agreements.followup import dependencies
from agreements.models import Dependency
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)
SIGNED = datetime.date(2025, 12, 20)


def open_agreement(owner, **kwargs):
    return AgreementFactory(owner=owner, status="in_progress", signed_on=SIGNED, **kwargs)


@time_machine.travel(TODAY)
def test_a_milestone_waits_for_a_late_handover_of_another_agreement(client, officer):
    study = open_agreement(officer, title="Feasibility study")
    MilestoneFactory(agreement=study, title="Handover of the study", due_on=datetime.date(2026, 5, 1))
    loan = open_agreement(officer, kind="loan", title="Yen loan")
    appraisal = MilestoneFactory(agreement=loan, title="Loan appraisal", due_on=datetime.date(2026, 7, 1))
    client.force_login(officer)
    response = client.post(f"/agreements/{loan.reference}/dependencies/", {
        "dep-dependent": str(appraisal.pk), "dep-reference": study.reference.lower(), "dep-milestone": "handover",
        "dep-note": "The appraisal reads the study"})
    assert response.status_code == 302 and response.url.endswith("#dependencies")
    loan_page = client.get(loan.get_absolute_url()).content.decode()
    assert "Needs first" in loan_page and "Handover of the study" in loan_page
    assert "Held up" in loan_page and "overdue since 2026-05-01" in loan_page
    study_page = client.get(study.get_absolute_url()).content.decode()
    assert "Needed by" in study_page and "Loan appraisal" in study_page


@time_machine.travel(TODAY)
def test_lateness_in_words():
    study = AgreementFactory(status="in_progress", signed_on=SIGNED, end_date=datetime.date(2026, 12, 31))
    due_later = MilestoneFactory(agreement=study, due_on=datetime.date(2026, 9, 1))
    assert dependencies.lateness(due_later, datetime.date(2026, 8, 1), TODAY) == "due only on 2026-09-01, after it is needed"
    assert dependencies.lateness(due_later, datetime.date(2026, 10, 1), TODAY) is None
    assert dependencies.lateness(study, datetime.date(2026, 5, 1), TODAY) == "not completed, needed since 2026-05-01"
    assert dependencies.lateness(study, None, TODAY) is None
    study.end_date = datetime.date(2026, 1, 31)
    assert dependencies.lateness(study, None, TODAY) == "still open after its end date 2026-01-31"


def test_a_circle_is_refused_however_long(officer):
    a, b, c = (open_agreement(officer) for _ in range(3))
    milestone_of_c = MilestoneFactory(agreement=c)
    dependencies.add_dependency(by=officer, dependent=a, prerequisite=b)
    dependencies.add_dependency(by=officer, dependent=b, prerequisite=milestone_of_c)
    dependencies.add_dependency(by=officer, dependent=milestone_of_c, prerequisite=c)
    with pytest.raises(ValidationError, match="circle"):
        dependencies.add_dependency(by=officer, dependent=c, prerequisite=a)
    with pytest.raises(ValidationError, match="itself"):
        dependencies.add_dependency(by=officer, dependent=a, prerequisite=a)
    with pytest.raises(ValidationError, match="already"):
        dependencies.add_dependency(by=officer, dependent=a, prerequisite=b)
    assert Dependency.objects.count() == 3


def test_the_page_refuses_a_circle_in_words(client, officer):
    a, b = open_agreement(officer), open_agreement(officer)
    dependencies.add_dependency(by=officer, dependent=b, prerequisite=a)
    client.force_login(officer)
    response = client.post(f"/agreements/{a.reference}/dependencies/", {
        "dep-dependent": "agreement", "dep-reference": b.reference})
    assert response.status_code == 400
    assert f"This would make a circle: {b.reference} already depends on {a.reference}" in response.content.decode()


def test_a_restricted_prerequisite_stays_hidden(client, officer, other_officer, restricted):
    mine = open_agreement(other_officer)
    client.force_login(other_officer)
    response = client.post(f"/agreements/{mine.reference}/dependencies/", {
        "dep-dependent": "agreement", "dep-reference": restricted.reference})
    assert response.status_code == 400
    assert "There is no agreement with this reference that you can see." in response.content.decode()
    # Recorded by someone who sees both: the other officer reads that something waits, not what.
    Dependency.objects.create(dependent_agreement=mine, prerequisite_agreement=restricted)
    page = client.get(mine.get_absolute_url()).content.decode()
    assert "an agreement you cannot open" in page and restricted.reference not in page


def test_removing_needs_the_button_and_the_right(client, officer, viewer):
    a, b = open_agreement(officer), open_agreement(officer)
    link = dependencies.add_dependency(by=officer, dependent=a, prerequisite=b)
    client.force_login(viewer)
    assert client.post(f"/agreements/{a.reference}/dependencies/{link.pk}/delete/", {"confirm": "1"}).status_code == 403
    client.force_login(officer)
    assert client.post(f"/agreements/{b.reference}/dependencies/{link.pk}/delete/", {"confirm": "1"}).status_code == 404
    assert client.post(f"/agreements/{a.reference}/dependencies/{link.pk}/delete/", {}).status_code == 400
    assert client.post(f"/agreements/{a.reference}/dependencies/{link.pk}/delete/", {"confirm": "1"}).status_code == 302
    assert not Dependency.objects.exists()


def test_the_page_makes_the_same_queries_with_more_dependencies(client, officer, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    loan = open_agreement(officer)
    client.force_login(officer)

    def add(n):
        for _ in range(n):
            other = open_agreement(officer)
            Dependency.objects.create(dependent_milestone=MilestoneFactory(agreement=loan),
                                      prerequisite_milestone=MilestoneFactory(agreement=other))
            Dependency.objects.create(dependent_agreement=other, prerequisite_agreement=loan)

    add(1)
    with CaptureQueriesContext(connection) as small:
        client.get(loan.get_absolute_url())
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(loan.get_absolute_url())
