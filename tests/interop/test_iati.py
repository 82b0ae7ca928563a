"""The IATI 2.03 export: validated against the official schema and codelists (pyIATI 0.4.1's copy,
tests/interop/iati_standard.py), field by field, for what the policy lets one see."""
from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.interop import iati
from agreements.models import Agreement, Document, FocusArea, Party, Pillar, SectorCode
from tests.factories import AgreementFactory, OrganizationFactory
from tests.interop import iati_standard as standard

pytestmark = pytest.mark.django_db


def export(user=None, **kwargs) -> str:
    return "".join(iati.activities_xml(iati.published_agreements(user), **kwargs))


def activity(document, reference: str):
    found = document.xpath(f"//iati-activity[iati-identifier='{iati.publisher_prefix()}-{reference}']")
    assert found, f"{reference} is not in the export"
    return found[0]


@pytest.fixture
def loan(officer, move_to, private_media, settings):
    settings.SITE_URL = "https://tracker.example.org"
    agreement = AgreementFactory(
        reference="CAJ-2025-101", title="Loan agreement on the Navoi solar plant", owner=officer, parties=0,
        title_ru="Кредитное соглашение о солнечной станции в Навои", title_ja="ナヴォイ太陽光発電所に関する円借款契約",
        summary="A yen loan for a 100 MW plant.", kind="loan", value=Decimal("28000000000.00"), currency="JPY",
        signed_on=datetime.date(2025, 12, 19), end_date=datetime.date(2030, 12, 31), signed_at="Tokyo")
    for name, country, kind, role in [("JICA", "JP", "agency", "financier"),
                                      ("Ministry of Energy of Uzbekistan", "UZ", "ministry", "signatory"),
                                      ("Uzbekenergo", "UZ", "company", "implementing"),
                                      ("KazMunayGas", "KZ", "company", "implementing"),
                                      ("Asian Development Bank", "PH", "international", "guarantor")]:
        Party.objects.create(agreement=agreement, role=role,
                             organization=OrganizationFactory(name=name, country=country, kind=kind))
    agreement.focus_areas.set(FocusArea.objects.filter(code__in=["renewable-transition", "climate-mitigation"]))
    document = Document(agreement=agreement, title="Signed loan agreement", original_name="loan.pdf",
                        content_type="application/pdf", size=4)
    document.file.save(document.stored_token, io.BytesIO(b"%PDF"), save=False)
    document.save()
    move_to(agreement, "in_progress")
    agreement.refresh_from_db()
    return agreement


def test_the_demo_summit_exports_valid_iati(tmp_path):
    call_command("seed_demo", verbosity=0)
    out = tmp_path / "activities.xml"
    call_command("export_iati", output=str(out), stdout=io.StringIO())
    document = standard.validate_all(out.read_bytes())
    published = Agreement.objects.exclude(confidentiality="restricted")
    assert len(document.xpath("//iati-activity")) == published.count() > 100
    assert document.get("version") == "2.03"
    # Every kind of element the mapping produces shows up in the demo, so the schema checked them all.
    for path in ("//participating-org", "//recipient-country", "//sector", "//transaction",
                 "//activity-date[@type='2']"):
        assert document.xpath(path), path


def test_a_file_that_breaks_the_schema_fails_with_its_message(loan):
    broken = export().replace("<activity-status", "<activity-state", 1)
    with pytest.raises(pytest.fail.Exception, match="activity-state"):
        standard.validate(broken)
    wrong_code = export().replace('<activity-status code="2"', '<activity-status code="9"', 1)
    with pytest.raises(AssertionError, match="ActivityStatus"):
        standard.check_codes(standard.validate(wrong_code))


def test_an_activity_carries_every_mapped_field(loan, settings):
    settings.IATI_PUBLISHER_PREFIX = "XM-DAC-701-8"
    document = standard.validate_all(export())
    node = activity(document, loan.reference)
    assert node.findtext("iati-identifier") == "XM-DAC-701-8-CAJ-2025-101"
    assert node.xpath("reporting-org/@ref") == ["XM-DAC-701-8"]
    assert node.get("last-updated-datetime") == loan.updated_at.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    titles = {n.get("{http://www.w3.org/XML/1998/namespace}lang"): n.text for n in node.xpath("title/narrative")}
    assert titles == {None: loan.title, "ru": loan.title_ru, "ja": loan.title_ja}
    assert node.xpath("description/narrative/text()") == ["A yen loan for a 100 MW plant."]
    orgs = [(o.findtext("narrative"), o.get("role"), o.get("type")) for o in node.xpath("participating-org")]
    assert orgs == [("JICA", "1", "10"), ("Ministry of Energy of Uzbekistan", "2", "10"),
                    ("Uzbekenergo", "4", "72"), ("KazMunayGas", "4", "72"), ("Asian Development Bank", "2", "40")]
    assert node.xpath("activity-status/@code") == ["2"]
    assert [(d.get("type"), d.get("iso-date")) for d in node.xpath("activity-date")] == [
        ("2", "2025-12-19"), ("3", "2030-12-31")]
    countries = [(c.get("code"), c.get("percentage")) for c in node.xpath("recipient-country")]
    assert countries == [("UZ", "50.00"), ("KZ", "50.00")]
    sectors = sorted((s.get("code"), s.get("percentage"), s.get("vocabulary")) for s in node.xpath("sector"))
    assert sectors == [("23210", "50.00", "1"), ("41010", "50.00", "1")]
    [transaction] = node.xpath("transaction")
    assert transaction.xpath("transaction-type/@code") == ["2"]
    assert transaction.xpath("transaction-date/@iso-date") == ["2025-12-19"]
    value = transaction.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("28000000000", "JPY", "2025-12-19")
    assert transaction.xpath("finance-type/@code") == ["421"]
    [link] = node.xpath("document-link")
    document_url = f"https://tracker.example.org/agreements/CAJ-2025-101/documents/{loan.documents.get().pk}/"
    assert link.get("url") == document_url
    assert (link.get("format"), link.findtext("title/narrative"), link.xpath("category/@code")) == (
        "application/pdf", "Signed loan agreement", ["A11"])


