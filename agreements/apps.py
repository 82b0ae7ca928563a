from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def restore_data_version_triggers(sender, using="default", **kwargs) -> None:
    """A migration that rebuilt a table (SQLite) dropped its trigger: put it back at once."""
    from agreements import data_version

    data_version.restore_missing(using)


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(restore_data_version_triggers, sender=self, dispatch_uid="agreements.data_version")


class TrackerAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site as `admin.site` ("view on site" asks the policy)."""

    default = False  # INSTALLED_APPS names it; "agreements" alone still means AgreementsConfig
    default_site = "agreements.admin_site.TrackerAdminSite"
