"""python manage.py seed_demo [--agreements N] [--seed S] [--demo-users]"""
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from agreements.demo import summit as demo
from agreements.models import Agreement


class Command(BaseCommand):
    help = "Build the demo summit (158 agreements by default). Deterministic and idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--agreements", type=int, default=158, help="How many agreements (default 158).")
        parser.add_argument("--seed", type=int, default=2025, help="Random seed (default 2025).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any agreement exists (make run).")
        parser.add_argument("--demo-users", action="store_true",
                            help="Create the demo logins (always on with DJANGO_DEBUG on).")

    def handle(self, *args, agreements, seed, demo_users, if_empty, **options):
        if if_empty and Agreement.objects.exists():
            self.stdout.write("Agreements exist already: demo data not loaded.")
            return
        started = time.monotonic()
        counts = demo.seed(agreements=agreements, seed=seed, demo_users=demo_users or settings.DEBUG)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Created {counts['agreements']} agreements, {counts['milestones']} milestones, "
            f"{counts['updates']} progress updates in {elapsed:.1f} s."
        ))
        if demo_users or settings.DEBUG:
            self.stdout.write(f"Demo logins: officer, manager, dataentry, viewer, admin — password {demo.DEMO_PASSWORD!r}.")
