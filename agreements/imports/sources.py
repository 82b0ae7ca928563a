"""Sources and confidence in the spreadsheet round trip (issue 16), kept apart from the rest of the
importer: parsing the cells, reading the current value, writing the rows.

A `sources` cell holds entries separated by “;”, each `title | address` or just an address:
`JICA press release | https://www.jica.go.jp/…; https://www.nippon.com/…`. The order is kept
(it is the order shown on the agreement's page). A `confidence` cell holds high, medium or low
(or blank).
"""
from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from agreements.batches import chunks
from agreements.imports.values import CellProblem, parse_text
from agreements.models import Agreement, Confidence, SourceLink

ENTRY_SEPARATOR = re.compile(r";(?=\s|$)")  # a “;” inside an address (rare) is followed by no space
TITLE_SEPARATOR = " | "
URL = URLValidator(schemes=["http", "https"])

Sources = tuple[tuple[str, str], ...]  # ((title, url), …) in order


def format_sources(links) -> str:
    """SourceLink rows (or (title, url) pairs) → the cell's text."""
    pairs = [(link.title, link.url) if isinstance(link, SourceLink) else link for link in links]
    return "; ".join(f"{title}{TITLE_SEPARATOR}{url}" if title else url for title, url in pairs)


def parse_sources(value: Any) -> Sources:
    text = parse_text(value)
    found: list[tuple[str, str]] = []
    for entry in (part.strip() for part in ENTRY_SEPARATOR.split(text)):
        if not entry:
            continue
        title, _bar, url = entry.rpartition("|")
        title, url = title.strip(), url.strip()
        try:
            URL(url)
        except ValidationError:
            raise CellProblem(_("“%(entry)s” is not “title | address” with an address starting with http:// or "
                                "https://.") % {"entry": entry}) from None
        if len(url) > 500 or len(title) > 300:
            raise CellProblem(_("“%(entry)s” is too long: at most 300 characters of title and 500 of address.")
                              % {"entry": entry})
        if url not in [u for _t, u in found]:
            found.append((title, url))
    return tuple(found)


def parse_confidence(value: Any) -> str:
    text = parse_text(value).lower()
    labels = {str(label).lower(): code for code, label in Confidence.choices}
    if not text or text in Confidence.values:
        return text
    if text in labels:
        return labels[text]
    raise CellProblem(_("“%(value)s” is not a confidence: write high, medium or low (or leave it blank).")
                      % {"value": text})


def current_sources(agreement_ids: list[int]) -> dict[int, Sources]:
    """Each agreement's sources in the parsers' form: one query per 500 agreements."""
    found: dict[int, list[tuple[str, str]]] = {pk: [] for pk in agreement_ids}
    for chunk in chunks(agreement_ids):
        rows = SourceLink.objects.filter(agreement_id__in=chunk).order_by("agreement_id", "position", "id")
        for agreement_id, title, url in rows.values_list("agreement_id", "title", "url"):
            found[agreement_id].append((title, url))
    return {pk: tuple(pairs) for pk, pairs in found.items()}


def replace_sources(wanted: dict[int, Sources]) -> None:
    """Agreement id → its sources as the file gives them (created agreements, or changed sources)."""
    if not wanted:
        return
    for chunk in chunks(list(wanted)):
        SourceLink.objects.filter(agreement_id__in=chunk).delete()
    SourceLink.objects.bulk_create([
        SourceLink(agreement_id=pk, title=title, url=url, position=position)
        for pk, pairs in wanted.items() for position, (title, url) in enumerate(pairs)])


def export_cells(agreement: Agreement) -> list[str]:
    """The confidence and sources cells of an export row (`sources` prefetched)."""
    return [agreement.confidence, format_sources(agreement.sources.all())]
