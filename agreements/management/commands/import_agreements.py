"""python manage.py import_agreements PATH --user USERNAME [--milestones PATH] [--dry-run]
[--create-organizations] [--encoding auto|cp1251|koi8_r|cp1252]

The same import as the admin's import page (agreements.imports). Exit status 0 when the
file was imported (or the dry run found nothing wrong), 1 with the problems listed on
stderr otherwise; nothing is written in that case. For every updated agreement and
milestone each changed column is printed, old → new (in a dry run too).
"""
from django.core.management.base import BaseCommand, CommandError

from agreements.imports.files import ENCODINGS, FileRefused, read_path
from agreements.imports.importer import import_agreements
from agreements.models import User


class Command(BaseCommand):
    help = ("Import agreements (and milestones) from the CSV or XLSX template. All or nothing: any problem "
            "and nothing is written. See README, “Bulk import and export”.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The agreements file: CSV, or XLSX with an “agreements” sheet "
                                         "(and optionally a “milestones” sheet).")
        parser.add_argument("--milestones", metavar="PATH", help="A milestones file (CSV or XLSX).")
        parser.add_argument("--user", required=True,
                            help="Username of the person importing: their rights apply and the history records them.")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--create-organizations", action="store_true",
                            help="Create organizations the file names that do not exist yet (else an error).")
        parser.add_argument("--encoding", choices=list(ENCODINGS), default="auto",
                            help="For a CSV that is not UTF-8: cp1251 (Cyrillic Windows), koi8_r or cp1252 (Western "
                                 "Windows). Cyrillic files are recognised without it.")

    def handle(self, *args, path, milestones, user, dry_run, create_organizations, encoding, **options):
        importer = User.objects.filter(username=user, is_active=True).first()
        if importer is None:
            raise CommandError(f"No active user “{user}”.")
        try:
            upload = read_path(path)
            milestone_upload = read_path(milestones) if milestones else None
        except FileRefused as refused:
            raise CommandError(" ".join(refused.messages)) from None
        report = import_agreements(importer, upload, milestone_upload, dry_run=dry_run,
                                   create_organizations=create_organizations, encoding=encoding)
        for note in report.notes:
            self.stdout.write(note)
        for line in report.lines():
            self.stderr.write(line)
        if not report.ok:
            raise CommandError(report.summary())
        for line in report.change_lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"{report.summary()} ({report.seconds:.2f} s)"))
