"""The public record of the summit (agreements/demo/public_record/public_record.csv) read into
plain rows: what the sources say, nothing added. `seed_demo` builds agreements from the individual
rows and PublicFact rows from the aggregates (agreements.demo.summit).

- The summit cluster: rows dated December 2025 or later (the grants signed just before it in
  Bishkek and Dushanbe, and the Aktau grant signed in January 2026, belong to it); earlier rows
  are agreements signed before the summit (2019 – November 2025).
- A date given as a range (`2025-12-18..19`) or a month (`2025-12`) is stored as its first day,
  with the precision and the date as reported; a planned signature has no date of signature.
- A value only where the record reports one and it is a value (the Tokyo Declaration's JPY 3
  trillion is a target, kept in its notes).
"""
from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from agreements.demo.record_data import (
    AREA_WORDS,
    IMPLEMENTING_MARKS,
    KINDS,
    PARTY_ALIASES,
    PILLAR_AREAS,
    PILLARS,
    PUBLISHERS,
)

PATH = Path(__file__).parent / "public_record" / "public_record.csv"
SUMMIT_CLUSTER_FROM = datetime.date(2025, 12, 1)
COUNTRIES = {"Japan": "JP", "Kazakhstan": "KZ", "Kyrgyzstan": "KG", "Tajikistan": "TJ", "Turkmenistan": "TM",
             "Uzbekistan": "UZ", "Turkey": "TR"}
CENTRAL_ASIA = ("KZ", "KG", "TJ", "TM", "UZ")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2})(?:\.\.(\d{2}))?)?( \(planned\))?$")


class RecordError(ValueError):
    """The record holds something this reader does not know: fix record_data, do not guess."""


@dataclass(frozen=True)
class Source:
    url: str
    title: str


@dataclass
class RecordRow:
    line: int
    title: str
    kind_as_written: str
    kind: str  # a kind code, or "aggregate"
    parties: list[tuple[str, str]]  # (short name, role)
    countries: list[str]
    signed_on: datetime.date | None
    precision: str  # "", "range", "month"
    date_as_reported: str  # when not an exact day
    planned: bool
    value: Decimal | None
    currency: str
    amount: Decimal | None  # as written, even when it is a target
    pillar: str
    areas: list[str]
    notes: str
    sources: list[Source] = field(default_factory=list)
    confidence: str = ""

    @property
    def is_aggregate(self) -> bool:
        return self.kind == "aggregate"

    @property
    def in_summit_cluster(self) -> bool:
        first = self.signed_on or parse_date(self.date_as_reported)[0]
        return first >= SUMMIT_CLUSTER_FROM


def parse_date(text: str) -> tuple[datetime.date, str, bool]:
    """'2025-12-18..19' → (18 Dec 2025, 'range', False); '2025-12 (planned)' → (1 Dec, 'month', True)."""
    match = DATE_RE.match(text.strip())
    if not match:
        raise RecordError(f"Unknown date {text!r}")
    year, month, day, last, planned = match.groups()
    first = datetime.date(int(year), int(month), int(day or 1))
    precision = "" if day and not last else ("range" if last else "month")
    return first, precision, bool(planned)


def split_outside_parentheses(text: str) -> list[str]:
    """Split at ';', ' / ', '->' and 'MEXT/' outside parentheses."""
    pieces, current, depth = [], "", 0
    index = 0
    while index < len(text):
        char = text[index]
        depth += (char == "(") - (char == ")")
        if depth == 0:
            for mark in (";", " / ", "->"):
                if text.startswith(mark, index):
                    pieces.append(current)
                    current, index = "", index + len(mark)
                    break
            else:
                if char == "/" and current.endswith("MEXT"):
                    pieces.append(current)
                    current = ""
                else:
                    current += char
                index += 1
            continue
        current += char
        index += 1
    return [*pieces, current]


def parse_parties(text: str) -> list[tuple[str, str]]:
    """'Government of Japan / JICA; beneficiary KRJC' →
    [('Gov JP', 'signatory'), ('JICA', 'signatory'), ('KRJC', 'implementing')]."""
    found: list[tuple[str, str]] = []
    for piece in split_outside_parentheses(text):
        piece = piece.strip()
        if not piece:
            continue
        role = "implementing" if any(mark in piece.lower() for mark in IMPLEMENTING_MARKS) else "signatory"
        bare = re.sub(r"^(beneficiary|beneficiaries)\s+", "", piece, flags=re.I)
        keys = [bare.lower(), re.sub(r"\s*\([^)]*\)", "", bare).strip().lower()]
        for key in keys:
            if key in PARTY_ALIASES:
                for short in PARTY_ALIASES[key]:
                    if short not in [s for s, _ in found]:
                        found.append((short, role))
                break
        else:
            raise RecordError(f"Unknown party {piece!r}")
    return found


