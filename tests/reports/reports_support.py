"""Shared by the reports tests: the seeded summit at a frozen date, and independent counts.

The expected figures are computed here in plain Python over every row — not with the
aggregates of agreements.reports — so a wrong GROUP BY, join or filter there shows up as a
difference."""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory

from agreements import policy
from agreements.demo import summit as demo
from agreements.filters import AgreementFilter
from agreements.models import OPEN_STATUSES, Agreement
from tests.conftest import data_migrations

TODAY = datetime.date(2026, 6, 10)
NOW = datetime.datetime(2026, 6, 10, 9, 30, tzinfo=datetime.timezone.utc)
IMPLEMENTATION = {"in_progress", "on_hold", "pending_closure", "completed"}


@pytest.fixture(scope="module")
def frozen_summit(django_db_setup, django_db_blocker):
    """The demo summit (158 agreements) seeded once per module at a frozen 10 June 2026,
    inside a transaction rolled back at the end; each test runs in a savepoint within it."""
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock():
        with transaction.atomic():
            # A transactional test run before may have flushed the migration's pillars and groups.
            historical, steps = data_migrations()
            for step in steps:
                step(historical, None)
            demo.seed(today=TODAY)
            yield
            transaction.set_rollback(True)


# --- Independent counting ---------------------------------------------------------------------

def load(user) -> list[Agreement]:
    """Every agreement the user may see, by the rule in DESIGN.md (not through policy)."""
    rows = Agreement.objects.select_related("pillar").prefetch_related(
        "parties__organization", "focus_areas", "milestones", "team", "updates", "transitions")
    if policy.is_manager(user):
        return list(rows)
    return [a for a in rows if a.confidentiality == "internal" or a.owner_id == user.pk
            or any(member.pk == user.pk for member in a.team.all())]


def expected_figures(agreements: list[Agreement], today: datetime.date, now: datetime.datetime) -> dict:
    soon = today + datetime.timedelta(days=30)
    milestones = [m for a in agreements for m in a.milestones.all()]
    done = [m for m in milestones if m.state == "done" and m.done_on <= today]
    overdue = [m for m in milestones if m.state == "planned" and m.due_on < today]
    upcoming = [m for m in milestones if m.state == "planned" and today <= m.due_on <= soon]
    stale_cut = now - datetime.timedelta(days=30)
    return {
        "total": len(agreements),
        "status": Counter(a.status for a in agreements),
        "pillar_status": Counter((a.pillar.code, a.status) for a in agreements),
        "implementation": sum(a.status in IMPLEMENTATION for a in agreements),
        "at_risk": sum(a.status in OPEN_STATUSES and a.health in ("at_risk", "off_track") for a in agreements),
        "health_open": Counter(a.health for a in agreements if a.status in OPEN_STATUSES),
        "stale": sum(a.status in ("signed", "in_progress") and (a.last_progress_at is None
                     or a.last_progress_at < stale_cut) for a in agreements),
        "closures": sum(a.status == "pending_closure" for a in agreements),
        "restricted": sum(a.confidentiality == "restricted" for a in agreements),
        "milestones": {name: (len(rows), len({m.agreement_id for m in rows}))
                       for name, rows in (("done", done), ("overdue", overdue), ("upcoming", upcoming))},
        "country_pillar": Counter((c, a.pillar.code) for a in agreements for c in party_countries(a)),
        "focus": Counter(f.code for a in agreements for f in a.focus_areas.all()),
        "money": money(agreements),
        "quality": quality(agreements, today, now),
    }


def party_countries(agreement: Agreement) -> set[str]:
    return {party.organization.country.code for party in agreement.parties.all()}


def money(agreements: list[Agreement]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    totals: dict = defaultdict(lambda: [Decimal(0), 0])
    for a in agreements:
        if a.currency:
            totals[a.currency.upper(), a.pillar.code][0] += a.value or 0
            totals[a.currency.upper(), a.pillar.code][1] += 1
    return {key: tuple(value) for key, value in totals.items()}


def quality(agreements: list[Agreement], today: datetime.date, now: datetime.datetime) -> dict[str, int]:
    working = ("signed", "in_progress", "on_hold")
    silent_cut = now - datetime.timedelta(days=60)
    return {
        "no_future_milestone": sum(a.status in working and not any(
            m.state == "planned" and m.due_on >= today for m in a.milestones.all()) for a in agreements),
        "no_update": sum(a.last_progress_at is None and a.status != "draft" for a in agreements),
        "owner_silent": sum(a.status in working and not any(
            u.author_id == a.owner_id and u.created_at >= silent_cut for u in a.updates.all()) for a in agreements),
        "value_without_currency": sum(a.value is not None and not a.currency for a in agreements),
        "no_lead_organization": sum(a.lead_organization_id is None for a in agreements),
    }


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def expected_months(agreements: list[Agreement]) -> dict[str, Counter]:
    milestones = [m for a in agreements for m in a.milestones.all()]
    return {
        "signed": Counter(month_of(a.signed_on) for a in agreements if a.signed_on),
        "due": Counter(month_of(m.due_on) for m in milestones if m.state != "waived"),
        "done": Counter(month_of(m.done_on) for m in milestones if m.state == "done"),
        "changes": Counter(month_of(t.at.date()) for a in agreements for t in a.transitions.all()),  # UTC users
    }


# --- Reading the rendered page -------------------------------------------------------------------

class DrillLinks(HTMLParser):
    """Collects every link to the agreement list (href, data-agreements, data-counts, text)
    and every unlinked number (span.zero)."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.zeros: list[str] = []
        self._open: dict | None = None
        self._zero = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and (attrs.get("href") or "").startswith("/agreements/?"):
            self._open = {**attrs, "text": ""}
        elif tag == "span" and "zero" in (attrs.get("class") or "").split():
            self._zero = True
            self.zeros.append("")

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data
        if self._zero:
            self.zeros[-1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self._open["text"] = " ".join(self._open["text"].split())
            self.links.append(self._open)
            self._open = None
        elif tag == "span":
            self._zero = False


def parse_links(html: str) -> DrillLinks:
    parser = DrillLinks()
    parser.feed(html)
    return parser


def list_count(user, query: str) -> int:
    """What the agreement list shows for `query`: AgreementFilter over what the user may see."""
    request = RequestFactory().get("/agreements/", QueryDict(query))
    request.user = user
    filterset = AgreementFilter(request.GET, queryset=policy.visible_agreements(user), request=request)
    assert filterset.is_valid(), (query, filterset.errors)
    return filterset.qs.count()


def number(text: str) -> int:
    return int(text.split()[0].replace(",", "").replace("\xa0", "").rstrip("%"))
