"""IATI 2.03 activity XML: every agreement a user may see and that is not restricted, as one
`iati-activity` each (README, "IATI", has the mapping table).

Streamed: `activities_xml` is a generator of text chunks, one per activity, reading the agreements
with `.iterator(chunk_size)` and their parties, focus areas and documents prefetched per chunk —
memory is bounded by the chunk, not the export (20,000 activities take as much as 500), and the
number of queries grows with the chunks, never per agreement.
"""
from __future__ import annotations

import datetime
import functools
import io
from collections.abc import Iterable, Iterator
from decimal import ROUND_DOWN, Decimal
from xml.sax.saxutils import XMLGenerator

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from agreements import policy
from agreements.models import Agreement, Document, Organization, Party, SectorCode, Status

VERSION = "2.03"
CHUNK = 500
CENTRAL_ASIA = ("KZ", "KG", "TJ", "TM", "UZ")

# Party role → IATI OrganisationRole (1 Funding, 2 Accountable, 3 Extending, 4 Implementing).
ORGANISATION_ROLE = {
    Party.Role.FINANCIER: "1",
    Party.Role.SIGNATORY: "2",    # answers for the agreement it signed
    Party.Role.GUARANTOR: "2",    # answers for the obligation it guarantees (IATI has no "guarantor")
    Party.Role.IMPLEMENTING: "4",
}
# Organisation kind → IATI OrganisationType; companies and banks are refined by country below.
ORGANISATION_TYPE = {
    Organization.Kind.MINISTRY: "10",       # Government
    Organization.Kind.AGENCY: "10",         # Government (JICA, JBIC, JOGMEC… are state agencies)
    Organization.Kind.COMPANY: "70",        # Private Sector
    Organization.Kind.BANK: "70",
    Organization.Kind.UNIVERSITY: "80",     # Academic, Training and Research
    Organization.Kind.HOSPITAL: "90",       # Other
    Organization.Kind.INTERNATIONAL: "40",  # Multilateral
    Organization.Kind.OTHER: "90",
}
PRIVATE = (Organization.Kind.COMPANY, Organization.Kind.BANK)
# Agreement kinds whose value is an aid commitment (transaction type 2) and its finance type.
FINANCE_TYPE = {"grant": "110", "exchange_of_notes": "110", "loan": "421"}
CLOSED = (Status.COMPLETED, Status.TERMINATED)
MOU_KINDS = ("mou", "moc")


def publisher_prefix() -> str:
    return settings.IATI_PUBLISHER_PREFIX


def identifier(agreement: Agreement) -> str:
    return f"{publisher_prefix()}-{agreement.reference}"


def published_agreements(user=None) -> QuerySet:
    """What is published: not restricted, and (for a person) what the policy lets them see. The
    command without a user publishes every agreement that is not restricted."""
    queryset = Agreement.objects.exclude(confidentiality=Agreement.Confidentiality.RESTRICTED)
    if user is not None:
        queryset = policy.visible_agreements(user, queryset)
    return queryset


def _with_children(queryset: QuerySet) -> QuerySet:
    prefetches = [
        Prefetch("parties", Party.objects.select_related("organization").order_by("id")),
        "focus_areas",
        Prefetch("documents", Document.objects.order_by("uploaded_at", "id")),
    ]
    if _has_sources():
        prefetches.append("sources")
    return queryset.select_related(None).prefetch_related(*prefetches).order_by("reference")


@functools.cache
def _has_sources() -> bool:
    # Source links of the public record (issue 16) become document-links when the model has them.
    return any(getattr(rel, "get_accessor_name", lambda: "")() == "sources" for rel in Agreement._meta.related_objects)


def activities_xml(agreements: QuerySet, *, now: datetime.datetime | None = None, chunk_size: int = CHUNK
                   ) -> Iterator[str]:
    """The `iati-activities` document, in chunks of text (one per activity)."""
    now = now or timezone.now()
    sectors = dict(SectorCode.objects.values_list("focus_area_id", "code"))
    buffer = io.StringIO()
    xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)
    buffer.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    xml.startElement("iati-activities", {"version": VERSION, "generated-datetime": _datetime(now)})
    for agreement in _with_children(agreements).iterator(chunk_size=chunk_size):
        xml.ignorableWhitespace("\n")
        _activity(xml, agreement, sectors)
        yield _drain(buffer)
    xml.ignorableWhitespace("\n")
    xml.endElement("iati-activities")
    buffer.write("\n")
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


class _Writer:
    """Element helpers over a SAX generator (text and attributes escaped by it)."""

    def __init__(self, xml: XMLGenerator):
        self.xml = xml

    def empty(self, name: str, **attrs) -> None:
        self.xml.startElement(name, _attrs(attrs))
        self.xml.endElement(name)

    def narratives(self, name: str, texts: Iterable[tuple[str | None, str]], **attrs) -> None:
        self.xml.startElement(name, _attrs(attrs))
        for lang, text in texts:
            self.xml.startElement("narrative", {"xml:lang": lang} if lang else {})
            self.xml.characters(text)
            self.xml.endElement("narrative")
        self.xml.endElement(name)


def _attrs(attrs: dict) -> dict:
    return {key.replace("_", "-"): str(value) for key, value in attrs.items() if value not in (None, "")}


