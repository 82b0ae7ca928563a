"""The list, the agreement page and My work make the same number of queries with a few rows
as with many (no query per row). Each test measures the small case, then requires the same
count on the large one, and prints both so the figures can be read in the test log."""
from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements import workflow
from agreements.actions import milestones
from agreements.actions.documents import store_document
from agreements.actions.progress import record_progress
from agreements.models import Party, Status
from tests.conftest import PDF_BYTES
from tests.factories import AgreementFactory, MilestoneFactory, OrganizationFactory, UserFactory

FEW, MANY = 2, 30


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def add_agreements(n: int, officer, teammate, manager, requester) -> None:
    """n agreements of the officer's, each with an overdue and a soon-due milestone, an update,
    a team, and every third one waiting for closure approval."""
    today = timezone.localdate()
    for i in range(n):
        agreement = AgreementFactory(owner=officer, confidentiality="restricted" if i % 4 == 0 else "internal")
        agreement.team.add(teammate)
        for step in (Status.SIGNED, Status.IN_PROGRESS):
            workflow.transition(agreement, step, by=manager)
        MilestoneFactory(agreement=agreement, owner=officer, due_on=today - datetime.timedelta(days=3 + i))
        MilestoneFactory(agreement=agreement, owner=officer, due_on=today + datetime.timedelta(days=5))
        if i % 3 == 0:
            for milestone in agreement.milestones.all():
                milestone.state, milestone.waiver_reason = "waived", "test"
                milestone.save()
            workflow.transition(agreement, Status.PENDING_CLOSURE, by=requester)
        elif i % 2:
            record_progress(agreement, by=officer, percent_complete=10, health="at_risk", summary="x")


@pytest.fixture
def cast(officer, teammate, manager):
    return officer, teammate, manager, UserFactory(username="requester", role="Manager")


PATHS = ["/", "/agreements/", "/agreements/?q=Memorandum&overdue=1&sort=-updated&member=me",
         "/agreements/?status=nonsense&pillar=zzz", "/agreements/?page=2", "/agreements/?q=Hazard+maps",
         "/agreements/?per_page=100"]


@pytest.mark.parametrize("who", ["officer", "manager", "viewer"])
def test_list_and_my_work_queries_do_not_grow_with_rows(client, request, cast, who):
    client.force_login(request.getfixturevalue(who))
    paths = PATHS if who != "viewer" else PATHS[1:]  # a viewer's "/" is a redirect to the reports
    add_agreements(FEW, *cast)
    few = {path: count_queries(client, path) for path in paths}
    add_agreements(MANY - FEW, *cast)
    many = {path: count_queries(client, path) for path in paths}
    for path in paths:
        print(f"\n{who} {path}: {few[path]} queries with {FEW} agreements, {many[path]} with {MANY}")
    assert many == few


def enrich(agreement, n: int, officer, manager, private_media) -> None:
    """n more of everything the agreement page shows: milestones (overdue, done), updates,
    transitions, edits, documents, parties, team members."""
    for i in range(n):
        milestone = MilestoneFactory(agreement=agreement, owner=officer, due_on=datetime.date(2026, 1, 1 + i % 28))
        agreement.refresh_from_db()
        if i % 2:
            milestones.complete_milestone(milestone, by=officer, done_on=datetime.date(2026, 1, 1), evidence="e",
                                          expected_version=agreement.version)
        record_progress(agreement, by=officer, percent_complete=i, health="on_track", summary=f"update {i}",
                        health_reason="The overdue ones are being re-planned.")  # shown in the timeline too
        workflow.transition(agreement, Status.ON_HOLD, by=manager, comment="pause")
        workflow.transition(agreement, Status.IN_PROGRESS, by=manager)
        agreement.refresh_from_db()
        agreement.title = f"Title {i}"
        agreement.save()
        store_document(agreement, SimpleUploadedFile(f"d{i}.pdf", PDF_BYTES), title=f"Doc {i}", by=officer)
        Party.objects.create(agreement=agreement, organization=OrganizationFactory(country="KZ"), role="financier")
        agreement.team.add(UserFactory(role="Officer"))


@pytest.mark.parametrize("who", ["officer", "manager", "viewer"])
def test_agreement_page_queries_do_not_grow_with_its_history(client, request, agreement, officer, manager,
                                                             private_media, move_to, who):
    move_to(agreement, Status.IN_PROGRESS)
    client.force_login(request.getfixturevalue(who))
    enrich(agreement, FEW, officer, manager, private_media)
    few = count_queries(client, agreement.get_absolute_url())
    few_full = count_queries(client, agreement.get_absolute_url() + "?timeline=all")
    enrich(agreement, 15, officer, manager, private_media)
    many = count_queries(client, agreement.get_absolute_url())
    many_full = count_queries(client, agreement.get_absolute_url() + "?timeline=all")
    print(f"\n{who} agreement page: {few} queries with {FEW} of each, {many} with {FEW + 15}")
    assert (many, many_full) == (few, few_full)
