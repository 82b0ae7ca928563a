"""The agreement filters (django-filter), shared by the list, the reports and the exports.

The query parameters are the product's interface (DESIGN.md, "URLs"): a filtered list can
be bookmarked and shared, and every number on the reports dashboard links to
`/agreements/?<these parameters>` showing exactly the agreements behind it. So the
dashboard counts through the same FilterSet the list uses.

Every filter is a set-based condition (Exists subqueries, no joins that duplicate rows),
so counting and paginating stay cheap and never double-count an agreement.
"""
from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy
from django_countries import countries

from agreements.models import (
    OPEN_STATUSES,
    Agreement,
    AgreementStage,
    FocusArea,
    Health,
    Milestone,
    Organization,
    Party,
    Pillar,
    ProgressUpdate,
    ReminderPolicy,
    Stage,
    Status,
    TransitionLog,
    User,
)

OWNER_SILENT_DAYS = 60
RISKY = (Health.AT_RISK, Health.OFF_TRACK)
STALE_STATUSES = (Status.SIGNED, Status.IN_PROGRESS)


# Data-quality gaps a report needs fixed.
QUALITY_CHOICES = [
    ("no_future_milestone", _("Open, with no milestone planned ahead")),
    ("no_update", _("No progress update ever")),
    ("owner_silent", _("No update by the owner for 60 days")),
    ("value_without_currency", _("Value without currency")),
    ("no_lead_organization", _("No lead organization")),
]
# Gaps of the record itself, for data entry staff (their home page, the list's "Data gaps" filter);
# the reports' data-quality panel counts QUALITY_CHOICES only.
RECORD_GAPS = [
    ("no_signature_date", _("No date of signature")),
    ("no_value", _("No value")),
    ("few_parties", _("Fewer than two parties")),
]

SORT_LABELS = {
    "reference": _("Reference"), "title": _("Title"), "status": _("Status"), "health": _("Health"),
    "signed_on": pgettext_lazy("column: date of signature", "Signed"), "last_progress_at": _("Last update"),
    "owner__last_name": _("Owner"), "pillar__position": _("Pillar"),
}
SORT_FIELDS = (
    ("reference", "reference"), ("title", "title"), ("status", "status"), ("health", "health"),
    ("signed_on", "signed_on"), ("last_progress_at", "updated"), ("owner__last_name", "owner"),
    ("pillar__position", "pillar"),
)


def today() -> datetime.date:
    return timezone.localdate()


def stale_q(days: int | None = None, now: datetime.datetime | None = None) -> Q:
    """Signed or in progress and no progress update for `days` days — by default the reminder
    policy's stale threshold (its default while no policy is saved), so the list, the reports
    and the stale reminders agree. Never updated counts from the signature date: a document
    signed last week is not yet "a month without news"."""
    if days is None:
        days = ReminderPolicy.current().stale_days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    never_updated = Q(last_progress_at__isnull=True) & Q(signed_on__lte=cutoff.date())
    return Q(status__in=STALE_STATUSES) & (never_updated | Q(last_progress_at__lt=cutoff))