def test_percentages_always_sum_to_100():
    assert iati.split_percentages(["KZ", "KG", "TJ"]) == [("KZ", "33.33"), ("KG", "33.33"), ("TJ", "33.34")]
    assert iati.split_percentages(["UZ"]) == [("UZ", None)]
    for n in range(2, 8):
        assert sum(Decimal(p) for _c, p in iati.split_percentages([str(i) for i in range(n)])) == 100


def test_the_sector_follows_the_mapping_edited_in_the_admin(loan):
    SectorCode.objects.filter(focus_area__code="renewable-transition").update(code="23230")  # solar energy
    loan.focus_areas.set(FocusArea.objects.filter(code="renewable-transition"))
    node = activity(standard.validate_all(export()), loan.reference)
    assert [(s.get("code"), s.get("percentage")) for s in node.xpath("sector")] == [("23230", None)]


def test_a_closed_agreement_has_its_actual_end(officer, move_to):
    agreement = AgreementFactory(owner=officer, end_date=datetime.date(2026, 3, 1))
    move_to(agreement, "terminated")
    unsigned = AgreementFactory(owner=officer, signed_on=None)  # a draft: planned start, pipeline
    document = standard.validate_all(export())
    node = activity(document, agreement.reference)
    assert node.xpath("activity-status/@code") == ["5"]
    assert [(d.get("type"), d.get("iso-date")) for d in node.xpath("activity-date")] == [
        ("2", "2025-12-19"), ("4", "2026-03-01")]
    draft = activity(document, unsigned.reference)
    assert draft.xpath("activity-status/@code") == ["1"]
    assert draft.xpath("activity-date/@type") == ["1"]
    assert draft.xpath("description/narrative/text()") == ["Memorandum of understanding."]
    assert not draft.xpath("transaction")


def test_restricted_agreements_are_never_published(officer, other_officer, manager, restricted, agreement):
    for reader in (None, manager, officer):
        references = standard.parse(export(reader)).xpath("//iati-identifier/text()")
        assert references == [iati.identifier(agreement)]


def test_a_reader_gets_only_what_the_policy_lets_them_see(agreement, viewer):
    from django.contrib.auth.models import Group

    nobody = type(viewer).objects.create(username="no_role")  # signed in, no role: sees nothing
    assert "<iati-activity " not in export(nobody)
    assert iati.identifier(agreement) in export(viewer)
    assert Group.objects.filter(name="Viewer").exists()


def test_the_export_queries_per_chunk_not_per_agreement(officer):
    def queries(count: int, chunk_size: int = 500) -> int:
        with CaptureQueriesContext(connection) as captured:
            chunks = list(iati.activities_xml(iati.published_agreements(), chunk_size=chunk_size))
        assert len(chunks) == Agreement.objects.count() + 1  # one chunk of text per activity, and the end
        return len(captured)

    pillar = Pillar.objects.get(code="green-resilience")
    AgreementFactory.create_batch(3, owner=officer, pillar=pillar)
    few = queries(3)
    AgreementFactory.create_batch(30, owner=officer, pillar=pillar)
    assert queries(33) == few
    # In chunks of 10 rows: the same queries once per chunk, never once per agreement.
    assert queries(33, chunk_size=10) == 2 + 4 * 4
    # The sector codes, the agreements; per chunk their parties, focus areas, documents and sources.
    assert few == 2 + 4


def test_the_command_writes_to_stdout_and_for_one_user(agreement, restricted, viewer):
    out = io.StringIO()
    call_command("export_iati", user=viewer.username, stdout=out)
    assert iati.identifier(agreement) in out.getvalue()
    assert iati.identifier(restricted) not in out.getvalue()
    with pytest.raises(Exception, match="No active user"):
        call_command("export_iati", user="nobody-at-all", stdout=io.StringIO())
