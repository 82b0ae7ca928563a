"""Thin views: load through the policy (invisible is 404), ask the policy, then the same actions
and workflow the pages use. A write names the version it was based on: `If-Match: "<version>"`
(the detail's ETag) — missing is 428, stale is 412."""
from __future__ import annotations

from django.db import transaction
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, pagination, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import policy, workflow
from agreements.actions import progress
from agreements.actions.editing import StaleEdit, check_version
from agreements.api import serializers as s
from agreements.api.errors import PreconditionFailed, PreconditionRequired, Refused
from agreements.api.filters import MilestoneFilter, OrganizationFilter
from agreements.api.response_cache import cached_read
from agreements.filters import AgreementFilter
from agreements.models import Agreement, FocusArea, Milestone, Organization, Party, Pillar, ProgressUpdate, Status

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description='The agreement\'s version you based this change on: its ETag, e.g. "3".')
ETAG = {"ETag": {"description": "The agreement's version, for If-Match.", "schema": {"type": "string"}}}


class Pages(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def etag(agreement: Agreement) -> str:
    return f'"{agreement.version}"'


def expected_version(request) -> int:
    """The version named by If-Match (428 without one; a value that names no version is stale)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    value = header.removeprefix("W/").strip().strip('"')
    if not value.isdigit() or len(value) > 9:
        raise PreconditionFailed(_("If-Match names no version of this agreement: read it again for its ETag."))
    return int(value)


def check_if_match(agreement: Agreement, expected: int) -> None:
    """Inside the caller's transaction: lock the row and confirm the version (412 when stale)."""
    try:
        check_version(agreement, expected)
    except StaleEdit as error:
        raise PreconditionFailed(error.messages[0]) from None


def visible_agreement(request, reference: str, queryset=None) -> Agreement:
    return policy.get_visible_or_404(request.user, queryset if queryset is not None else Agreement.objects.all(),
                                     reference=reference)


# --- Agreements -----------------------------------------------------------------------------

class AgreementFilterBackend(DjangoFilterBackend):
    """The list page's filters and sort, rows without a value last both ways, then a stable order."""

    def filter_queryset(self, request, queryset, view):
        rows = super().filter_queryset(request, queryset, view)
        ordering = rows.query.order_by or ("reference",)
        fields = [F(n[1:]).desc(nulls_last=True) if n.startswith("-") else F(n).asc(nulls_last=True)
                  for n in ordering if isinstance(n, str)]
        return rows.order_by(*fields, "pk")


@extend_schema(tags=["agreements"], summary="Agreements you may see, with the list page's filters")
class AgreementList(generics.ListAPIView):
    serializer_class = s.AgreementSerializer
    pagination_class = Pages
    filter_backends = [AgreementFilterBackend]
    filterset_class = AgreementFilter

    def get_queryset(self):
        return policy.visible_agreements(self.request.user).select_related("pillar", "owner")

    @cached_read
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def detail_queryset():
    return Agreement.objects.select_related("pillar", "owner", "lead_organization").prefetch_related(
        "focus_areas", "team",
        Prefetch("parties", Party.objects.select_related("organization")),
        Prefetch("milestones", Milestone.objects.select_related("owner", "agreement")),
    )


def with_latest_progress(agreement: Agreement) -> Agreement:
    agreement.latest_progress = agreement.updates.select_related("author", "agreement").first()
    return agreement


@extend_schema(tags=["agreements"], summary="One agreement: parties, milestones, latest progress",
               responses={200: OpenApiResponse(s.AgreementDetailSerializer, description="The agreement; its ETag "
                                               "is its version.", )})
class AgreementDetail(APIView):
    serializer_class = s.AgreementDetailSerializer

    @cached_read
    def get(self, request, reference: str):
        agreement = with_latest_progress(visible_agreement(request, reference, detail_queryset()))
        data = s.AgreementDetailSerializer(agreement, context={"request": request}).data
        return Response(data, headers={"ETag": etag(agreement)})


@extend_schema(tags=["progress"])
class ProgressList(generics.ListAPIView):
    """An agreement's progress updates (newest first); post one as on the page."""

    serializer_class = s.ProgressSerializer
    pagination_class = Pages

    def get_queryset(self):
        agreement = visible_agreement(self.request, self.kwargs["reference"])
        return ProgressUpdate.objects.filter(agreement=agreement).select_related("author", "agreement")

    @extend_schema(summary="Progress updates of an agreement")
    @cached_read
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Post a progress update", request=s.ProgressCreateSerializer, parameters=[IF_MATCH],
                   responses={201: OpenApiResponse(s.ProgressSerializer, description="Posted.")})
    def post(self, request, reference: str):
        agreement = visible_agreement(request, reference)
        if not policy.rights_on(request.user, agreement).work:
            raise PermissionDenied(_("Only the owner, the team or a manager may post progress on this agreement."))
        expected = expected_version(request)
        form = s.ProgressCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with transaction.atomic():
            check_if_match(agreement, expected)
            update = progress.record_progress(agreement, by=request.user, **form.validated_data)
        return Response(s.ProgressSerializer(update).data, status=status.HTTP_201_CREATED,
                        headers={"ETag": etag(agreement), "Location": f"/api/v1/agreements/{agreement.reference}/"})


