"""Seed the initiative's pillars and focus areas, and the four role groups.

Pillars and focus areas are data (editable in the admin afterwards); this migration only
provides the Tokyo Initiative's starting set. Group permissions are model permissions
for the admin; object-level rules live in agreements.policy.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

PILLARS = [
    ("green-resilience", "Green and Resilience", [
        ("energy-resources", "Energy and resource development (incl. critical minerals)"),
        ("climate-mitigation", "Climate change mitigation"),
        ("renewable-transition", "Renewable energy transition"),
        ("disaster-risk-reduction", "Disaster risk reduction"),
    ]),
    ("connectivity", "Connectivity", [
        ("logistics-transport", "Logistics and transport infrastructure"),
    ]),
    ("human-resources", "Human Resource Development", [
        ("capacity-building", "Capacity building"),
        ("health-medical", "Health and medical services"),
    ]),
    ("cross-cutting", "Cross-cutting", []),
]

DOMAIN = ["agreement", "party", "milestone", "organization", "pillar", "focusarea", "progressupdate",
          "document", "transitionlog"]


def perms(*specs):
    """'view:agreement,party' → [('view', 'agreement'), ('view', 'party')]"""
    out = []
    for spec in specs:
        actions, models = spec.split(":")
        out += [(a, m) for a in actions.split(",") for m in models.split(",")]
    return out


ROLES = {
    "Officer": perms("view:" + ",".join(DOMAIN), "add,change:milestone", "add:progressupdate,document"),
    "Manager": perms("view:" + ",".join(DOMAIN) + ",user", "change:agreement,milestone",
                     "add:progressupdate,document,milestone"),
    "Data entry": perms("view:" + ",".join(DOMAIN) + ",user",
                        "add,change:agreement,party,milestone,organization,document,pillar,focusarea,user",
                        "delete:party,milestone,document"),
    "Viewer": perms("view:" + ",".join(DOMAIN)),
}


def seed(apps, schema_editor):
    Pillar = apps.get_model("agreements", "Pillar")
    FocusArea = apps.get_model("agreements", "FocusArea")
    for position, (code, name, areas) in enumerate(PILLARS, start=1):
        pillar, _ = Pillar.objects.get_or_create(code=code, defaults={"name": name, "position": position})
        for area_position, (area_code, area_name) in enumerate(areas, start=1):
            FocusArea.objects.get_or_create(
                code=area_code, defaults={"pillar": pillar, "name": area_name, "position": area_position}
            )

    for app_config in apps.get_app_configs():
        # create_permissions skips app configs without a models module, which historical ones
        # never have; put back what was there (the test suite calls this with the real registry).
        previous, app_config.models_module = getattr(app_config, "models_module", None), True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for action, model in wanted:
            group.permissions.add(Permission.objects.get(codename=f"{action}_{model}"))


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
