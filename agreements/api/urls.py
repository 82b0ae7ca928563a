"""/api/v1/ (mounted by tracker.urls): the resources, the OpenAPI schema and its docs page."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from agreements.api import views

urlpatterns = [
    path("agreements/", views.AgreementList.as_view(), name="api-agreement-list"),
    path("agreements/<str:reference>/", views.AgreementDetail.as_view(), name="api-agreement-detail"),
    path("agreements/<str:reference>/progress/", views.ProgressList.as_view(), name="api-progress"),
    path("agreements/<str:reference>/transitions/", views.TransitionCreate.as_view(), name="api-transition"),
    path("milestones/", views.MilestoneList.as_view(), name="api-milestone-list"),
    path("milestones/<int:pk>/", views.MilestoneDetail.as_view(), name="api-milestone-detail"),
    path("organizations/", views.OrganizationList.as_view(), name="api-organization-list"),
    path("organizations/<int:pk>/", views.OrganizationDetail.as_view(), name="api-organization-detail"),
    path("pillars/", views.PillarList.as_view(), name="api-pillar-list"),
    path("focus-areas/", views.FocusAreaList.as_view(), name="api-focus-area-list"),
    path("me/", views.Me.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
