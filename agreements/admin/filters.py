"""List filters of the admin pages (party country, overdue)."""
from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agreements.filters import countries_in_use

# --- Filters ----------------------------------------------------------------------------


class CountryFilter(admin.SimpleListFilter):
    title = _("party country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return sorted(((code, countries.name(code)) for code in countries_in_use()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(parties__organization__country=self.value()).distinct()
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset
