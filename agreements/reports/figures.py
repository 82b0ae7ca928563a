"""The managers' dashboard: aggregates over the agreements a user may see (DESIGN.md, "Reports").

Plain functions taking a queryset (or user) and `today`; the view only renders them.

Two promises shape this module:

- **Drill-downs are exact.** The dashboard counts over the very queryset the agreement list
  shows for the same parameters — `AgreementFilter` over `policy.visible_agreements(user)` —
  and every figure carries the query string of its drill-down (agreements.reports.drilldown:
  `Figure`, `Drill`). Figures that count milestones or status changes link to the
  agreements *having* such rows and say how many agreements that is.
- **Constant number of queries.** Each panel is one grouped or aggregate query whatever
  the number of agreements; nothing is counted per row in Python loops over the database.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, Upper
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agreements.filters import (
    QUALITY_CHOICES,
    RISKY,
    AgreementFilter,
    at_risk_q,
    countries_in_use,
    owner_choices,
    quality_q,
    stale_q,
)
from agreements.models import (
    OPEN_STATUSES,
    Agreement,
    FocusArea,
    Health,
    Milestone,
    Party,
    Origin,
    Pillar,
    PublicFact,
    Status,
    TransitionLog,
)
from agreements.reports import cache
from agreements.reports.drilldown import Drill, Figure, dashboard_filter, filter_params, filter_summary, plain
from agreements.zones import start_of_day

IMPLEMENTATION = (Status.IN_PROGRESS, Status.ON_HOLD, Status.PENDING_CLOSURE, Status.COMPLETED)
UPCOMING_DAYS = 30
TABLE_ROWS = 15
MAX_MONTHS = 36


def of(rows: QuerySet, agreements: QuerySet) -> QuerySet:
    """`rows` (milestones, parties, …) of these agreements. When `agreements` is every agreement (a
    manager without filters) the condition is left out: every row belongs to an agreement, and
    `agreement_id IN (all 20,000 ids)` cost each aggregate a hash join over the agreements."""
    return rows.filter(agreement__in=agreements) if agreements.query.where else rows


# --- Headline figures ----------------------------------------------------------------------

def headline(agreements: QuerySet, drill: Drill) -> dict[str, Figure]:
    """Agreement counts of the headline and the data-quality panel, in one aggregate query."""
    conditions = {
        "implementation": Q(status__in=IMPLEMENTATION), "at_risk": at_risk_q(), "stale": stale_q(),
        "closures": Q(status=Status.PENDING_CLOSURE), "restricted": Q(confidentiality="restricted"),
        **{f"quality_{gap}": quality_q(gap) for gap, _label in QUALITY_CHOICES},
        **{f"origin_{origin}": Q(origin=origin) for origin in Origin.values},  # the public record's panel
    }
    counts = agreements.order_by().aggregate(
        total=Count("pk"), **{name: Count("pk", filter=condition) for name, condition in conditions.items()})
    links = {
        "total": {}, "implementation": {"status": IMPLEMENTATION},
        "at_risk": {"status": OPEN_STATUSES, "health": RISKY}, "stale": {"stale": "true"},
        "closures": {"status": Status.PENDING_CLOSURE}, "restricted": {"confidentiality": "restricted"},
        **{f"quality_{gap}": {"quality": gap} for gap, _label in QUALITY_CHOICES},
        **{f"origin_{origin}": {"origin": origin} for origin in Origin.values},
    }
    return {name: drill.figure(counts[name], **links[name]) for name in links}


# --- The public record (issue 16) ----------------------------------------------------------

@dataclass
class RecordLine:
    """A fact of the public record (a count or total the sources report) beside what is recorded here."""

    text: str
    country: str  # code, "" for the summit as a whole (named in the reader's language by the template)
    documents: int | None
    amount: Decimal | None
    currency: str
    reported_by: str
    source_url: str
    source_title: str
    recorded: Figure | None  # agreements of the summit's public record recorded here (never illustrative)


@dataclass
class PublicRecord:
    recorded: Figure  # documents of the summit on the record, recorded here
    illustrative: Figure
    before: Figure
    summit: list[RecordLine]
    by_country: list[RecordLine]


def public_record(agreements: QuerySet, drill: Drill, headline: dict[str, Figure]) -> PublicRecord | None:
    """The facts the sources report (PublicFact), and how many of the summit's documents on the
    record the tracker holds — illustrative agreements never count as recorded. Two queries (the
    counts by origin come with the headline's)."""
    facts = list(PublicFact.objects.all())
    counts = {origin: headline[f"origin_{origin}"].count for origin in Origin.values}
    if not facts and not counts[Origin.ILLUSTRATIVE] and not counts[Origin.BEFORE]:
        return None  # a tracker of real data only: nothing to tell apart
    per_country = dict(of(Party.objects.filter(agreement__origin=Origin.SUMMIT), agreements).order_by()
                       .values_list("organization__country").annotate(n=Count("agreement", distinct=True)))

    def line(fact: PublicFact) -> RecordLine:
        code = fact.country.code if fact.country else ""
        cell = {"origin": Origin.SUMMIT, **({"country": code} if code else {})}
        count = per_country.get(code, 0) if code else counts[Origin.SUMMIT]
        # Outside the dashboard's own country filter: nothing of that country is counted here.
        recorded = drill.figure(count if drill.query(**cell) else 0, **cell)
        return RecordLine(fact.text, code, fact.documents, fact.amount,
                          fact.currency, fact.reported_by, fact.source_url, fact.source_title, recorded)

    lines = [line(fact) for fact in facts]
    return PublicRecord(
        recorded=drill.figure(counts[Origin.SUMMIT], origin=Origin.SUMMIT),
        illustrative=drill.figure(counts[Origin.ILLUSTRATIVE], origin=Origin.ILLUSTRATIVE),
        before=drill.figure(counts[Origin.BEFORE], origin=Origin.BEFORE),
        summit=[x for x in lines if not x.country], by_country=[x for x in lines if x.country],
    )


def share(part: int, whole: int) -> int:
    """Whole percent, rounded half up (0 when there is nothing to share)."""
    return int(Decimal(100 * part / whole).quantize(Decimal(1), rounding="ROUND_HALF_UP")) if whole else 0


def milestone_figures(agreements: QuerySet, today: datetime.date, drill: Drill) -> dict[str, Figure]:
    """Milestones done (to date), overdue and due within 30 days: each counts milestones and
    links to the agreements having such milestones."""
    soon = today + datetime.timedelta(days=UPCOMING_DAYS)
    conditions = {
        "done": (Q(state=Milestone.State.DONE, done_on__lte=today), {"milestone_done_before": today.isoformat()}),
        "overdue": (Q(state=Milestone.State.PLANNED, due_on__lt=today), {"overdue": "true"}),
        "upcoming": (Q(state=Milestone.State.PLANNED, due_on__gte=today, due_on__lte=soon),
                     {"due_within": UPCOMING_DAYS}),
    }
    aggregates = {}
    for name, (condition, _link) in conditions.items():
        aggregates[name] = Count("pk", filter=condition)
        aggregates[f"{name}_agreements"] = Count("agreement", filter=condition, distinct=True)
    counts = of(Milestone.objects.all(), agreements).order_by().aggregate(**aggregates)
    return {
        name: drill.figure(counts[name], agreements=counts[f"{name}_agreements"], counts="milestones", **link)
        for name, (_condition, link) in conditions.items()
    }


# --- Matrices -------------------------------------------------------------------------------

@dataclass
class Row:
    key: str
    label: str
    cells: list[Figure]
    total: Figure
    group: str = ""


@dataclass
class Matrix:
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[Row]
    totals: list[Figure] = field(default_factory=list)
    total: Figure | None = None


def selected(values: list, params: dict, key: str, code=lambda v: v) -> list:
    """The values a dimension shows: those the dashboard filters on, else all."""
    chosen = params.get(key)
    return [v for v in values if code(v) in chosen] if chosen else list(values)


def status_groups(agreements: QuerySet) -> list[dict]:
    """Agreement counts by pillar × status × health: one grouped query feeds three panels."""
    return list(agreements.order_by().values("pillar_id", "status", "health").annotate(n=Count("pk")))


def pillar_status(groups: list[dict], pillars: list[Pillar], params: dict, drill: Drill) -> Matrix:
    statuses = selected(Status.choices, params, "status", code=lambda choice: choice[0])
    counts: dict[tuple, int] = defaultdict(int)
    for group in groups:
        counts[group["pillar_id"], group["status"]] += group["n"]
    rows = []
    for pillar in pillars:
        cells = [drill.figure(counts[pillar.pk, s], pillar=pillar.code, status=s) for s, _label in statuses]
        rows.append(Row(pillar.code, pillar.name, cells, drill.figure(sum(c.count for c in cells), pillar=pillar.code)))
    totals = [drill.figure(sum(counts[p.pk, s] for p in pillars), status=s) for s, _label in statuses]
    return Matrix(statuses, rows, totals, drill.figure(sum(t.count for t in totals)))


def health_distribution(groups: list[dict], drill: Drill) -> list[tuple[str, str, Figure]]:
    """Health of the open agreements (closed ones keep their last reported health)."""
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        if group["status"] in OPEN_STATUSES:
            counts[group["health"]] += group["n"]
    order = (Health.ON_TRACK, Health.AT_RISK, Health.OFF_TRACK, Health.UNKNOWN)
    return [(h, Health(h).label, drill.figure(counts[h], status=OPEN_STATUSES, health=h)) for h in order]


def country_pillar(agreements: QuerySet, pillars: list[Pillar], params: dict, drill: Drill) -> Matrix:
    """Agreements per party country and pillar: an agreement counts once in each of its
    parties' countries, so the rows add up to more than the number of agreements."""
    parties = of(Party.objects.all(), agreements).order_by()
    if params.get("country"):
        parties = parties.filter(organization__country__in=params["country"])
    groups = parties.values("organization__country", "agreement__pillar_id").annotate(
        n=Count("agreement", distinct=True))
    counts = {(g["organization__country"], g["agreement__pillar_id"]): g["n"] for g in groups}
    codes = sorted({country for country, _pillar in counts}, key=lambda code: countries.name(code))
    rows = []
    for code in codes:
        cells = [drill.figure(counts.get((code, p.pk), 0), country=code, pillar=p.code) for p in pillars]
        rows.append(Row(code, countries.name(code) or code, cells,
                        drill.figure(sum(c.count for c in cells), country=code)))
    return Matrix([(p.code, p.name) for p in pillars], rows)


def focus_area_breakdown(agreements: QuerySet, areas: list[FocusArea], params: dict, drill: Drill) -> Matrix:
    """Agreements per focus area (an agreement may serve several), with how many are in
    implementation or beyond and how many are at risk or off track."""
    through = of(Agreement.focus_areas.through.objects.all(), agreements).order_by()
    groups = {g["focusarea_id"]: g for g in through.values("focusarea_id").annotate(
        n=Count("agreement_id"),
        implementation=Count("agreement_id", filter=Q(agreement__status__in=IMPLEMENTATION)),
        at_risk=Count("agreement_id", filter=Q(agreement__status__in=OPEN_STATUSES, agreement__health__in=RISKY)),
    )}
    pillars = params.get("pillar")
    rows = []
    for area in selected(areas, params, "focus_area", code=lambda a: a.code):
        group = groups.get(area.pk, {"n": 0, "implementation": 0, "at_risk": 0})
        if pillars and area.pillar.code not in pillars and not group["n"]:
            continue  # another pillar's area, with nothing under this filter
        cells = [drill.figure(group["implementation"], focus_area=area.code, status=IMPLEMENTATION),
                 drill.figure(group["at_risk"], focus_area=area.code, status=OPEN_STATUSES, health=RISKY)]
        rows.append(Row(area.code, area.name, cells, drill.figure(group["n"], focus_area=area.code),
                        group=area.pillar.name))
    columns = [("implementation", _("In implementation or beyond")), ("at_risk", _("At risk or off track"))]
    return Matrix(columns, rows)


def money_by_currency(agreements: QuerySet, pillars: list[Pillar], drill: Drill) -> Matrix:
    """Value per currency and pillar — never summed across currencies. A cell's link lists
    the agreements in that currency (some may have no value recorded)."""
    groups = (agreements.exclude(currency="").order_by().values("pillar_id", code=Upper("currency"))
              .annotate(total=Sum("value"), n=Count("pk")))
    cells: dict[tuple, dict] = {(g["code"], g["pillar_id"]): g for g in groups}
    rows = []
    for code in sorted({code for code, _pillar in cells}):
        figures = []
        for pillar in pillars:
            group = cells.get((code, pillar.pk), {"total": None, "n": 0})
            figures.append(drill.figure(group["total"] or Decimal(0), agreements=group["n"], counts="money",
                                        currency=code, pillar=pillar.code))
        total = drill.figure(sum((f.count for f in figures), Decimal(0)),
                             agreements=sum(f.agreements for f in figures), counts="money", currency=code)
        rows.append(Row(code, code, figures, total))
    return Matrix([(p.code, p.name) for p in pillars], rows)


# --- Progress over time ---------------------------------------------------------------------

@dataclass
class Month:
    start: datetime.date
    signed: Figure
    due: Figure
    done: Figure
    changes: Figure


def month_starts(first: datetime.date, today: datetime.date) -> list[datetime.date]:
    """First days of the months from `first`'s to today's (the latest MAX_MONTHS)."""
    start, end, months = first.replace(day=1), today.replace(day=1), []
    while start <= end:
        months.append(start)
        start = (start + datetime.timedelta(days=32)).replace(day=1)
    return months[-MAX_MONTHS:]


def month_end(start: datetime.date) -> datetime.date:
    return (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def by_month(rows: QuerySet, field_name: str, agreement: str) -> dict[datetime.date, tuple[int, int]]:
    """{month: (rows, distinct agreements)}, months in the current (the user's) time zone."""
    # Rows of the agreement table itself are distinct agreements already: no DISTINCT (a sort).
    distinct = Count("pk") if agreement == "pk" else Count(agreement, distinct=True)
    groups = rows.order_by().annotate(month=TruncMonth(field_name)).values("month").annotate(
        n=Count("pk"), agreements=distinct)
    as_date = lambda m: m.date() if isinstance(m, datetime.datetime) else m  # noqa: E731
    return {as_date(g["month"]): (g["n"], g["agreements"]) for g in groups if g["month"] is not None}


def progress_by_month(agreements: QuerySet, today: datetime.date, drill: Drill) -> list[Month]:
    """Per month since the first signature: agreements signed, milestones due (not waived)
    and done, status changes recorded."""
    signed = by_month(agreements.filter(signed_on__isnull=False), "signed_on", "pk")
    starts = month_starts(min(signed, default=today), today)
    due, done, changes = monthly_activity(agreements, starts[0], month_end(starts[-1]))
    months = []
    for start in starts:
        first, last = start.isoformat(), month_end(start).isoformat()
        months.append(Month(
            start, drill.figure(signed.get(start, (0, 0))[0], signed_after=first, signed_before=last),
            range_figure(drill, due.get(start), "milestone_due", first, last),
            range_figure(drill, done.get(start), "milestone_done", first, last),
            range_figure(drill, changes.get(start), "status_changed", first, last, counts_what="changes"),
        ))
    return months


def monthly_activity(agreements: QuerySet, first: datetime.date, last: datetime.date) -> tuple[dict, dict, dict]:
    """Milestones due, milestones done and status changes by month, between two days (rows
    outside the months shown are not read)."""
    milestones = of(Milestone.objects.all(), agreements)
    due = milestones.exclude(state=Milestone.State.WAIVED).filter(due_on__range=(first, last))
    done = milestones.filter(state=Milestone.State.DONE, done_on__range=(first, last))
    # Moments of the first and the day after the last day, in the user's zone (as the list's filter).
    after, before = start_of_day(first), start_of_day(last + datetime.timedelta(days=1))
    changes = of(TransitionLog.objects.all(), agreements).filter(at__gte=after, at__lt=before)
    return (by_month(due, "due_on", "agreement"), by_month(done, "done_on", "agreement"),
            by_month(changes, "at", "agreement"))


def range_figure(drill: Drill, counts: tuple[int, int] | None, param: str, first: str, last: str,
                 counts_what: str = "milestones") -> Figure:
    """Rows in a month, linking to the agreements with such a row that month (`param` is a
    date-range filter: `<param>_after` / `<param>_before`)."""
    n, agreements = counts or (0, 0)
    return drill.figure(n, agreements=agreements, counts=counts_what,
                        **{f"{param}_after": first, f"{param}_before": last})


# --- Tables ---------------------------------------------------------------------------------

def overdue_milestones(agreements: QuerySet, today: datetime.date, limit: int = TABLE_ROWS) -> list[Milestone]:
    """The oldest overdue milestones first, with how many days late (`days`)."""
    rows = list(of(Milestone.objects.overdue(today), agreements)
                .select_related("agreement", "owner", "agreement__owner").order_by("due_on", "id")[:limit])
    for milestone in rows:
        milestone.days = (today - milestone.due_on).days
    return rows


def upcoming_milestones(agreements: QuerySet, today: datetime.date, limit: int = TABLE_ROWS) -> list[Milestone]:
    """The soonest first, with how many days are left (`days`)."""
    rows = list(of(Milestone.objects.due_within(today, UPCOMING_DAYS), agreements)
                .select_related("agreement", "owner", "agreement__owner").order_by("due_on", "id")[:limit])
    for milestone in rows:
        milestone.days = (milestone.due_on - today).days
    return rows


def at_risk_agreements(agreements: QuerySet, limit: int = TABLE_ROWS) -> list[Agreement]:
    """Off track before at risk; within each, the longest without an update first.
    `-health` is that order ("off_track" > "at_risk", the only two values at_risk_q keeps) and,
    unlike a CASE, can be read from the index agreement_risk instead of sorting thousands of rows."""
    return list(agreements.filter(at_risk_q()).select_related("owner", "pillar")
                .order_by("-health", "last_progress_at", "reference")[:limit])


# --- The whole dashboard --------------------------------------------------------------------

@dataclass
class Choices:
    """What the filter form offers, and what is selected."""

    pillars: list[Pillar]
    areas: list[FocusArea]
    countries: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    owners: list
    params: dict[str, list[str]]


@dataclass
class Dashboard:
    filterset: AgreementFilter
    params: dict[str, list[str]]
    query: str
    summary: list[tuple]
    today: datetime.date
    headline: dict[str, Figure]
    implementation_share: int
    milestones: dict[str, Figure]
    pillar_status: Matrix
    health: list[tuple[str, str, Figure]]
    country_pillar: Matrix
    focus_areas: Matrix
    money: Matrix
    months: list[Month]
    overdue: list[Milestone]
    upcoming: list[Milestone]
    at_risk: list[Agreement]
    quality: list[tuple[str, str, Figure]]
    choices: Choices
    record: PublicRecord | None = None
    table_rows: int = TABLE_ROWS
    counted: cache.Counted | None = None  # when these figures were counted, and whether anything changed since

    @property
    def status_totals(self) -> list[tuple[tuple[str, str], Figure]]:
        """((status, label), agreements) — the pillar × status matrix's column totals."""
        return list(zip(self.pillar_status.columns, self.pillar_status.totals))


def filter_choices(params: dict[str, list[str]], pillars: list[Pillar], areas: list[FocusArea]) -> Choices:
    codes = countries_in_use() | set(params.get("country", []))  # keep a selected country even if no organization has it
    owners = owner_choices()
    return Choices(pillars, areas, sorted(((c, countries.name(c) or c) for c in codes), key=lambda pair: pair[1]),
                   list(Status.choices), list(owners), params)


def build(user, data: QueryDict, *, today: datetime.date, request=None, not_before: float | None = None) -> Dashboard:
    """Every panel of the dashboard for `user` and the filters in `data` (cached:
    agreements.reports.cache; `not_before` as there — None counts on the data as it stands)."""
    filterset = dashboard_filter(user, data, request)
    params = filter_params(filterset)
    counted = cache.remember(user, params, today, lambda: compute_panels(filterset, params, today),
                             not_before=not_before)
    return Dashboard(filterset=filterset, counted=counted, **counted.panels)


def compute_panels(filterset: AgreementFilter, params: dict[str, list[str]], today: datetime.date) -> dict:
    """The Dashboard's fields but the filterset: plain data, so they can be cached."""
    drill, agreements = Drill(params), plain(filterset.qs)
    all_pillars, areas = list(Pillar.objects.all()), list(FocusArea.objects.select_related("pillar"))
    pillars = selected(all_pillars, params, "pillar", code=lambda p: p.code)
    groups = status_groups(agreements)
    figures = headline(agreements, drill)
    return dict(
        params=params, query=urlencode(params, doseq=True),
        summary=filter_summary(params, all_pillars, areas), today=today, headline=figures,
        implementation_share=share(figures["implementation"].count, figures["total"].count),
        milestones=milestone_figures(agreements, today, drill),
        pillar_status=pillar_status(groups, pillars, params, drill), health=health_distribution(groups, drill),
        country_pillar=country_pillar(agreements, pillars, params, drill),
        focus_areas=focus_area_breakdown(agreements, areas, params, drill),
        money=money_by_currency(agreements, pillars, drill), months=progress_by_month(agreements, today, drill),
        overdue=overdue_milestones(agreements, today), upcoming=upcoming_milestones(agreements, today),
        at_risk=at_risk_agreements(agreements),
        quality=[(gap, label, figures[f"quality_{gap}"]) for gap, label in QUALITY_CHOICES],
        choices=filter_choices(params, all_pillars, areas),
        record=public_record(agreements, drill, figures),
    )
