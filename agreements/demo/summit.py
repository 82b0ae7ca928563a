"""Builds the demo summit: organizations, staff, ~158 agreements with milestones, updates
and transition history, as of today. Deterministic for a given seed and date; idempotent
(existing references are left alone). Bulk inserts, so 20,000 agreements take seconds.

What is real and what is not (issue 16): every individual document of the summit cluster in the
public record (agreements/demo/public_record/, read by agreements.demo.record) is built with its
real title, kind, parties and roles, date, value where reported, sources and confidence; the
record's earlier agreements (2019 – November 2025) are built too, marked as signed before the
summit; the rest of the summit's documents, whose titles are not public, are illustrative
agreements, marked so. The record's counts and totals become PublicFact rows, not agreements.
Follow-up activity (owners, team, milestones, progress updates, statuses) is synthetic for all.

Statuses are not written here: each agreement's history is replayed through
`workflow.replay`, which checks every step against the workflow table.
"""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from agreements import workflow
from agreements.batches import chunks
from agreements.demo import focal_points, record, stages
from agreements.demo.data import (
    CA_COUNTRIES,
    CAPITALS,
    DATA_ENTRY,
    DEMO_PASSWORD,
    DEMO_USERS,
    GENERIC_MILESTONES,
    MANAGERS,
    NEXT_STEPS,
    OFFICERS,
    ORGANIZATIONS,
    TOPICS,
    UPDATE_LINES,
)
from agreements.demo.record_data import RECORD_ORGANIZATIONS
from agreements.models import (
    Agreement,
    AgreementStage,
    FocalPoint,
    FocusArea,
    Milestone,
    Organization,
    Origin,
    Party,
    Pillar,
    ProgressUpdate,
    PublicFact,
    SourceLink,
    Status,
    TransitionLog,
    User,
)
from agreements.policy import Role
from agreements.references import format_reference

SUMMIT_DAYS = (datetime.date(2025, 12, 19), datetime.date(2025, 12, 20))
PILLAR_WEIGHTS = {"green-resilience": 45, "connectivity": 20, "human-resources": 25, "cross-cutting": 10}
STATUS_WEIGHTS = {
    Status.DRAFT: 3, Status.SIGNED: 14, Status.IN_PROGRESS: 52, Status.ON_HOLD: 6,
    Status.PENDING_CLOSURE: 6, Status.COMPLETED: 14, Status.TERMINATED: 5,
}
# The path each seeded status took (every step is checked by workflow.replay).
PATHS = {
    Status.DRAFT: [],
    Status.SIGNED: [Status.SIGNED],
    Status.IN_PROGRESS: [Status.SIGNED, Status.IN_PROGRESS],
    Status.ON_HOLD: [Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD],
    Status.PENDING_CLOSURE: [Status.SIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSURE],
    Status.COMPLETED: [Status.SIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSURE, Status.COMPLETED],
    Status.TERMINATED: [Status.SIGNED, Status.IN_PROGRESS, Status.TERMINATED],
}
# Follow-up of real documents is synthetic, but no real document is shown abandoned.
RECORD_STATUS_WEIGHTS = {
    Status.SIGNED: 15, Status.IN_PROGRESS: 60, Status.ON_HOLD: 6, Status.PENDING_CLOSURE: 6, Status.COMPLETED: 13,
}
EARLIER_STATUS_WEIGHTS = {Status.IN_PROGRESS: 55, Status.ON_HOLD: 5, Status.PENDING_CLOSURE: 10, Status.COMPLETED: 30}
ILLUSTRATIVE_SUMMARY = ("Illustrative: stands in for one of the summit's 158 documents whose titles are not public. "
                        "Not a real agreement.")