def _activity(xml: XMLGenerator, agreement: Agreement, sectors: dict[int, str]) -> None:
    w = _Writer(xml)
    xml.startElement("iati-activity", _attrs({"last_updated_datetime": _datetime(agreement.updated_at),
                                               "xml:lang": "en", "default_currency": agreement.currency}))
    xml.startElement("iati-identifier", {})
    xml.characters(identifier(agreement))
    xml.endElement("iati-identifier")
    w.narratives("reporting-org", [(None, settings.IATI_PUBLISHER_NAME)], ref=publisher_prefix(),
                 type=settings.IATI_PUBLISHER_TYPE)
    w.narratives("title", _titles(agreement))
    w.narratives("description", [(None, _description(agreement))], type="1")
    for party in agreement.parties.all():
        w.narratives("participating-org", [(None, party.organization.name)], role=ORGANISATION_ROLE[party.role],
                     type=organisation_type(party.organization))
    w.empty("activity-status", code=agreement.iati_status)
    for date_type, day in activity_dates(agreement):
        w.empty("activity-date", type=date_type, iso_date=day.isoformat())
    for code, percentage in recipient_countries(agreement):
        w.empty("recipient-country", code=code, percentage=percentage)
    for code, percentage in activity_sectors(agreement, sectors):
        w.empty("sector", vocabulary="1", code=code, percentage=percentage)
    _transaction(xml, w, agreement)
    for url, title, fmt, category, day in document_links(agreement):
        xml.startElement("document-link", {"url": url, "format": fmt})
        w.narratives("title", [(None, title)])
        w.empty("category", code=category)
        if day:
            w.empty("document-date", iso_date=day.isoformat())
        xml.endElement("document-link")
    xml.endElement("iati-activity")


def _titles(agreement: Agreement) -> list[tuple[str | None, str]]:
    titles: list[tuple[str | None, str]] = [(None, agreement.title)]
    titles += [(lang, text) for lang, text in (("ru", agreement.title_ru), ("ja", agreement.title_ja)) if text]
    return titles


def _description(agreement: Agreement) -> str:
    """The summary as typed; without one, what the record says (IATI needs a description)."""
    if agreement.summary.strip():
        return agreement.summary
    with translation.override("en"):
        text = str(Agreement.Kind(agreement.kind).label)
        if agreement.signed_on:
            place = f" in {agreement.signed_at}" if agreement.signed_at else ""
            text += f", signed{place} on {agreement.signed_on.isoformat()}"
    return text + "."


def organisation_type(organization: Organization) -> str:
    if organization.kind in PRIVATE:
        code = organization.country.code
        return "71" if code == "JP" else "72" if code in CENTRAL_ASIA else "73"
    return ORGANISATION_TYPE.get(organization.kind, "90")


def activity_dates(agreement: Agreement) -> list[tuple[str, datetime.date]]:
    """2 actual start = signature (1 planned start, the record's creation, for a draft not signed
    yet); 3 planned end = the end date while open, 4 actual end once completed or terminated (the
    end date, else the day the status changed)."""
    dates: list[tuple[str, datetime.date]] = []
    if agreement.signed_on:
        dates.append(("2", agreement.signed_on))
    else:
        dates.append(("1", timezone.localdate(agreement.created_at)))
    if agreement.status in CLOSED:
        dates.append(("4", agreement.end_date or timezone.localdate(agreement.status_changed_at)))
    elif agreement.end_date:
        dates.append(("3", agreement.end_date))
    return dates


def split_percentages(codes: list[str]) -> list[tuple[str, str | None]]:
    """Equal shares with two decimals that sum to exactly 100 (the last takes the remainder);
    a single code carries no percentage (IATI: 100 is implied)."""
    if len(codes) <= 1:
        return [(code, None) for code in codes]
    share = (Decimal(100) / len(codes)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    last = Decimal(100) - share * (len(codes) - 1)
    return [(code, str(share)) for code in codes[:-1]] + [(codes[-1], str(last))]


def recipient_countries(agreement: Agreement) -> list[tuple[str, str | None]]:
    codes = []
    for party in agreement.parties.all():
        code = party.organization.country.code
        if code in CENTRAL_ASIA and code not in codes:
            codes.append(code)
    return split_percentages(codes)


def activity_sectors(agreement: Agreement, sectors: dict[int, str]) -> list[tuple[str, str | None]]:
    codes = []
    for area in agreement.focus_areas.all():
        code = sectors.get(area.pk)
        if code and code not in codes:
            codes.append(code)
    return split_percentages(codes)


def _transaction(xml: XMLGenerator, w: _Writer, agreement: Agreement) -> None:
    """A commitment (type 2) for the value of a grant or a loan, on the day of signature."""
    if agreement.kind not in FINANCE_TYPE or agreement.value is None or not agreement.signed_on:
        return
    day = agreement.signed_on.isoformat()
    xml.startElement("transaction", {})
    w.empty("transaction-type", code="2")
    w.empty("transaction-date", iso_date=day)
    xml.startElement("value", _attrs({"currency": agreement.currency, "value_date": day}))
    xml.characters(format(agreement.value.normalize(), "f"))
    xml.endElement("value")
    w.empty("finance-type", code=FINANCE_TYPE[agreement.kind])
    xml.endElement("transaction")


def document_links(agreement: Agreement) -> list[tuple[str, str, str, str, datetime.date | None]]:
    """(url, title, format, category, date): the uploaded documents (A09 memorandum of understanding
    for memoranda, A11 contract otherwise; behind the tracker's sign-in) and the public sources
    (A12 activity web page)."""
    site = settings.SITE_URL.rstrip("/")
    category = "A09" if agreement.kind in MOU_KINDS else "A11"
    links = []
    for document in agreement.documents.all():
        url = site + reverse("document-download", args=[agreement.reference, document.pk])
        links.append((url, document.title, document.content_type or "application/octet-stream", category,
                      timezone.localdate(document.uploaded_at)))
    if _has_sources():
        for source in agreement.sources.all():
            links.append((source.url, source.title or source.url, "text/html", "A12", None))
    return links


def _datetime(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
