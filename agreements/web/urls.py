from django.urls import path

from agreements.web import calendar_views, dashboard as report_views, milestone_views, preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/export.csv", views.export_agreements, {"fmt": "csv"}, name="agreement-export-csv"),
    path("agreements/export.xlsx", views.export_agreements, {"fmt": "xlsx"}, name="agreement-export-xlsx"),
    path("agreements/milestones.csv", views.export_agreements, {"fmt": "milestones-csv"},
         name="milestone-export-csv"),
    path("agreements/<str:reference>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<str:reference>/progress/", views.post_progress, name="agreement-progress"),
    path("agreements/<str:reference>/transitions/<str:to>/", views.take_transition, name="agreement-transition"),
    path("agreements/<str:reference>/documents/", views.upload_document, name="document-upload"),
    path("agreements/<str:reference>/documents/<int:pk>/", views.download_document, name="document-download"),
    path("agreements/<str:reference>/reassign/", views.reassign, name="agreement-reassign"),
    path("agreements/<str:reference>/milestones/", milestone_views.add_milestone, name="milestone-add"),
    path("agreements/<str:reference>/milestones/<int:pk>/edit/", milestone_views.edit_milestone, name="milestone-edit"),
    path("agreements/<str:reference>/milestones/<int:pk>/done/", milestone_views.complete_milestone,
         name="milestone-done"),
    path("agreements/<str:reference>/milestones/<int:pk>/waive/", milestone_views.waive_milestone,
         name="milestone-waive"),
    path("reports/", report_views.dashboard, name="reports"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("preferences/calendars/", calendar_views.create_calendar_feed, name="calendar-feed-create"),
    path("preferences/calendars/<int:pk>/revoke/", calendar_views.revoke_calendar_feed, name="calendar-feed-revoke"),
    path("calendars/<str:secret>.ics", calendar_views.calendar_feed, name="calendar-feed"),
]
