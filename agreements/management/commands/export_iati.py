"""python manage.py export_iati [--output PATH] [--user USERNAME]

Writes the IATI 2.03 activity file (README, "IATI"): every agreement that is not restricted, or,
with --user, those of them that person may see. Streamed: 20,000 activities in bounded memory.

    python manage.py export_iati --output /srv/www/iati/activities.xml
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agreements.interop import iati
from agreements.models import User


class Command(BaseCommand):
    help = "Write the IATI 2.03 activities of every agreement that is not restricted (to a file or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--user", help="Export only what this user may see.")

    def handle(self, *args, output: str | None, user: str | None, **options):
        reader = None
        if user:
            reader = User.objects.filter(username=user, is_active=True).first()
            if reader is None:
                raise CommandError(f"No active user {user!r}.")
        chunks = iati.activities_xml(iati.published_agreements(reader))
        count = 0
        stream = open(output, "w", encoding="utf-8") if output else None
        try:
            for chunk in chunks:
                if stream:
                    stream.write(chunk)
                else:
                    self.stdout.write(chunk, ending="")
                count += chunk.count("<iati-activity ")
        finally:
            if stream:
                stream.close()
        if output:
            self.stdout.write(self.style.SUCCESS(f"{count} activities written to {output}."))
