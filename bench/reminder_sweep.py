"""Benchmark: the reminder sweep on a large database (prints figures; not a test).

    createdb -h 127.0.0.1 -U postgres tracker_i4_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_i4_bench
    python manage.py migrate && python manage.py seed_demo --agreements 20000
    python bench/reminder_sweep.py

Worst case on purpose: the policy's local hour is set to 0 and the digest to today, so every
recipient is due at once. Deletes the Reminder rows of that database before and after.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from agreements.models import Agreement, Milestone, Reminder, ReminderPolicy  # noqa: E402
from agreements.reminders import deciding  # noqa: E402


def timed(function, runs: int = 3):
    durations, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), result


def main() -> None:
    now = timezone.now()
    saved = ReminderPolicy.objects.filter(pk=1).first()
    ReminderPolicy.objects.update_or_create(pk=1, defaults={"local_hour": 0, "digest_weekday": now.weekday()})
    Reminder.objects.all().delete()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; "
          f"{Agreement.objects.count()} agreements, {Milestone.objects.count()} milestones")
    with CaptureQueriesContext(connection) as queries:
        deciding.decide(now)
    seconds, decided = timed(lambda: deciding.decide(now))
    print(f"decide (reads only): {seconds:.2f} s, {len(decided)} reminders due, {len(queries)} queries")
    started = time.perf_counter()
    first = deciding.sweep(now, enqueue=False)
    print(f"first sweep (records every reminder due): {time.perf_counter() - started:.2f} s, "
          f"{first.created} rows, {len(first.groups)} e-mails")
    seconds, again = timed(lambda: deciding.sweep(now, enqueue=False))
    print(f"steady-state sweep (all recorded already): {seconds:.2f} s, {again.created} new rows")
    Reminder.objects.all().delete()
    if saved:
        saved.save()
    else:
        ReminderPolicy.objects.filter(pk=1).delete()


if __name__ == "__main__":
    main()
