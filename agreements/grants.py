"""Role permissions granted by the migrations that add models (0003, 0010, 0012, 0017, 0021): one
step instead of a copy in each. Written for historical models (`apps` of the migration), idempotent,
so tests/conftest.py can run a migration's step again after a flush (DATA_STEPS)."""
from __future__ import annotations

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, grants: dict[str, list[str]]) -> None:
    """Create the permissions of every app (Django creates them only after the whole migrate), then
    add each role's codenames of this app to its group (created if missing)."""
    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, which historical ones never have.
        previous, app_config.models_module = getattr(app_config, "models_module", None), True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = previous
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="agreements", codename__in=codenames))
