"""The demo summit from the public record (issue 16): what the sources say is built as they say it,
the counts and totals are facts and not agreements, the invented stand-ins are marked, and the
sources travel to the agreement's page and through export and import.

The expected numbers are read from the CSV here with the csv module, not written down: a newer
copy of the record changes them, not the tests."""
from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.demo import record, summit as demo
from agreements.imports import exports
from agreements.imports.files import Upload
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, PublicFact, SourceLink, User
from tests.factories import AgreementFactory

TODAY = datetime.date(2026, 11, 27)
NOW = datetime.datetime(2026, 11, 27, 9, tzinfo=datetime.timezone.utc)


def csv_rows() -> list[dict]:
    with open(record.PATH, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_aggregate(row: dict) -> bool:
    return row["kind"].startswith("aggregate")


def in_summit_cluster(row: dict) -> bool:
    return row["signed_on"][:7] >= "2025-12"


def urls(row: dict) -> list[str]:
    return [u.strip() for u in row["source"].split(" ; ") if u.strip()]


@pytest.fixture
def seeded(db):
    with time_machine.travel(NOW, tick=False):
        demo.seed(today=TODAY)


def test_the_summit_documents_of_the_record_are_built_as_the_sources_give_them(seeded):
    rows = csv_rows()
    individual = [r for r in rows if not is_aggregate(r) and in_summit_cluster(r)]
    earlier = [r for r in rows if not is_aggregate(r) and not in_summit_cluster(r)]
    aggregates = [r for r in rows if is_aggregate(r)]
    assert Agreement.objects.filter(origin="summit").count() == len(individual)
    assert Agreement.objects.filter(origin="before").count() == len(earlier)
    assert Agreement.objects.filter(origin="illustrative").count() == 158 - len(individual)
    by_title = {a.title: a for a in Agreement.objects.exclude(origin="illustrative").prefetch_related("sources")}
    assert set(by_title) == {r["title"] for r in individual + earlier}
    for row in individual + earlier:
        agreement = by_title[row["title"]]
        assert [s.url for s in agreement.sources.all()] == urls(row)
        assert agreement.confidence == row["confidence"]
        reported = row["signed_on"]
        if ".." in reported or len(reported) == 7:  # a range or a month: its first day, noted
            first = reported.split("..")[0] + ("-01" if len(reported) == 7 else "")
            assert agreement.signed_on == datetime.date.fromisoformat(first)
            assert agreement.date_as_reported == reported and agreement.date_note
        elif "planned" in reported:
            assert agreement.signed_on is None and agreement.status == "draft"
        else:
            assert agreement.signed_on == datetime.date.fromisoformat(reported) and not agreement.date_note
        if row["amount"] and "a target" not in row["focus_area"]:
            assert (agreement.value, agreement.currency) == (Decimal(row["amount"]), row["currency"])
        else:
            assert agreement.value is None  # nothing reported, or a target rather than a value
    # Aggregates are facts, not agreements.
    assert PublicFact.objects.count() == len(aggregates)
    assert not Agreement.objects.filter(title__in=[r["title"] for r in aggregates]).exists()
    summit_fact = PublicFact.objects.get(country="")
    assert (summit_fact.documents, summit_fact.reported_by) == (158, "METI")
    # The invented ones say so.
    illustrative = Agreement.objects.filter(origin="illustrative")
    assert not illustrative.exclude(summary=demo.ILLUSTRATIVE_SUMMARY).exists()
    assert not SourceLink.objects.filter(agreement__in=illustrative).exists()
    assert not illustrative.exclude(confidence="").exists()


def test_the_list_marks_and_filters_by_origin(seeded, client):
    client.force_login(User.objects.get(username=demo.MANAGERS[0][0]))
    page = client.get("/agreements/?origin=illustrative").content.decode()
    shown = Agreement.objects.filter(origin="illustrative").count()
    assert f"{shown} agreements" in page or f"{shown}\xa0agreements" in page or str(shown) in page
    assert "badge--illustrative" in page and "badge--before" not in page
    assert "Origin: Illustrative" in page  # the chip that removes the filter
    page = client.get("/agreements/?origin=before").content.decode()
    assert "Before the summit" in page and "badge--illustrative" not in page
    page = client.get("/agreements/?origin=summit").content.decode()
    assert "badge--illustrative" not in page and "badge--before" not in page


def test_the_agreement_page_shows_its_public_record(seeded, client):
    client.force_login(User.objects.get(username=demo.MANAGERS[0][0]))
    ranged = Agreement.objects.filter(origin="summit", date_precision="range").first()
    page = client.get(ranged.get_absolute_url()).content.decode()
    assert "Public record" in page and "a range of days: the first day is stored" in page
    for source in ranged.sources.all():
        assert f'href="{source.url}"' in page and source.title in page
    assert ranged.get_confidence_display() in page
    invented = Agreement.objects.filter(origin="illustrative").first()
    page = client.get(invented.get_absolute_url()).content.decode()
    assert "badge--illustrative" in page and "Not a real agreement" in page


def test_the_dashboard_shows_the_facts_beside_what_is_recorded(seeded, client):
    client.force_login(User.objects.get(username=demo.MANAGERS[0][0]))
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reports/").content.decode()
    assert "158 documents announced (METI)" in page
    recorded = Agreement.objects.filter(origin="summit").count()
    assert f'?origin=summit" data-agreements="{recorded}"' in page  # illustrative ones are not "recorded"
    kyrgyz = Agreement.objects.filter(origin="summit", parties__organization__country="KG").distinct().count()
    assert f'origin=summit&amp;country=KG" data-agreements="{kyrgyz}"' in page
    assert "18 documents" in page


def test_sources_and_confidence_round_trip_through_an_export(seeded):
    manager = User.objects.get(username=demo.MANAGERS[0][0])
    response = exports.agreements_csv_response(Agreement.objects.all())
    data = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    sourced = next(r for r in rows if r["sources"].count("http") >= 2)
    agreement = Agreement.objects.get(reference=sourced["reference"])
    assert sourced["confidence"] == agreement.confidence
    assert [u.split(" | ")[-1] for u in sourced["sources"].split("; ")] == [s.url for s in agreement.sources.all()]
    report = import_agreements(manager, Upload("agreements.csv", data))
    assert report.ok, report.lines()
    assert report.counts()["updated"] == 0
    sourced["sources"] = "Ministry page | https://www.mofa.go.jp/a.html; https://example.org/b"
    sourced["confidence"] = "Low"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(sourced)
    report = import_agreements(manager, Upload("agreements.csv", out.getvalue().encode()))
    assert report.ok, report.lines()
    agreement.refresh_from_db()
    assert agreement.confidence == "low"
    assert [(s.title, s.url) for s in agreement.sources.all()] == [
        ("Ministry page", "https://www.mofa.go.jp/a.html"), ("", "https://example.org/b")]
    sourced["sources"], sourced["confidence"] = "a page | not an address", "certain"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(sourced)
    problems = [str(p) for p in import_agreements(manager, Upload("agreements.csv", out.getvalue().encode())).problems]
    assert any("not a confidence" in p for p in problems) and any("not “title | address”" in p for p in problems)


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_the_origin_badges_cost_no_query_per_row(db, client, manager):
    client.force_login(manager)
    for origin in ("summit", "before", "illustrative"):
        AgreementFactory(origin=origin)
    few = count_queries(client, "/agreements/")
    for index in range(30):
        AgreementFactory(origin=("summit", "before", "illustrative")[index % 3])
    assert count_queries(client, "/agreements/") == few
    assert count_queries(client, "/agreements/?origin=illustrative&origin=before") == count_queries(
        client, "/agreements/?origin=summit")
