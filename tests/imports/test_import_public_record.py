"""End to end: a fresh install (migrated, users only — no seed, no organizations) imports the
summit's public agreements (agreements/demo/public_record/public_record.csv) written in the
template's columns but the way people write them — their own numbering, organizations named
with a country name the first time and without it afterwards, the lead organization without
a country, labels instead of codes, day-first dates, a title row above the header, a
semicolon-separated Windows-1251 CSV — without a hand edit; importing it again changes nothing."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from agreements.models import Agreement, Organization, Party
from tests.factories import UserFactory

PUBLIC_RECORD = Path(__file__).resolve().parents[2] / "agreements" / "demo" / "public_record" / "public_record.csv"
# Kinds the record words so that no label of the tracker is meant: what a person would write instead.
KIND_WRITTEN = {
    "policy initiative (offer-type cooperation package announced by Japan)": "Other",
    "partnership framework (announced)": "Framework agreement",
    "cooperation agreement": "Framework agreement",
    "agreement (reported)": "Commercial contract",
    "cooperation document (PoC)": "Memorandum of cooperation",
    "agreement in principle (reported)": "Commercial contract",
    "tax treaty (agreement)": "Treaty",
    "exchange of notes + grant agreement": "Exchange of notes (grant aid)",
    "power purchase agreement": "Commercial contract",
    "bilateral investment agreement": "Treaty",
    "interministerial cooperation programme": "Roadmap",
    "joint press release": "Joint statement",
    "academic cooperation agreements": "Memorandum of cooperation",
}
HEADER = ["Reference", "Title", "Kind", "Pillar", "Focus areas", "Signed on", "Signed at", "Parties",
          "Lead organization", "Owner", "Value", "Currency", "Status", "Summary"]


def summit_agreements() -> list[dict]:
    """The summit cluster's individual documents (December 2025 and the January 2026 grant), not
    the aggregate rows (counts and totals)."""
    with PUBLIC_RECORD.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if r["signed_on"][:7] in ("2025-12", "2026-01") and not r["kind"].startswith("aggregate")]


def day_first(text: str, number: int) -> tuple[str, str]:
    """(signed_on as the region writes it, status): a range or a month becomes its first day."""
    if "planned" in text:
        return "", "Draft"
    year, month, day = (text.split("..")[0].split("-") + ["01"])[:3]
    return (f"{day}.{month}.{year[2:]}" if number % 3 == 0 else f"{day}.{month}.{year}"), "Signed"


def written_as_people_write_it(records: list[dict]) -> bytes:
    seen: set[str] = set()
    lines = [["Соглашения саммита «Центральная Азия + Япония» (Токио, 20 декабря 2025 г.)"], [], HEADER]
    for number, record in enumerate(records, start=1):
        parties = []
        for country in [c.strip() for c in record["countries"].split(";")]:
            name = f"Government of {country}"
            parties.append(name if name in seen else f"{name} ({country})")  # the country the first time only
            seen.add(name)
        signed_on, status = day_first(record["signed_on"], number)
        source = next(part for part in record["source"].split(" ; ") if part.isascii())
        summary = f"Источник: {source}; достоверность: {record['confidence']}"
        amount = f"{int(record['amount']):,}".replace(",", " ") if record["amount"] else ""
        lines.append([
            f"PR-{number:03d}", record["title"], KIND_WRITTEN.get(record["kind"], record["kind"]),
            "Cross-cutting" if record["pillar"] == "Other" else record["pillar"],
            "Energy and resource development" if "mineral" in record["focus_area"].lower() else "",
            signed_on, "Токио" if record["signed_on"].startswith("2025-12-") else "", "; ".join(parties),
            "Government of Japan", "" if status == "Draft" else "officer", amount, record["currency"], status, summary,
        ])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(lines)
    return buffer.getvalue().encode("cp1251")


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_agreements", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
@time_machine.travel("2026-03-02 09:00 +0000")
def test_a_fresh_install_imports_the_summits_public_agreements_then_finds_them_unchanged(tmp_path):
    data_entry = UserFactory(username="data_entry", role="Data entry", is_staff=True)
    UserFactory(username="officer", role="Officer")
    assert not Agreement.objects.exists() and not Organization.objects.exists()
    records = summit_agreements()
    assert len(records) == 38
    path = tmp_path / "соглашения саммита.csv"
    path.write_bytes(written_as_people_write_it(records))

    dry = command(str(path), "--user", data_entry.username, "--create-organizations", "--dry-run")
    assert "recognised as Cyrillic Windows-1251" in dry
    assert "read as semicolon-separated" in dry
    assert "the header is row 3; the rows above it (a title or heading) were skipped." in dry
    assert "Dates such as 20.12.2025 were read as day.month.year." in dry
    assert "38 created, 0 updated, 0 unchanged" in dry and "38 created with the file's own references." in dry
    assert not Agreement.objects.exists()

    command(str(path), "--user", data_entry.username, "--create-organizations")
    assert Agreement.objects.count() == 38
    assert set(Agreement.objects.values_list("reference", flat=True)) == {f"PR-{n:03d}" for n in range(1, 39)}
    assert sorted(Organization.objects.values_list("country", flat=True)) == ["JP", "KG", "KZ", "TJ", "TM", "TR", "UZ"]
    declaration = Agreement.objects.get(reference="PR-001")
    assert declaration.title == records[0]["title"]
    assert (declaration.kind, str(declaration.signed_on), declaration.signed_at) == ("joint_statement", "2025-12-20",
                                                                                   "Токио")
    assert declaration.lead_organization.name == "Government of Japan"
    assert declaration.summary.startswith("Источник: https://")
    assert Party.objects.filter(agreement=declaration).count() == 6
    assert Agreement.objects.filter(status="draft").count() == 1

    again = command(str(path), "--user", data_entry.username, "--create-organizations")
    assert "0 created, 0 updated, 38 unchanged" in again
    assert Agreement.objects.count() == 38 and Organization.objects.count() == 7
