from django.urls import path

from agreements import views
from agreements import report_views  # /reports/

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/<str:reference>/", views.agreement_detail, name="agreement-detail"),
    path("reports/", report_views.dashboard, name="reports"),
]