REASONS = {
    Status.ON_HOLD: "Waiting for the counterpart's budget approval.",
    Status.TERMINATED: "The partners agreed to end the project; see the final report.",
}
KIND_WEIGHTS = {
    "mou": 35, "moc": 15, "commercial": 8, "supply": 4, "joint_venture": 5, "loan": 6, "grant": 7,
    "exchange_of_notes": 4, "framework": 5, "roadmap": 4, "treaty": 1, "joint_statement": 4, "other": 2,
}
JAPANESE_BY_KIND = {
    "loan": ["JBIC", "JICA"], "grant": ["JICA", "MOFA"], "exchange_of_notes": ["MOFA"], "treaty": ["MOF", "MOFA"],
    "supply": ["Sumitomo", "Mitsubishi", "Toyota Tsusho", "Sojitz", "JOGMEC"],
    "joint_venture": ["Mitsui", "Marubeni", "ITOCHU", "Sumitomo", "Toyota Tsusho"],
    "commercial": ["Hitachi", "Toshiba ESS", "Kawasaki", "Komatsu", "JGC", "Chiyoda"],
}
JAPANESE_BY_AREA = {
    "energy-resources": ["JOGMEC", "METI", "Mitsubishi", "Sumitomo", "Sojitz", "JBIC"],
    "climate-mitigation": ["MOEJ", "METI", "NEDO", "JGC", "JICA"],
    "renewable-transition": ["NEDO", "Marubeni", "Toshiba ESS", "JBIC", "NEXI", "MUFG", "SMBC"],
    "disaster-risk-reduction": ["JICA", "MLIT", "UTokyo"],
    "logistics-transport": ["MLIT", "JICA", "Hitachi", "Toyota Tsusho", "Kawasaki"],
    "capacity-building": ["JICA", "MEXT", "JETRO", "UTokyo", "Tsukuba"],
    "health-medical": ["MHLW", "NCGM", "JICA", "Tsukuba"],
    None: ["MOFA", "METI", "JETRO"],
}
# Which Central Asian counterparts fit a focus area (matched on the organization's sector).
CA_SECTORS_BY_AREA = {
    "energy-resources": ("Energy", "Oil", "gas", "Mining", "Uranium", "metals"),
    "climate-mitigation": ("Energy", "Oil", "gas", "Chemicals", "Industry"),
    "renewable-transition": ("Energy", "Power", "Investment"),
    "disaster-risk-reduction": ("Disaster", "Emergency", "water"),
    "logistics-transport": ("Transport", "Railways"),
    "capacity-building": ("Higher education", "Economy", "Investment"),
    "health-medical": ("Health",),
    None: ("Foreign affairs",),
}


@dataclass
class Cast:
    officers: list[User]
    managers: list[User]
    data_entry: list[User]
    organizations: dict[str, Organization]  # by short name
    by_country: dict[str, list[Organization]]
    pillars: dict[str, Pillar]
    areas: dict[str, list[FocusArea]]  # by pillar code


@dataclass
class Built:
    """One agreement and the rows that hang off it, ready for bulk_create."""

    agreement: Agreement
    areas: list[FocusArea]
    team: list[User]
    parties: list[Party]
    milestones: list[Milestone]
    updates: list[ProgressUpdate]
    logs: list[TransitionLog] = field(default_factory=list)
    sources: list[SourceLink] = field(default_factory=list)

    @property
    def entered_on(self) -> datetime.date:
        """The record would have been entered a few days before signature."""
        day = self.agreement.signed_on or self.agreement.status_changed_at.date()
        return day - datetime.timedelta(days=3)


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


SUMMIT_YEAR = 2025  # the summit's documents are numbered CAJ-2025-NNN
EARLIER_2025_FROM = 90001
EARLIER_2025_BLOCK = 10_000  # CAJ-2025-90001…100000 are the earlier agreements'; the summit series steps over them


def reference_for(number: int) -> str:
    """The summit series' `number`-th reference. From the 90,001st on (a demo of 100,000 agreements)
    it continues after the earlier agreements' block, so neither series ever takes the other's."""
    return format_reference(SUMMIT_YEAR, number if number < EARLIER_2025_FROM else number + EARLIER_2025_BLOCK)


# --- People and organizations -----------------------------------------------------------

def ensure_user(username: str, first: str, last: str, zone: str, role: str | None, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "time_zone": zone, "email": f"{username}@tracker.example",
                  "is_staff": staff, "notify_digest": role == Role.MANAGER},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def ensure_organization(name: str, short: str, country: str, kind: str, sector: str) -> Organization:
    """The organisation of that name in that country (any case), created when missing."""
    org = Organization.objects.filter(name__iexact=name, country=country).order_by("pk").first()
    return org or Organization.objects.create(name=name, country=country, short_name=short, kind=kind, sector=sector)


