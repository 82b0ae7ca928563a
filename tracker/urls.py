from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from agreements.web import interop_views
from tracker.edge import favicon, health, languages, session, two_factor

admin.site.site_header = _("CA+JAD Agreement Tracker — administration")
admin.site.site_title = _("CA+JAD Tracker admin")
admin.site.index_title = _("Data entry")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("i18n/setlang/", languages.set_language, name="set_language"),
    path("session", session.session_status, name="session"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/2fa/verify/", two_factor.verify, name="two-factor-verify"),
    path("accounts/2fa/setup/", two_factor.setup, name="two-factor-setup"),
    path("admin/", admin.site.urls),
    # Before any `api/v1/` include, so the API's own routes never shadow it.
    path("api/v1/iati/activities.xml", interop_views.iati_activities, name="iati-activities"),
    path("api/v1/", include("agreements.api.urls")),
    path("", include("agreements.web.urls")),
]

handler403 = "tracker.edge.errors.permission_denied"
handler400 = "tracker.edge.bad_requests.bad_request"
handler404 = "tracker.edge.errors.not_found"
handler500 = "tracker.edge.errors.server_error"
