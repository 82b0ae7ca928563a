"""What the API says about each noun (read), and what it accepts (progress, transitions).
Names of pillars and focus areas are in the request's language (django-modeltranslation)."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements import policy
from agreements.models import (
    Agreement,
    FocusArea,
    Health,
    Milestone,
    Organization,
    Party,
    Pillar,
    ProgressUpdate,
    Status,
    User,
)


class FocusAreaSerializer(serializers.ModelSerializer):
    pillar = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = FocusArea
        fields = ["code", "name", "pillar"]


class PillarSerializer(serializers.ModelSerializer):
    focus_areas = serializers.SerializerMethodField()

    class Meta:
        model = Pillar
        fields = ["code", "name", "description", "focus_areas"]

    @extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}, "required": ["code", "name"]}})
    def get_focus_areas(self, pillar: Pillar) -> list[dict]:
        return [{"code": area.code, "name": area.name} for area in pillar.focus_areas.all()]


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "short_name", "country", "kind", "sector"]


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["username", "name"]


class PartySerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Party
        fields = ["organization", "role"]


class MilestoneSerializer(serializers.ModelSerializer):
    agreement = serializers.CharField(source="agreement.reference", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "agreement", "title", "due_on", "state", "done_on", "owner", "overdue"]

    def get_overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(timezone.localdate())


class ProgressSerializer(serializers.ModelSerializer):
    agreement = serializers.CharField(source="agreement.reference", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "agreement", "created_at", "author", "percent_complete", "health", "suggested_health",
                  "health_reason", "summary", "next_steps"]


class ProgressCreateSerializer(serializers.Serializer):
    """The page's progress form, as JSON."""

    percent_complete = serializers.IntegerField(min_value=0, max_value=100, label=_("Percent complete"))
    health = serializers.ChoiceField(choices=Health.choices[1:], label=_("Health"))
    summary = serializers.CharField(max_length=10_000, label=_("What happened"))
    next_steps = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="",
                                       label=_("Next steps"))
    health_reason = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, default="",
        label=_("Why is the health better than the data suggests?"),
        help_text=_("Needed only when you report a better health than the data suggests; shown in the timeline and "
                    "the reports."))


class TransitionRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Status.choices, label=_("New status"))
    comment = serializers.CharField(max_length=2_000, required=False, allow_blank=True, default="",
                                    label=_("Comment"))


class TransitionResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    from_status = serializers.ChoiceField(choices=Status.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()
    at = serializers.DateTimeField()


class AgreementSerializer(serializers.ModelSerializer):
    """One row of the list."""

    pillar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    display_title = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["reference", "title", "display_title", "kind", "status", "health", "percent_complete", "pillar",
                  "owner", "confidentiality", "signed_on", "end_date", "last_progress_at", "version", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, agreement: Agreement) -> str:
        request = self.context.get("request")
        path = f"/api/v1/agreements/{agreement.reference}/"
        return request.build_absolute_uri(path) if request else path


class AgreementDetailSerializer(AgreementSerializer):
    focus_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    team = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    lead_organization = OrganizationSerializer(read_only=True, allow_null=True)
    parties = PartySerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    latest_progress = serializers.SerializerMethodField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True, allow_null=True)
    page = serializers.SerializerMethodField()

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "summary", "signed_at", "value", "currency", "focus_areas",
                  "team", "lead_organization", "parties", "milestones", "latest_progress", "status_changed_at",
                  "page"]

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_latest_progress(self, agreement: Agreement) -> dict | None:
        latest = getattr(agreement, "latest_progress", None)
        return ProgressSerializer(latest).data if latest else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_page(self, agreement: Agreement) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(agreement.get_absolute_url()) if request else agreement.get_absolute_url()


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)
    language = serializers.CharField(source="reads", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "name", "email", "language", "time_zone", "roles"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(policy.roles(user))
