"""python manage.py send_reminders [--dry-run]

The same sweep beat runs, for deployments that prefer cron to a Celery worker: it records
what is due and sends it from this process (SMTP from EMAIL_HOST/EMAIL_PORT), then also
sends what earlier runs left queued (a mail server that was down). Safe to run as often as
you like, and next to a worker: the reminder keys and claims stop any double.

    */15 * * * *  cd /srv/tracker && .venv/bin/python manage.py send_reminders

--dry-run lists the reminders due today (now, or later today at the recipient's local
hour) and writes nothing.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from agreements.models import ReminderPolicy
from agreements.reminders import deciding, delivery


class Command(BaseCommand):
    help = "Record the reminders due now and send them from this process (cron). --dry-run only lists them."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what is due today; write and send nothing.")

    def handle(self, *args, dry_run: bool, **options):
        now = timezone.now()
        policy = ReminderPolicy.current()
        if not policy.active:
            self.stdout.write(self.style.WARNING("Reminders are paused (reminder policy in the admin)."))
            return
        if dry_run:
            self.list_due(deciding.decide(now, policy, only_due_now=False), policy)
            return
        leftovers = delivery.recover(now, grace_seconds=0)
        result = deciding.sweep(now, enqueue=False)
        sent, waiting = self.send(leftovers + result.groups)
        self.stdout.write(self.style.SUCCESS(
            f"{result.created} new reminder(s) recorded; {sent} sent in {len(leftovers + result.groups)} e-mail(s)."))
        if waiting:
            self.stdout.write(self.style.WARNING(f"{waiting} e-mail(s) could not be sent now and will be retried "
                                                 "on the next run (see the reminder log in the admin)."))

    def send(self, groups: list[list[int]]) -> tuple[int, int]:
        sent = waiting = 0
        for ids in groups:
            try:
                sent += delivery.deliver(ids)
            except delivery.TemporaryFailure as failure:
                waiting += 1
                self.stderr.write(f"Mail server trouble, retrying next run: {failure}")
        return sent, waiting

    def list_due(self, decisions: list[deciding.Decision], policy: ReminderPolicy) -> None:
        for d in sorted(decisions, key=lambda d: (not d.due_now, d.recipient.username, d.kind)):
            when = "now" if d.due_now else f"at {policy.local_hour:02d}:00 {d.recipient.time_zone}"
            subject = d.milestone.title if d.milestone else d.agreement.title if d.agreement else "weekly digest"
            reference = f"{d.agreement.reference} " if d.agreement else ""
            self.stdout.write(f"{when:>24}  {d.recipient.username:<14} {d.recipient.email:<32} "
                              f"{d.kind:<16} {reference}{subject}")
        due_now = sum(1 for d in decisions if d.due_now)
        self.stdout.write(self.style.SUCCESS(
            f"Dry run: {len(decisions)} reminder(s) due today, {due_now} of them now "
            f"(to {len({d.recipient.pk for d in decisions})} people). Nothing was written or sent."))