def at_risk_q() -> Q:
    """Open agreements whose latest progress update says at risk or off track (the dashboard,
    the digest and the list's health filter mean the same)."""
    return Q(status__in=OPEN_STATUSES, health__in=RISKY)


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox for a yes/no filter: absent means "don't filter", not "no"."""

    TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}

    def value_from_datadict(self, data, files, name):
        value = str(data.get(name, "")).strip().lower()
        return True if value in self.TRUE else False if value in self.FALSE else None


class ReferencesField(forms.Field):
    """Any number of references (`ref=A&ref=B`): the rows a person selected on the list."""
    widget = forms.MultipleHiddenInput
    MAX = 500

    def to_python(self, value) -> list[str]:
        values = [str(item).strip() for item in (value or []) if str(item).strip()]
        if len(values) > self.MAX:
            raise forms.ValidationError(_("At most %(max)d agreements can be selected at once.") % {"max": self.MAX})
        return values


class ReferencesFilter(django_filters.Filter):
    field_class = ReferencesField


class AgreementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)
    # distinct=False: these conditions never duplicate rows, and SELECT DISTINCT over the list's
    # annotated rows made PostgreSQL compute them for every match (0.8 s at 5,000 agreements).
    pillar = django_filters.ModelMultipleChoiceFilter(
        field_name="pillar__code", queryset=Pillar.objects.all(), to_field_name="code", label=_("Pillar"),
        distinct=False)
    focus_area = django_filters.ModelMultipleChoiceFilter(
        field_name="focus_areas", queryset=FocusArea.objects.all(), to_field_name="code", label=_("Focus area"),
        distinct=False, method="by_focus_area")
    country = django_filters.MultipleChoiceFilter(
        choices=lambda: list(countries), method="by_country", label=_("Party country"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"), distinct=False)
    health = django_filters.MultipleChoiceFilter(choices=Health.choices, label=_("Health"), distinct=False)
    owner = django_filters.CharFilter(method="by_owner", label=_("Owner"), max_length=150,
                                      help_text=_("A username, or “me”."))
    member = django_filters.CharFilter(method="by_member", label=_("Owner or team member"), max_length=150,
                                       help_text=_("A username, or “me”: agreements they own or work on."))
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Has overdue milestones"),
                                           widget=FlagCheckbox)
    due_within = django_filters.NumberFilter(method="by_due_within", label=_("Milestone due within (days)"),
                                             min_value=0, max_value=3660)
    stale = django_filters.BooleanFilter(method="by_stale", label=_("No recent progress update"),
                                         widget=FlagCheckbox)
    quality = django_filters.MultipleChoiceFilter(choices=QUALITY_CHOICES + RECORD_GAPS, method="by_quality",
                                                  label=_("Data gaps"))
    confidentiality = django_filters.ChoiceFilter(choices=Agreement.Confidentiality.choices,
                                                  label=_("Confidentiality"))
    # Issue 16: the public record of the summit, earlier agreements, illustrative ones of the demo.
    origin = django_filters.MultipleChoiceFilter(choices=Agreement.Origin.choices, label=_("Origin"), distinct=False)
    signed_after = django_filters.DateFilter(field_name="signed_on", lookup_expr="gte", label=_("Signed from"),
                                             widget=forms.DateInput(attrs={"type": "date"}))
    signed_before = django_filters.DateFilter(field_name="signed_on", lookup_expr="lte", label=_("Signed until"),
                                              widget=forms.DateInput(attrs={"type": "date"}))
    sort = django_filters.OrderingFilter(fields=SORT_FIELDS, label=_("Sort by"), field_labels=SORT_LABELS)
    # Added for the reports dashboard's drill-downs (money per currency, figures per month).
    # Each range applies to ONE milestone / status change: "a milestone due between A and B",
    # not "a milestone due after A and another due before B". Dates are days in the user's zone.
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact", label=_("Currency"),
                                         max_length=3)
    milestone_due = django_filters.DateFromToRangeFilter(
        method="by_milestone_due", label=_("Has a milestone (not waived) due between"))
    milestone_done = django_filters.DateFromToRangeFilter(
        method="by_milestone_done", label=_("Has a milestone done between"))
    status_changed = django_filters.DateFromToRangeFilter(
        method="by_status_changed", label=_("Status changed between"))
    # The weekly digest's "updates this week".
    progress_posted = django_filters.DateFromToRangeFilter(
        method="by_progress_posted", label=_("Has a progress update posted between"))
    # The stage report's drill-down: agreements standing on this rung of their kind's ladder.
    stage = django_filters.ModelChoiceFilter(queryset=Stage.objects.all(), method="by_stage", label=_("Stage reached"))
    # The list's selected rows (export the selected).
    ref = ReferencesFilter(method="by_reference", label=_("Selected"))

    class Meta:
        model = Agreement
        fields: list[str] = []

    # --- methods (each one set-based condition) ---

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(search_condition(value))

    def by_reference(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(reference__in=value) if value else queryset

    def by_focus_area(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        through = Agreement.focus_areas.through.objects.filter(agreement_id=OuterRef("pk"), focusarea__in=value)
        return queryset.filter(Exists(through))

    def by_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Exists(Party.objects.filter(agreement=OuterRef("pk"), organization__country__in=value)))

    def by_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(owner_id=getattr(user, "pk", None)) if user else queryset.none()
        return queryset.filter(owner__username=value)

    def by_member(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == "me":
            user = getattr(self.request, "user", None)
            if not getattr(user, "pk", None):
                return queryset.none()
            who, team_who = Q(owner_id=user.pk), Q(user_id=user.pk)
        else:
            who, team_who = Q(owner__username=value), Q(user__username=value)
        # IN, not a correlated EXISTS, inside the OR: see policy.team_agreement_ids.
        on_team = Agreement.team.through.objects.filter(team_who).values("agreement_id")
        return queryset.filter(who | Q(pk__in=on_team))

    def by_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Exists(rows_asked_for("overdue", True).filter(agreement=OuterRef("pk")))
        return queryset.filter(overdue if value else ~overdue)

    def by_due_within(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return _having(queryset, rows_asked_for("due_within", value))

    def by_stale(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(stale_q()) if value else queryset.exclude(stale_q())

    def by_quality(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        for gap in value or []:
            queryset = queryset.filter(quality_q(gap))
        return queryset

    def by_milestone_due(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        return _having(queryset, rows_asked_for("milestone_due", value))

    def by_milestone_done(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        return _having(queryset, rows_asked_for("milestone_done", value))

    def by_status_changed(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        return _having(queryset, rows_asked_for("status_changed", value))

    def by_stage(self, queryset: QuerySet, name: str, value: Stage | None) -> QuerySet:
        return queryset.filter(current_stage_q(value)) if value else queryset

    def by_progress_posted(self, queryset: QuerySet, name: str, value: slice | None) -> QuerySet:
        return _having(queryset, rows_asked_for("progress_posted", value))


# Date-range filters on rows of an agreement: the rows, the date field, whether it holds days
# (True) or moments — TransitionLog.at and ProgressUpdate.created_at, whose range ends are the
# first and last instant of the days in the current (the user's) zone, as DateRangeField makes them.
RANGES = {
    "milestone_due": (lambda: Milestone.objects.exclude(state=Milestone.State.WAIVED), "due_on", True),
    "milestone_done": (lambda: Milestone.objects.filter(state=Milestone.State.DONE), "done_on", True),
    "status_changed": (lambda: TransitionLog.objects.all(), "at", False),
    "progress_posted": (lambda: ProgressUpdate.objects.all(), "created_at", False),
}
# Filters that ask about rows of an agreement (the list says how many such rows it holds).
ROW_FILTERS = ("overdue", "due_within", *RANGES)


def current_stage_q(stage: Stage) -> Q:
    """Agreements whose highest reached rung is `stage`."""
    reached = AgreementStage.objects.filter(agreement=OuterRef("pk"), reached_on__isnull=False)
    return Q(Exists(reached.filter(stage=stage))) & ~Q(
        Exists(reached.filter(stage__kind=stage.kind, stage__position__gt=stage.position)))


def rows_asked_for(name: str, value) -> QuerySet | None:
    """The milestones, status changes or progress updates a filter value asks about, of any
    agreement; None when the value asks about no rows ("not overdue", an empty range)."""
    if name == "overdue":
        return Milestone.objects.overdue(today()) if value else None
    if name == "due_within":
        return Milestone.objects.due_within(today(), int(value)) if value is not None else None
    rows, field, days = RANGES[name]
    if value is None or (value.start is None and value.stop is None):
        return None
    bounds = {}
    if value.start is not None:
        bounds[f"{field}__gte"] = value.start.date() if days else value.start
    if value.stop is not None:
        bounds[f"{field}__lte"] = value.stop.date() if days else value.stop
    return rows().filter(**bounds)


def _having(queryset: QuerySet, rows: QuerySet | None) -> QuerySet:
    """Agreements with at least one of `rows` (all of them when the filter asks about none)."""
    if rows is None:
        return queryset
    return queryset.filter(Exists(rows.filter(agreement=OuterRef("pk"))))


def quality_q(gap: str) -> Q:
    now = timezone.now()
    if gap == "no_future_milestone":
        # `pk IN (...)` rather than a correlated EXISTS: without fresh table statistics (right
        # after a bulk load) SQLite and PostgreSQL probe the (state, due_on) index once per
        # agreement — seconds at 5,000 agreements — while the set is read once here.
        ahead = Milestone.objects.filter(state=Milestone.State.PLANNED, due_on__gte=today()).values("agreement_id")
        return Q(status__in=[Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD]) & ~Q(pk__in=ahead)
    if gap == "no_update":
        return Q(last_progress_at__isnull=True) & ~Q(status=Status.DRAFT)
    if gap == "owner_silent":
        recent = ProgressUpdate.objects.filter(
            agreement=OuterRef("pk"), author=OuterRef("owner"), created_at__gte=now - datetime.timedelta(days=OWNER_SILENT_DAYS))
        return Q(status__in=[Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD]) & ~Exists(recent)
    if gap == "value_without_currency":
        return Q(value__isnull=False) & Q(currency="")
    if gap == "no_lead_organization":
        return Q(lead_organization__isnull=True)
    if gap == "no_signature_date":
        return Q(signed_on__isnull=True) & ~Q(status=Status.TERMINATED)
    if gap == "no_value":
        return Q(value__isnull=True)
    if gap == "few_parties":
        # A set read once (as no_future_milestone above): agreements with two or more organizations.
        two = (Party.objects.order_by().values("agreement_id").annotate(n=Count("organization_id", distinct=True))
               .filter(n__gte=2).values("agreement_id"))
        return ~Q(pk__in=two)
    raise ValueError(gap)


def countries_in_use() -> set[str]:
    """Country codes of organizations party to an agreement (the country drop-downs). EXISTS per
    organization (a few dozen index probes), not a DISTINCT over every party row."""
    with_parties = Organization.objects.filter(Exists(Party.objects.filter(organization=OuterRef("pk"))))
    return set(with_parties.order_by().values_list("country", flat=True).distinct())


def owner_choices() -> QuerySet:
    """Users who own at least one agreement (for the owner drop-down). EXISTS, not a DISTINCT
    over the join: one index probe per user instead of reading every agreement (24 ms at 20,000)."""
    owns = Agreement.objects.filter(owner=OuterRef("pk"))
    return User.objects.filter(Exists(owns)).order_by("last_name", "first_name", "username")


def search_condition(value: str) -> Q:
    """The search box: the agreement's reference, title and summary, or one of its parties, its
    milestones (title, evidence, waiver reason) or its progress updates (what happened, next steps).
    Each part is `pk IN (…)` over its own table, not a correlated EXISTS, and the agreements' own
    columns are one of the parts: PostgreSQL then answers each from its trigram indexes (migrations
    0023, 0025) and probes four hashed sets per agreement, where ORing the columns with the EXISTS
    parts made it read every title and summary (README, "Performance", seventh pass). One
    condition per agreement whatever it holds: no duplicate rows."""
    own = Agreement.objects.filter(
        Q(reference__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)).values("pk")
    party = Party.objects.filter(
        Q(organization__name__icontains=value) | Q(organization__short_name__icontains=value)).values("agreement_id")
    milestone = Milestone.objects.filter(
        Q(title__icontains=value) | Q(evidence__icontains=value) | Q(waiver_reason__icontains=value)).values("agreement_id")
    update = ProgressUpdate.objects.filter(
        Q(summary__icontains=value) | Q(next_steps__icontains=value)).values("agreement_id")
    return Q(pk__in=own) | Q(pk__in=party) | Q(pk__in=milestone) | Q(pk__in=update)
