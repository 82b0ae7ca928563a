"""Reference data: organizations, pillars and their focus areas."""
from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from agreements.admin.scoping import ParentRowsOnlyInline
from agreements.models import FocusArea, Organization, Pillar, PublicFact

# --- Reference data ------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "country", "kind", "sector"]
    list_filter = ["country", "kind"]
    search_fields = ["name", "short_name"]


@admin.register(PublicFact)
class PublicFactAdmin(admin.ModelAdmin):
    """Counts and totals the sources report about the summit (the dashboard shows them beside what
    is recorded here). Public figures: data entry staff keep them, managers read them."""

    list_display = ["text", "country", "documents", "amount", "currency", "reported_by", "confidence"]
    list_filter = ["country", "confidence"]
    search_fields = ["text", "reported_by"]


class FocusAreaInline(TranslationTabularInline, ParentRowsOnlyInline):
    model = FocusArea
    extra = 0


@admin.register(Pillar)
class PillarAdmin(TranslationAdmin):
    """Names and descriptions in every language (agreements.translation)."""

    list_display = ["name", "code", "position"]
    inlines = [FocusAreaInline]


@admin.register(FocusArea)
class FocusAreaAdmin(TranslationAdmin):
    list_display = ["name", "pillar", "code", "position"]
    list_filter = ["pillar"]
    search_fields = ["name"]
