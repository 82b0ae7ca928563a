"""Downloading the agreements behind a list or a report figure."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from agreements.models import Pillar
from tests.factories import AgreementFactory, MilestoneFactory


@pytest.fixture
def mixed(agreement, restricted, db):
    connectivity = AgreementFactory(reference="T-CONN", pillar=Pillar.objects.get(code="connectivity"))
    MilestoneFactory(agreement=connectivity, title="Route study")
    return connectivity


def csv_references(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["reference"] for row in csv.DictReader(io.StringIO(text))]


def test_csv_holds_exactly_the_filtered_visible_agreements(client, viewer, mixed, restricted, agreement):
    client.force_login(viewer)
    assert csv_references(client.get("/agreements/export.csv")) == sorted([agreement.reference, mixed.reference])
    assert csv_references(client.get("/agreements/export.csv?pillar=connectivity")) == [mixed.reference]


def test_manager_export_includes_restricted(client, manager, mixed, restricted):
    client.force_login(manager)
    assert restricted.reference in csv_references(client.get("/agreements/export.csv"))


def test_xlsx_has_agreements_and_milestones_sheets(client, officer, mixed):
    client.force_login(officer)
    response = client.get("/agreements/export.xlsx?pillar=connectivity")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames[:2] == ["agreements", "milestones"]
    milestones = list(book["milestones"].iter_rows(values_only=True))
    assert [row[1] for row in milestones[1:]] == ["Route study"]


def test_milestones_csv(client, officer, mixed):
    client.force_login(officer)
    text = b"".join(client.get("/agreements/milestones.csv?pillar=connectivity").streaming_content).decode("utf-8-sig")
    assert [row["title"] for row in csv.DictReader(io.StringIO(text))] == ["Route study"]


def test_invalid_filters_are_refused_not_ignored(client, officer, mixed):
    client.force_login(officer)
    response = client.get("/agreements/export.csv?status=lost")
    assert response.status_code == 400
    assert "status" in response.content.decode()


def test_list_and_dashboard_offer_the_downloads_with_their_filters(client, manager, mixed):
    client.force_login(manager)
    page = client.get("/agreements/?pillar=connectivity").content.decode()
    assert 'href="/agreements/export.csv?pillar=connectivity"' in page
    dashboard = client.get("/reports/?pillar=connectivity").content.decode()
    assert "/agreements/export.xlsx?" in dashboard and "pillar=connectivity" in dashboard


def test_export_needs_sign_in(client, db):
    assert client.get("/agreements/export.csv").status_code == 302
