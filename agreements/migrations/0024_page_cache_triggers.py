"""The page cache (agreements.web.page_cache, issue 20): the data-version triggers on the tables My
work, the list and the agreement page read beyond the reports' (agreements.data_version.TABLES)."""
from django.db import migrations

from agreements.data_version import restore_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0023_search_trigram'),
    ]

    operations = [
        migrations.RunPython(restore_triggers, migrations.RunPython.noop),
    ]
