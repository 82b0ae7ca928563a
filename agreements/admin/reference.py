"""Reference data: organizations, pillars and their focus areas, the stage ladders."""
from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from agreements.admin.scoping import ParentRowsOnlyInline
from agreements.models import FocusArea, Organization, Pillar, Stage

# --- Reference data ------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "country", "kind", "sector"]
    list_filter = ["country", "kind"]
    search_fields = ["name", "short_name"]


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


@admin.register(Stage)
class StageAdmin(TranslationAdmin):
    """The stage ladders per kind of agreement (seeded by migration 0017): rename, add, reorder."""

    list_display = ["kind", "position", "name"]
    list_display_links = ["name"]
    list_filter = ["kind"]
    ordering = ["kind", "position"]
