"""Benchmark: reminders sent per second by one Celery worker to a local SMTP server.

    createdb -h 127.0.0.1 -U postgres tracker_i4_bench_mail
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_i4_bench_mail REDIS_URL=redis://127.0.0.1:6379/5
    python manage.py migrate
    python bench/reminder_throughput.py --reminders 2000 --concurrency 1

Each reminder goes to a different recipient, so each is one e-mail and one SMTP session:
the worst case (grouped reminders share an e-mail). Measures from the first message
published to the last row marked sent: claim, still-due check, render, SMTP, record.
Prints figures; cleans its rows and Redis keys up afterwards.
"""
from __future__ import annotations

import argparse
import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from agreements.models import Agreement, Milestone, Pillar, Reminder, User  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")


class Sink:
    """An aiosmtpd handler that accepts and counts."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(count: int, tag: str) -> list[int]:
    """`count` officers, each with an agreement, a milestone due in 7 days and a queued reminder."""
    pillar = Pillar.objects.first()
    users = User.objects.bulk_create([User(username=f"{tag}{n}", email=f"{tag}{n}@bench.example", time_zone="UTC")
                                      for n in range(count)])
    agreements = Agreement.objects.bulk_create([Agreement(reference=f"{tag}{n}", title=f"Bench agreement {n}",
                                                          pillar=pillar, owner=u) for n, u in enumerate(users)])
    due = timezone.localdate() + datetime.timedelta(days=7)
    milestones = Milestone.objects.bulk_create([Milestone(agreement=a, owner=a.owner, title="Survey", due_on=due)
                                                for a in agreements])
    run = uuid.uuid4()
    rows = Reminder.objects.bulk_create([
        Reminder(kind="due_soon", key=f"bench:{tag}:{m.pk}", recipient_id=m.owner_id, agreement=m.agreement,
                 milestone=m, subject_date=due, threshold=7, run_id=run) for m in milestones])
    return [r.pk for r in rows]


def cleanup(tag: str) -> None:
    Reminder.objects.filter(key__startswith=f"bench:{tag}:").delete()
    Milestone.objects.filter(agreement__reference__startswith=tag).delete()
    Agreement.objects.filter(reference__startswith=tag).delete()
    User.objects.filter(username__startswith=tag).delete()


def start_worker(env: dict, concurrency: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--loglevel", "WARNING", "--concurrency",
            str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    time.sleep(4)  # boot
    return worker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    from agreements.reminders import tasks
    from tracker.celery import app

    sink, port, tag, prefix = Sink(), free_port(), f"bench{uuid.uuid4().hex[:6]}-", f"bench-{uuid.uuid4().hex[:8]}:"
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "CELERY_BROKER_URL": REDIS_URL, "CELERY_REDIS_KEY_PREFIX": prefix, "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(port), "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    ids = seed(args.reminders, tag)
    worker = start_worker(env, args.concurrency)
    try:
        started = time.perf_counter()
        options = {"global_keyprefix": prefix}
        with app.connection_for_write(REDIS_URL, transport_options=options) as conn:
            for pk in ids:
                tasks.send_reminder_group.apply_async(([pk],), connection=conn)
        sent = Reminder.objects.filter(pk__in=ids, state="sent")
        while sent.count() < len(ids):
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        print(f"{connection.settings_dict['NAME']}: {len(ids)} reminders, one worker with concurrency "
              f"{args.concurrency}: {elapsed:.1f} s → {len(ids) / elapsed:.0f} reminders (e-mails) per second; "
              f"SMTP server received {sink.count}")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
        controller.stop()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        cleanup(tag)


if __name__ == "__main__":
    main()
