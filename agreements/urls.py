from django.urls import path

from agreements import preferences, views

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/<str:reference>/", views.agreement_detail, name="agreement-detail"),
    path("preferences/", preferences.preferences, name="preferences"),
]
