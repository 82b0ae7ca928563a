"""The milestones' filters. The agreements' are the list page's own (agreements.filters.AgreementFilter)."""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agreements.filters import FlagCheckbox
from agreements.models import Milestone, Organization, Party


class MilestoneFilter(django_filters.FilterSet):
    agreement = django_filters.CharFilter(field_name="agreement__reference", label=_("Agreement reference"),
                                          max_length=32)
    state = django_filters.MultipleChoiceFilter(choices=Milestone.State.choices, label=_("State"))
    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Overdue"), widget=FlagCheckbox)
    country = django_filters.MultipleChoiceFilter(choices=lambda: list(countries), method="by_country",
                                                  label=_("Party country"))
    owner = django_filters.CharFilter(method="by_owner", label=_("Owner"), max_length=150,
                                      help_text=_("A username, or “me”."))
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Due from"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due until"))

    class Meta:
        model = Milestone
        fields: list[str] = []

    def by_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Milestone.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def by_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(Exists(Party.objects.filter(agreement=OuterRef("agreement_id"),
                                                           organization__country__in=value)))

    def by_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == "me":
            return queryset.filter(owner_id=getattr(self.request.user, "pk", None))
        return queryset.filter(owner__username=value)


class OrganizationFilter(django_filters.FilterSet):
    country = django_filters.MultipleChoiceFilter(choices=lambda: list(countries), label=_("Country"))
    kind = django_filters.MultipleChoiceFilter(choices=Organization.Kind.choices, label=_("Kind"))
    q = django_filters.CharFilter(method="search", label=_("Search"), max_length=200)

    class Meta:
        model = Organization
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(name__icontains=value) | queryset.filter(short_name__icontains=value) if value else queryset


def _describe_reference_filters() -> None:
    """The list's pillar, focus-area and stage filters take codes (and a stage's id) whose choices come
    from the database: say their type to the schema, so it does not depend on the rows that exist
    when it is generated (an empty database made drf-spectacular guess, with a warning)."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import extend_schema_field

    from agreements.filters import AgreementFilter

    for name, kind in (("pillar", OpenApiTypes.STR), ("focus_area", OpenApiTypes.STR), ("stage", OpenApiTypes.INT)):
        extend_schema_field(kind)(AgreementFilter.base_filters[name])


_describe_reference_filters()