@extend_schema(tags=["agreements"], summary="Change an agreement's status (the workflow)",
               request=s.TransitionRequestSerializer, parameters=[IF_MATCH],
               responses={200: OpenApiResponse(s.TransitionResultSerializer, description="Done; the new ETag is sent.",
                                               ),
                          409: OpenApiResponse(description="Refused: `detail` says why, as the page does.")})
class TransitionCreate(APIView):
    def post(self, request, reference: str):
        agreement = visible_agreement(request, reference)
        form = s.TransitionRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        to = form.validated_data["to"]
        rule = workflow.WORKFLOW.get(agreement.status, {}).get(to)
        if rule is not None and not rule.who(request.user, agreement):  # no right at all, as the page: 403
            raise PermissionDenied(str(rule.who_text))
        expected = expected_version(request)
        before = agreement.status
        try:
            with transaction.atomic():
                check_if_match(agreement, expected)
                log = workflow.transition(agreement, to, by=request.user, comment=form.validated_data["comment"])
        except workflow.TransitionError as error:
            raise Refused(error.messages[0], code=error.code or "refused") from None
        body = {"reference": agreement.reference, "from_status": before, "status": agreement.status,
                "version": agreement.version, "at": log.at}
        return Response(s.TransitionResultSerializer(body).data, headers={"ETag": etag(agreement)})


# --- Milestones ---------------------------------------------------------------------------------

def visible_milestones(user):
    return Milestone.objects.filter(agreement__in=policy.visible_agreements(user).values("pk"))


@extend_schema(tags=["milestones"], summary="Milestones of the agreements you may see")
class MilestoneList(generics.ListAPIView):
    serializer_class = s.MilestoneSerializer
    pagination_class = Pages
    filter_backends = [DjangoFilterBackend]
    filterset_class = MilestoneFilter

    def get_queryset(self):
        return visible_milestones(self.request.user).select_related("agreement", "owner").order_by("due_on", "id")

    @cached_read
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["milestones"], summary="One milestone")
class MilestoneDetail(generics.RetrieveAPIView):
    serializer_class = s.MilestoneSerializer

    def get_queryset(self):
        return visible_milestones(self.request.user).select_related("agreement", "owner")

    @cached_read
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Reference data and the caller ---------------------------------------------------------------

@extend_schema(tags=["reference data"], summary="Organizations")
class OrganizationList(generics.ListAPIView):
    serializer_class = s.OrganizationSerializer
    pagination_class = Pages
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrganizationFilter
    queryset = Organization.objects.order_by("name", "id")


@extend_schema(tags=["reference data"], summary="One organization")
class OrganizationDetail(generics.RetrieveAPIView):
    serializer_class = s.OrganizationSerializer
    queryset = Organization.objects.all()


@extend_schema(tags=["reference data"], summary="Pillars and their focus areas, named in your language")
class PillarList(generics.ListAPIView):
    serializer_class = s.PillarSerializer
    pagination_class = None
    queryset = Pillar.objects.prefetch_related(Prefetch("focus_areas", FocusArea.objects.order_by("position", "name")))


@extend_schema(tags=["reference data"], summary="Focus areas, named in your language")
class FocusAreaList(generics.ListAPIView):
    serializer_class = s.FocusAreaSerializer
    pagination_class = None
    queryset = FocusArea.objects.select_related("pillar")


@extend_schema(tags=["you"], summary="Who you are signed in as, and your roles")
class Me(APIView):
    serializer_class = s.MeSerializer

    def get(self, request):
        return Response(s.MeSerializer(request.user).data)