def source_title(url: str) -> str:
    host = urlparse(url).netloc
    return PUBLISHERS.get(host, host.removeprefix("www."))


def parse_sources(text: str) -> list[Source]:
    urls = [u.strip() for u in text.split(" ; ") if u.strip()]
    return [Source(url, source_title(url)) for url in dict.fromkeys(urls)]


def find_areas(pillar: str, words: str) -> list[str]:
    text = words.lower()
    return [code for code in PILLAR_AREAS.get(pillar, ()) if any(w in text for w in AREA_WORDS[code])][:2]


def read_row(line: int, raw: dict) -> RecordRow:
    kind_text = raw["kind"].strip()
    aggregate = kind_text.startswith("aggregate")
    if not aggregate and kind_text not in KINDS:
        raise RecordError(f"Line {line}: unknown kind {kind_text!r}")
    if raw["pillar"] not in PILLARS:
        raise RecordError(f"Line {line}: unknown pillar {raw['pillar']!r}")
    first, precision, planned = parse_date(raw["signed_on"])
    amount = Decimal(raw["amount"]) if raw["amount"].strip() else None
    notes = raw["focus_area"].strip()
    is_target = amount is not None and "a target" in notes
    pillar = PILLARS[raw["pillar"]]
    return RecordRow(
        line=line, title=raw["title"].strip(), kind_as_written=kind_text,
        kind="aggregate" if aggregate else KINDS[kind_text],
        parties=[] if aggregate else parse_parties(raw["parties"]),
        countries=[COUNTRIES[c.strip()] for c in raw["countries"].split(";") if c.strip()],
        signed_on=None if planned else first, precision=precision,
        date_as_reported=raw["signed_on"].strip() if precision or planned else "", planned=planned,
        value=None if is_target else amount, currency=raw["currency"].strip() if amount is not None and not is_target else "",
        amount=amount, pillar=pillar,
        areas=find_areas(pillar, f"{raw['title']} {notes} {raw['kind']} {raw['pillar']}"),
        notes=notes, sources=parse_sources(raw["source"]), confidence=raw["confidence"].strip(),
    )


@cache
def read_record(path: Path = PATH) -> tuple[RecordRow, ...]:
    with open(path, encoding="utf-8", newline="") as handle:
        return tuple(read_row(line, raw) for line, raw in enumerate(csv.DictReader(handle), start=2))


def summit_documents() -> list[RecordRow]:
    return [row for row in read_record() if row.in_summit_cluster and not row.is_aggregate]


def earlier_documents() -> list[RecordRow]:
    return [row for row in read_record() if not row.in_summit_cluster and not row.is_aggregate]


def aggregates() -> list[RecordRow]:
    return [row for row in read_record() if row.is_aggregate]


@dataclass(frozen=True)
class Fact:
    key: str
    text: str
    country: str
    documents: int | None
    amount: Decimal | None
    currency: str
    reported_by: str
    source: Source | None
    confidence: str
    position: int


def facts() -> list[Fact]:
    """The aggregate rows as facts: the summit as a whole first, then one per country."""
    out = []
    for position, row in enumerate(aggregates()):
        local = [c for c in row.countries if c in CENTRAL_ASIA]
        country = local[0] if len(local) == 1 else ""
        number = re.search(r"\b(\d+)\b", row.title)
        reported = re.search(r"\b(METI|JETRO|MOFA)\b count", row.notes)
        source = row.sources[0] if row.sources else None
        key = f"{country.lower() or 'summit'}-{'documents' if number else 'value'}"
        out.append(Fact(
            key=key, text=row.title.removesuffix(" (aggregate)"), country=country, documents=int(number.group(1)) if number else None,
            amount=row.amount, currency=row.currency if row.amount is not None else "", confidence=row.confidence, position=position, source=source,
            reported_by=reported.group(1) if reported else (source.title if source else ""),
        ))
    return out
