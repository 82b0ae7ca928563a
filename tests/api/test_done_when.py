"""Issue 17's "done when", as a script would do it: with a read-write token, list the overdue
milestones of one country, post a progress update, request a closure, and get the same refusals a
person gets on the page. And the list and detail keep a constant number of queries as rows grow."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from agreements import workflow
from agreements.models import Party, Status
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory, ProgressUpdateFactory


@pytest.fixture
def kazakh_work(officer, teammate, manager):
    """Two agreements of the officer's with Kazakhstan, each with an overdue milestone; one with Uzbekistan only."""
    today = timezone.localdate()
    astana = OrganizationFactory(name="Ministry of Energy of Kazakhstan", country="KZ")
    out = []
    for n in range(2):
        agreement = AgreementFactory(owner=officer, parties=1)
        Party.objects.create(agreement=agreement, organization=astana, role="signatory")
        for step in (Status.SIGNED, Status.IN_PROGRESS):
            workflow.transition(agreement, step, by=manager)
        MilestoneFactory(agreement=agreement, owner=officer, title=f"Feasibility study {n}",
                         due_on=today - datetime.timedelta(days=10 + n))
        MilestoneFactory(agreement=agreement, owner=officer, due_on=today + datetime.timedelta(days=30))
        out.append(agreement)
    elsewhere = AgreementFactory(owner=officer)  # Japan and Uzbekistan
    MilestoneFactory(agreement=elsewhere, due_on=today - datetime.timedelta(days=5))
    return out


def test_a_script_lists_overdue_milestones_posts_progress_and_is_refused_as_on_the_page(api, client, officer,
                                                                                       kazakh_work):
    script = api(officer, access="write")

    overdue = script.get("/api/v1/milestones/", {"overdue": "true", "country": "KZ"}).json()
    assert overdue["count"] == 2
    assert {m["agreement"] for m in overdue["results"]} == {a.reference for a in kazakh_work}
    assert all(m["overdue"] and m["state"] == "planned" for m in overdue["results"])
    # The agreements list answers the same question with the list page's own parameters.
    listed = script.get("/api/v1/agreements/", {"overdue": "1", "country": "KZ"}).json()
    assert {a["reference"] for a in listed["results"]} == {a.reference for a in kazakh_work}

    reference = overdue["results"][0]["agreement"]
    detail = script.get(f"/api/v1/agreements/{reference}/")
    posted = script.post(f"/api/v1/agreements/{reference}/progress/", {
        "percent_complete": 35, "health": "at_risk", "summary": "The feasibility study waits for the survey data."},
        headers={"If-Match": detail["ETag"]})
    assert posted.status_code == 201, posted.content
    assert script.get(f"/api/v1/agreements/{reference}/").json()["health"] == "at_risk"

    # Closure: refused because a milestone is still planned — the workflow's sentence, word for word.
    closure = script.post(f"/api/v1/agreements/{reference}/transitions/", {"to": "pending_closure"},
                          headers={"If-Match": detail["ETag"]})
    assert closure.status_code == 409
    reason = closure.json()["detail"]
    assert reason == "Closure needs every milestone done or waived: 2 are still planned."
    # A person pressing the button on the page is told the same.
    client.force_login(officer)
    page = client.post(f"/agreements/{reference}/transitions/pending_closure/",
                       {"t-pending_closure-version": detail.json()["version"], "t-pending_closure-comment": ""})
    assert page.status_code == 400 and escape(reason) in page.content.decode()

    # What only a manager may do: 403 with the page's sentence (the page answers 403 too).
    terminate = script.post(f"/api/v1/agreements/{reference}/transitions/", {"to": "terminated", "comment": "x"},
                            headers={"If-Match": detail["ETag"]})
    on_page = client.post(f"/agreements/{reference}/transitions/terminated/",
                          {"t-terminated-version": detail.json()["version"], "t-terminated-comment": "x"})
    assert terminate.status_code == on_page.status_code == 403
    assert terminate.json()["detail"] == str(workflow.MANAGER_TEXT)
    assert escape(str(workflow.MANAGER_TEXT)) in on_page.content.decode()


# --- Queries: constant as rows grow -----------------------------------------------------------------

def add_rows(n: int, officer, manager) -> None:
    today = timezone.localdate()
    for i in range(n):
        agreement = AgreementFactory(owner=officer, confidentiality="restricted" if i % 3 == 0 else "internal")
        workflow.transition(agreement, Status.SIGNED, by=manager)
        MilestoneFactory(agreement=agreement, owner=officer, due_on=today - datetime.timedelta(days=i + 1))
        ProgressUpdateFactory(agreement=agreement, author=officer)


@pytest.mark.parametrize("path", ["/api/v1/agreements/", "/api/v1/agreements/?overdue=1&country=UZ&sort=-updated",
                                  "/api/v1/milestones/?overdue=true", "/api/v1/organizations/", "/api/v1/pillars/"])
def test_lists_keep_a_constant_number_of_queries(api, officer, viewer, manager, path):
    script = api(viewer)
    add_rows(2, officer, manager)
    few = _count(script, path)
    add_rows(20, officer, manager)
    many = _count(script, path)
    print(f"{path}: {few} queries with 2 agreements, {many} with 22")
    assert many == few


def test_the_detail_keeps_a_constant_number_of_queries(api, officer, manager):
    script = api(manager)
    agreement = AgreementFactory(owner=officer)
    workflow.transition(agreement, Status.SIGNED, by=manager)
    MilestoneFactory(agreement=agreement)
    ProgressUpdateFactory(agreement=agreement, author=officer)
    path = f"/api/v1/agreements/{agreement.reference}/"
    few = _count(script, path)
    for i in range(15):
        MilestoneFactory(agreement=agreement)
        ProgressUpdateFactory(agreement=agreement, author=officer)
        Party.objects.create(agreement=agreement, organization=OrganizationFactory(country="KZ"))
    agreement.team.add(*[m.owner for m in agreement.milestones.all() if m.owner])
    many = _count(script, path)
    print(f"agreement detail: {few} queries with 1 milestone and 2 parties, {many} with 16 and 17")
    assert many == few


def _count(script, path: str) -> int:
    script.get(path)  # the token's first use stamps it (at most once a minute): not a per-row query
    with CaptureQueriesContext(connection) as captured:
        response = script.get(path)
        assert response.status_code == 200, response.content
    return len(captured.captured_queries)