def build_cast() -> Cast:
    organizations = {}
    for name, short, country, kind, sector in ORGANIZATIONS + RECORD_ORGANIZATIONS:
        organizations[short] = ensure_organization(name, short, country, kind, sector)
    by_country: dict[str, list[Organization]] = {}
    for org in organizations.values():
        by_country.setdefault(org.country.code, []).append(org)
    pillars = {p.code: p for p in Pillar.objects.all()}
    areas: dict[str, list[FocusArea]] = {code: [] for code in pillars}
    for area in FocusArea.objects.select_related("pillar"):
        areas[area.pillar.code].append(area)
    return Cast(
        officers=[ensure_user(*person, Role.OFFICER) for person in OFFICERS],
        managers=[ensure_user(*person, Role.MANAGER, staff=True) for person in MANAGERS],
        data_entry=[ensure_user(*person, Role.DATA_ENTRY, staff=True) for person in DATA_ENTRY],
        organizations=organizations, by_country=by_country, pillars=pillars, areas=areas,
    )


# --- One agreement ----------------------------------------------------------------------

def at_hour(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def signing_date(rng: random.Random) -> datetime.date:
    roll = rng.random()
    if roll < 0.78:
        return SUMMIT_DAYS[0] if roll < 0.40 else SUMMIT_DAYS[1]
    if roll < 0.90:
        return datetime.date(2025, 12, 1) + datetime.timedelta(days=rng.randrange(18))
    return datetime.date(2025, 12, 21) + datetime.timedelta(days=rng.randrange(45))


def pick_value(rng: random.Random, kind: str) -> tuple[Decimal | None, str]:
    if kind == "loan":
        return Decimal(rng.randrange(50, 800) * 100_000_000), "JPY"
    if kind in ("grant", "exchange_of_notes"):
        return Decimal(rng.randrange(2, 60) * 100_000_000), "JPY"
    if kind in ("supply", "joint_venture", "commercial") and rng.random() < 0.5:
        return Decimal(rng.randrange(10, 500) * 1_000_000), "USD"
    if rng.random() < 0.08:
        return Decimal(rng.randrange(1, 30) * 100_000_000), "JPY"
    return None, ""


def pick_parties(rng: random.Random, cast: Cast, area_code: str | None, kind: str, country: str) -> list[Organization]:
    japanese_pool = JAPANESE_BY_KIND.get(kind) or JAPANESE_BY_AREA[area_code]
    japanese = cast.organizations[rng.choice(japanese_pool)]
    sectors = CA_SECTORS_BY_AREA[area_code]
    candidates = [o for o in cast.by_country[country] if any(s in o.sector for s in sectors)]
    candidates = candidates or [o for o in cast.by_country[country] if o.kind == "ministry"]
    local = rng.choice(candidates)
    parties = [japanese, local]
    if kind == "joint_statement" and rng.random() < 0.5:  # regional statements: all five plus Japan
        parties += [next(o for o in cast.by_country[c] if o.kind == "ministry") for c in CA_COUNTRIES if c != country]
    elif rng.random() < 0.2:
        extra = rng.choice([cast.organizations[s] for s in ("JICA", "JBIC", "NEXI", "MUFG", "SMBC", "Mizuho")])
        if extra not in parties:
            parties.append(extra)
    return parties


def build_one(rng: random.Random, cast: Cast, number: int, today: datetime.date) -> Built:
    """An illustrative agreement: invented, and marked so (origin, summary)."""
    pillar_code = weighted(rng, PILLAR_WEIGHTS)
    pillar_areas = cast.areas[pillar_code]
    areas = rng.sample(pillar_areas, k=min(len(pillar_areas), rng.choice([1, 1, 1, 2]))) if pillar_areas else []
    area_code = areas[0].code if areas else None
    kind = "joint_statement" if pillar_code == "cross-cutting" and rng.random() < 0.5 else weighted(rng, KIND_WEIGHTS)
    country = weighted(rng, CA_COUNTRIES)
    topics, milestone_titles = TOPICS[area_code]
    topic = rng.choice(topics)
    orgs = pick_parties(rng, cast, area_code, kind, country)
    status = weighted(rng, STATUS_WEIGHTS)
    signed_on = signing_date(rng)
    value, currency = pick_value(rng, kind)
    owner = rng.choice(cast.officers)
    kind_label = Agreement.Kind(kind).label
    agreement = Agreement(
        reference=reference_for(number),
        title=f"{kind_label} on {topic} ({orgs[0].short_name} – {orgs[1].short_name})",
        summary=ILLUSTRATIVE_SUMMARY, origin=Origin.ILLUSTRATIVE,
        kind=kind, pillar=cast.pillars[pillar_code], signed_on=signed_on,
        signed_at="Tokyo" if signed_on in SUMMIT_DAYS else rng.choice([CAPITALS[country], "Tokyo"]),
        value=value, currency=currency,
        end_date=signed_on + datetime.timedelta(days=365 * rng.randint(2, 5)) if rng.random() < 0.4 else None,
        owner=owner, lead_organization=orgs[0],
        confidentiality="restricted" if rng.random() < (0.3 if kind in JAPANESE_BY_KIND else 0.08) else "internal",
        status_changed_at=at_hour(signed_on),
    )
    roles = [Party.Role.SIGNATORY] * len(orgs)
    if kind in ("loan", "grant") and len(orgs) > 2:
        roles[-1] = Party.Role.FINANCIER
    if status == Status.DRAFT and rng.random() < 0.5:
        orgs = orgs[:1]  # entered, second signatory not yet recorded: signing is refused with the reason
    parties = [Party(agreement=agreement, organization=o, role=r) for o, r in zip(orgs, roles)]
    others = [o for o in cast.officers if o != owner]
    team = rng.sample(others, k=rng.choice([0, 0, 1, 2]))
    built = Built(agreement, areas, team, parties, [], [])
    dates = history_dates(rng, status, signed_on, today)
    built.milestones = build_milestones(rng, agreement, status, milestone_titles, dates, today)
    built.updates = build_updates(rng, agreement, status, dates, today)
    built.logs = replay_history(agreement, status, dates, cast)
    return built


def build_from_record(rng: random.Random, cast: Cast, row: record.RecordRow, reference: str, origin: str,
                      today: datetime.date) -> Built:
    """A document of the public record as the sources give it; its follow-up is synthetic."""
    if row.planned:
        status = Status.DRAFT  # signature planned, not confirmed: no date of signature
    else:
        status = weighted(rng, RECORD_STATUS_WEIGHTS if origin == Origin.SUMMIT else EARLIER_STATUS_WEIGHTS)
    first_day = row.signed_on or record.parse_date(row.date_as_reported)[0]
    owner = rng.choice(cast.officers)
    orgs = [(cast.organizations[short], role) for short, role in row.parties]
    agreement = Agreement(
        reference=reference, title=row.title[:300], summary=row.notes, kind=row.kind, pillar=cast.pillars[row.pillar],
        signed_on=row.signed_on, value=row.value, currency=row.currency, owner=owner,
        lead_organization=orgs[0][0] if orgs else None, confidentiality="internal", status_changed_at=at_hour(first_day),
        origin=origin, confidence=row.confidence, date_precision=row.precision, date_as_reported=row.date_as_reported,
    )
    areas = [area for area in cast.areas[row.pillar] if area.code in row.areas]
    parties = [Party(agreement=agreement, organization=o, role=role) for o, role in orgs]
    others = [o for o in cast.officers if o != owner]
    team = rng.sample(others, k=rng.choice([0, 0, 1, 2]))
    built = Built(agreement, areas, team, parties, [], [])
    built.sources = [SourceLink(agreement=agreement, url=s.url, title=s.title, position=i) for i, s in enumerate(row.sources)]
    milestone_titles = TOPICS[row.areas[0] if row.areas else None][1]
    dates = history_dates(rng, status, row.signed_on or first_day, today)
    built.milestones = build_milestones(rng, agreement, status, milestone_titles, dates, today, start=first_day)
    built.updates = build_updates(rng, agreement, status, dates, today)
    built.logs = replay_history(agreement, status, dates, cast)
    return built


def history_dates(rng: random.Random, status: str, signed_on: datetime.date, today: datetime.date) -> list[datetime.date]:
    """Increasing dates for the steps of PATHS[status]: signature first, the rest before today."""
    steps = len(PATHS[status])
    span = (today - signed_on).days
    if steps <= 1:
        return [signed_on] * steps
    if span <= steps:
        return [min(today, signed_on + datetime.timedelta(days=i)) for i in range(steps)]
    offsets = sorted(rng.sample(range(1, span), steps - 1))
    return [signed_on] + [signed_on + datetime.timedelta(days=o) for o in offsets]


def replay_history(agreement: Agreement, status: str, dates: list[datetime.date], cast: Cast) -> list[TransitionLog]:
    steps = []
    for to, day in zip(PATHS[status], dates):
        if to == Status.SIGNED:
            by = cast.data_entry[0]
        elif to in (Status.COMPLETED, Status.TERMINATED):
            by = cast.managers[0]
        else:
            by = agreement.owner
        steps.append((to, at_hour(day, 11), by, REASONS.get(to, "")))
    return workflow.replay(agreement, steps)


def build_milestones(rng, agreement, status, titles, dates, today, start=None) -> list[Milestone]:
    closed = status in (Status.PENDING_CLOSURE, Status.COMPLETED)
    start = start or agreement.signed_on
    pool = rng.sample(titles + GENERIC_MILESTONES, len(titles) + len(GENERIC_MILESTONES))

    def title(index: int) -> str:  # distinct titles within an agreement (the importer matches on them)
        return pool[index % len(pool)] + (f" (phase {index // len(pool) + 1})" if index >= len(pool) else "")

    milestones = []
    for index in range(rng.randint(2, 6)):
        due = start + datetime.timedelta(days=30 + index * rng.randint(60, 200))
        milestone = Milestone(agreement=agreement, title=title(index), due_on=due, owner=agreement.owner)
        if closed and status == Status.COMPLETED or (closed and due <= today) or (due < today and rng.random() < 0.8):
            milestone.state, milestone.done_on = Milestone.State.DONE, min(today, due + datetime.timedelta(days=rng.randint(-20, 10)))
            milestone.evidence = "Report filed with the working group."
        elif closed or status == Status.TERMINATED:
            milestone.state, milestone.waiver_reason = Milestone.State.WAIVED, "No longer needed after the agreement's closure."
        milestones.append(milestone)
    if status == Status.IN_PROGRESS and rng.random() < 0.3:  # something due in the coming fortnight
        due = today + datetime.timedelta(days=rng.randint(1, 14))
        milestones.append(Milestone(agreement=agreement, title=title(len(milestones)), due_on=due, owner=agreement.owner))
    return milestones


def build_updates(rng, agreement, status, dates, today) -> list[ProgressUpdate]:
    if status in (Status.DRAFT,) or (status == Status.SIGNED and rng.random() < 0.6):
        return []
    first = dates[1] if len(dates) > 1 else dates[0]
    stale = status == Status.IN_PROGRESS and rng.random() < 0.25
    last = today - datetime.timedelta(days=rng.randint(35, 90) if stale else rng.randint(0, 25))
    last = max(last, first)
    count = rng.randint(1, 5)
    health = weighted(rng, {"on_track": 65, "at_risk": 25, "off_track": 10} if status != Status.ON_HOLD
                      else {"at_risk": 60, "off_track": 40})
    updates, percent = [], 0
    for index in range(count):
        day = first + (last - first) * (index + 1) // count if count > 1 else last
        percent = 100 if status == Status.COMPLETED and index == count - 1 else min(95, percent + rng.randint(5, 30))
        updates.append(ProgressUpdate(
            agreement=agreement, author=agreement.owner, created_at=at_hour(day, 9 + index % 6),
            percent_complete=percent, health=health if index == count - 1 else "on_track",
            summary=rng.choice(UPDATE_LINES[health if index == count - 1 else "on_track"]),
            next_steps=rng.choice(NEXT_STEPS),
        ))
    latest = updates[-1]
    agreement.health, agreement.percent_complete, agreement.last_progress_at = latest.health, latest.percent_complete, latest.created_at
    return updates


# --- Writing ----------------------------------------------------------------------------

def seed(*, agreements: int = 158, seed: int = 2025, today: datetime.date | None = None, demo_users: bool = False) -> dict:
    """Create what is missing of the demo summit; return counts of what was created."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    with transaction.atomic():
        cast = build_cast()
        if demo_users:
            officer = create_demo_users()
            hand_over(cast.officers[0], officer)
            cast.officers[0] = officer  # built with the demo officer as owner from the start
        # The earlier agreements draw from their own generator: the same rows whatever the summit's size
        # (a bench database of 20,000 and the demo of 158 then agree on them, as on the summit's first rows).
        built = build_all(rng, cast, agreements, today, earlier_rng=random.Random(seed + 16))
        existing = set(Agreement.objects.filter(reference__in=[b.agreement.reference for b in built])
                       .values_list("reference", flat=True))
        built = [b for b in built if b.agreement.reference not in existing]
        confirming = focal_points.chosen(built)
        focal_points.flag_next_milestones(confirming)
        write(built)
        FocalPoint.objects.bulk_create(focal_points.rows(confirming, cast.officers, random.Random(seed + 3)))
        write_facts()
        stage_dates = stages.stage_rows([b.agreement for b in built], today, random.Random(seed + 19))
        AgreementStage.objects.bulk_create(stage_dates, batch_size=2000)
        write_creation_history(AgreementStage, stage_dates)
    if built and connection.vendor == "postgresql":
        # Fresh statistics after bulk inserts, or the planner picks poor plans for the first hour.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"agreements": len(built), "milestones": sum(len(b.milestones) for b in built),
            "updates": sum(len(b.updates) for b in built)}


def build_all(rng: random.Random, cast: Cast, agreements: int, today: datetime.date,
              earlier_rng: random.Random | None = None) -> list[Built]:
    """The summit series CAJ-2025-001…: the record's summit documents first, then illustrative ones
    up to `agreements`; then the record's earlier agreements, in the series of their year (those of
    2025 from EARLIER_2025_FROM)."""
    documents = record.summit_documents()[:agreements]
    built = [build_from_record(rng, cast, row, reference_for(number), Origin.SUMMIT, today)
             for number, row in enumerate(documents, start=1)]
    built += [build_one(rng, cast, number, today) for number in range(len(documents) + 1, agreements + 1)]
    # Earlier agreements of 2025 number from 90001 (CAJ-2025-90001…), a block the summit series steps over
    # (reference_for) at any demo size, so seeding a bigger summit later (158, then 5000) neither skips nor doubles one.
    numbers = {SUMMIT_YEAR: EARLIER_2025_FROM - 1}
    for row in sorted(record.earlier_documents(), key=lambda r: (r.signed_on or datetime.date.min, r.line)):
        year = (row.signed_on or record.parse_date(row.date_as_reported)[0]).year
        numbers[year] = numbers.get(year, 0) + 1
        built.append(build_from_record(earlier_rng or rng, cast, row, format_reference(year, numbers[year]),
                                       Origin.BEFORE, today))
    return built


def write_facts() -> None:
    """The record's counts and totals (its aggregate rows): facts for the dashboard."""
    for fact in record.facts():
        PublicFact.objects.update_or_create(key=fact.key, defaults={
            "text": fact.text, "country": fact.country, "documents": fact.documents, "amount": fact.amount,
            "currency": fact.currency, "reported_by": fact.reported_by, "confidence": fact.confidence,
            "source_url": fact.source.url if fact.source else "", "source_title": fact.source.title if fact.source else "",
            "position": fact.position,
        })


