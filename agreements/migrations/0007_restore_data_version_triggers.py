"""Migration 0006 rebuilt `agreements_agreement` on SQLite (to change a check constraint), which drops
the table's triggers: put the data-version triggers back. From now on `migrate` repairs any a later
migration drops (agreements.data_version, post_migrate); this step makes a fresh install clean."""
from django.db import migrations


def restore(apps, schema_editor):
    from agreements import data_version

    data_version.install(schema_editor.connection, data_version.missing(schema_editor.connection))


class Migration(migrations.Migration):

    dependencies = [("agreements", "0006_terminated_without_signature")]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
