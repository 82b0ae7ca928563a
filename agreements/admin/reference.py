"""Reference data: organizations, pillars and their focus areas, the stage ladders."""
from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from agreements.admin.scoping import ParentRowsOnlyInline
from agreements.models import CalendarFeed, FocusArea, Organization, Pillar, PublicFact, SectorCode, Stage

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


@admin.register(Stage)
class StageAdmin(TranslationAdmin):
    """The stage ladders per kind of agreement (seeded by migration 0017): rename, add, reorder."""

    list_display = ["kind", "position", "name"]
    list_display_links = ["name"]
    list_filter = ["kind"]
    ordering = ["kind", "position"]


@admin.register(SectorCode)
class SectorCodeAdmin(admin.ModelAdmin):
    """The IATI export's sector of each focus area (README, "IATI")."""

    list_display = ["focus_area", "code"]
    list_select_related = ["focus_area__pillar"]
    search_fields = ["focus_area__name", "code"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Everyone's calendar addresses (superusers only: no role is granted them): revoke the one of a
    person who left. The secret itself is not stored, so it cannot be shown."""

    list_display = ["owner", "scope", "pillar", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["owner", "pillar"]
    search_fields = ["owner__username", "owner__last_name"]
    readonly_fields = ["owner", "scope", "pillar", "created_at", "last_used_at"]
    fields = ["owner", "scope", "pillar", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request) -> bool:
        return False  # made by their owner on the preferences page, where the secret is shown once
