"""Existing agreements an import is about: found, locked, and read in comparable form.

Found by reference (`load_by_reference`: each marked with whether the importer may change
it, locked until the import commits) or by title and date of signature (`agreements_by_title`, for rows with a
blank reference). What the import compares and changes around them — focus areas,
parties, milestones — is read with plain value queries per 500 agreements
(`attach_related`): model instances and per-object related managers for 10,000
agreements cost seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from agreements import policy
from agreements.batches import chunks
from agreements.imports.sources import current_sources
from agreements.imports.values import Unordered, normalise_name
from agreements.models import Agreement, Milestone, Party


@dataclass
class Related:
    """What an import compares and changes around an existing agreement."""

    focus_areas: set[int] = field(default_factory=set)
    parties: dict[tuple[int, str], int] = field(default_factory=dict)  # (organization, role) → Party id
    milestones: list[Milestone] = field(default_factory=list)
    sources: tuple = ()  # ((title, url), …): agreements.imports.sources


def attach_related(agreements: list[Agreement], *, milestones: bool = True) -> None:
    """Set `agreement.related` on each: a few queries per 500 agreements. The milestones (model
    instances, the bulk of it) only when the file has a milestones sheet to match them with."""
    by_id = {agreement.pk: agreement for agreement in agreements}
    for agreement in agreements:
        agreement.related = Related()
    through = Agreement.focus_areas.through
    for chunk in chunks(list(by_id)):
        areas = through.objects.filter(agreement_id__in=chunk).values_list("agreement_id", "focusarea_id")
        for agreement_id, area in areas:
            by_id[agreement_id].related.focus_areas.add(area)
        parties = Party.objects.filter(agreement_id__in=chunk).order_by("id")
        for pk, agreement_id, org, role in parties.values_list("pk", "agreement_id", "organization_id", "role"):
            by_id[agreement_id].related.parties[(org, role)] = pk
        for agreement_id, found in current_sources(chunk).items():
            by_id[agreement_id].related.sources = found
        if not milestones:
            continue
        for milestone in Milestone.objects.filter(agreement_id__in=chunk).order_by("due_on", "id"):
            by_id[milestone.agreement_id].related.milestones.append(milestone)


def current_values(agreement: Agreement) -> dict[str, Any]:
    """An existing agreement in the same comparable form the parsers give (needs attach_related)."""
    cache = getattr(agreement, "_current_values", None)
    if cache is None:
        cache = agreement._current_values = {
            "title": agreement.title.strip(), "kind": agreement.kind, "pillar": agreement.pillar_id,
            "focus_areas": frozenset(agreement.related.focus_areas),
            "signed_on": agreement.signed_on, "signed_at": agreement.signed_at.strip(),
            "parties": Unordered(agreement.related.parties),
            "lead_organization": agreement.lead_organization_id, "owner": agreement.owner_id, "value": agreement.value,
            "currency": agreement.currency, "end_date": agreement.end_date,
            "confidentiality": agreement.confidentiality,
            "summary": agreement.summary.replace("\r\n", "\n").strip(),
            "confidence": agreement.confidence, "sources": agreement.related.sources,
        }
    return cache


def load_by_reference(user, references: set[str], *, milestones: bool = True) -> dict[str, Agreement]:
    """The existing agreements the file names, locked for the rest of the import's transaction
    (a concurrent admin edit then waits, and its version check refuses the stale form), each
    with `.visible`: whether the importing user may change it (policy.record_editable_agreements,
    one filter per chunk). The ones they may not change are found too — so the file's own
    references never create a second agreement under a reference that exists — but only
    their reference is used: their contents are neither compared nor reported."""
    found, editable = {}, set()
    for chunk in chunks(sorted(references)):
        queryset = Agreement.objects.filter(reference__in=chunk)
        found.update({agreement.reference: agreement for agreement in queryset.select_for_update().order_by("pk")})
        editable |= set(policy.record_editable_agreements(user, queryset).values_list("pk", flat=True))
    for agreement in found.values():
        agreement.visible = agreement.pk in editable
    attach_related([agreement for agreement in found.values() if agreement.visible], milestones=milestones)
    return found


def agreements_by_title(user, titles: set[str], *, milestones: bool = True) -> dict[tuple, list[Agreement]]:
    """Existing agreements whose title matches, by (normalised title, date of signature), each
    with `.visible` (asked of the policy as one filter per chunk). Exact titles are asked for
    too: SQLite's LOWER() only folds ASCII letters."""
    agreements = []
    for chunk in chunks(sorted(titles)):
        queryset = Agreement.objects.annotate(lower_title=Lower("title")).filter(
            Q(title__in=chunk) | Q(lower_title__in=[title.lower() for title in chunk]))
        agreements += list(queryset)
    attach_related(agreements, milestones=milestones)
    visible = set()
    for chunk in chunks([agreement.pk for agreement in agreements]):
        queryset = policy.visible_agreements(user, Agreement.objects.filter(pk__in=chunk))
        visible |= set(queryset.values_list("pk", flat=True))
    found: dict[tuple, list[Agreement]] = {}
    for agreement in agreements:
        agreement.visible = agreement.pk in visible
        found.setdefault((normalise_name(agreement.title), agreement.signed_on), []).append(agreement)
    return found
