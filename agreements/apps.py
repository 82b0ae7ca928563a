from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements import security  # noqa: F401  (connects the sign-in logging receivers)


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site as `admin.site` ("view on site" asks the policy)."""

    default = False  # INSTALLED_APPS names it; "agreements" alone still means AgreementsConfig
    default_site = "agreements.admin_policy.TrackerAdminSite"