def write(built: list[Built], batch: int = 2000) -> None:
    agreements = [b.agreement for b in built]
    # History starts when the record would have been entered: a few days before signature.
    for b in built:
        entered = at_hour(b.entered_on, 8)
        for row in [b.agreement, *b.parties, *b.milestones]:
            row._history_date = entered
    Agreement.objects.bulk_create(agreements, batch_size=batch)
    write_creation_history(Agreement, agreements)
    # Children were built before their agreement had an id; point them at it now.
    rows = lambda attr: [row for b in built for row in getattr(b, attr)]  # noqa: E731
    for attr in ("parties", "milestones", "updates", "logs", "sources"):
        for row in rows(attr):
            row.agreement_id = row.agreement.pk
    for model, attr in ((Party, "parties"), (Milestone, "milestones")):
        model.objects.bulk_create(rows(attr), batch_size=batch)
        write_creation_history(model, rows(attr))
    ProgressUpdate.objects.bulk_create(rows("updates"), batch_size=batch)
    TransitionLog.objects.bulk_create(rows("logs"), batch_size=batch)
    SourceLink.objects.bulk_create(rows("sources"), batch_size=batch)
    Agreement.focus_areas.through.objects.bulk_create(
        [Agreement.focus_areas.through(agreement_id=b.agreement.pk, focusarea_id=a.pk) for b in built for a in b.areas],
        batch_size=batch,
    )
    Agreement.team.through.objects.bulk_create(
        [Agreement.team.through(agreement_id=b.agreement.pk, user_id=u.pk) for b in built for u in b.team], batch_size=batch
    )
    write_link_history([b.agreement.pk for b in built])


def write_creation_history(model, rows: list, reason: str = "Demo data") -> None:
    """The "created" history rows (django-simple-history) of freshly inserted `rows`, each dated
    at its `_history_date`, copied by the database itself: INSERT … SELECT. simple_history's
    bulk_create_with_history builds a Python object per history row and sends every value back,
    which was 16 of the 40 s of seeding 20,000 agreements; this takes about one.
    The same rows as it writes: the tracked fields, the date, the reason, type "+", no user."""
    history, quote = model.history.model, connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in history.tracked_fields)
    insert = (f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, history_change_reason, "
              f"history_type) SELECT {columns}, %s, %s, '+' FROM {quote(model._meta.db_table)} WHERE id IN ({{ids}})")
    by_date: dict[datetime.datetime, list[int]] = {}
    for row in rows:
        by_date.setdefault(row._history_date, []).append(row.pk)
    with connection.cursor() as cursor:
        for moment, ids in by_date.items():
            for part in chunks(ids):
                cursor.execute(insert.format(ids=", ".join(["%s"] * len(part))),
                               [connection.ops.adapt_datetimefield_value(moment), reason, *part])


def write_link_history(agreement_ids: list[int]) -> None:
    """Focus areas and team in the agreements' "created" history rows, as the importer and the
    admin record them; without them the first edit would show them as just added."""
    quote = connection.ops.quote_name
    history = quote(Agreement.history.model._meta.db_table)
    with connection.cursor() as cursor:
        for name, column in (("focus_areas", "focusarea_id"), ("team", "user_id")):
            through = quote(Agreement._meta.get_field(name).remote_field.through._meta.db_table)
            snapshot = quote(getattr(Agreement.history.model, name).model._meta.db_table)
            for part in chunks(agreement_ids):
                cursor.execute(
                    f"INSERT INTO {snapshot} (id, agreement_id, {column}, history_id) "
                    f"SELECT t.id, t.agreement_id, t.{column}, h.history_id FROM {through} t "
                    f"JOIN {history} h ON h.id = t.agreement_id WHERE t.agreement_id IN ({', '.join(['%s'] * len(part))})",
                    part)


def create_demo_users() -> User:
    """The five documented demo logins; returns `officer`, who does the first seeded officer's work."""
    for username, first, last, zone, role in DEMO_USERS:
        user = ensure_user(username, first, last, zone, role, staff=role in (Role.MANAGER, Role.DATA_ENTRY) or role is None)
        if role is None:
            user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
    return User.objects.get(username="officer")


HAND_OVER_REASON = "Demo logins created: handed over to the demo officer"


def hand_over(previous: User, officer: User) -> None:
    """Agreements seeded before the demo logins existed pass to `officer`. That is a real change
    made now, so it is saved row by row and recorded in the history like any reassignment (a bulk
    UPDATE would leave the history showing the old owner, and the next save an edit nobody made).
    Past progress updates keep their author: they were written by the previous owner."""
    for agreement in Agreement.objects.filter(owner=previous):
        agreement.owner, agreement._change_reason = officer, HAND_OVER_REASON
        agreement.save()
        for milestone in agreement.milestones.filter(owner=previous):
            milestone.owner, milestone._change_reason = officer, HAND_OVER_REASON
            milestone.save()
