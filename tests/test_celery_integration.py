"""End to end: a real Celery worker process on the local Redis, a real SMTP server (aiosmtpd),
the test database on PostgreSQL. Each test starts what it needs and cleans up after itself.

The worker shares the test database (so PostgreSQL is needed: SQLite's test database lives
in this process's memory) and runs under a key prefix of its own in Redis, so runs never see
each other's messages. Time runs for real here; the unit tests freeze it.
"""
from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from agreements.models import Reminder, ReminderPolicy
from tests.conftest import skip_or_fail
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
# Any database will do (every run has its own key prefix); CI sets REDIS_URL.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
ZONE = "Asia/Tokyo"
SENT = Reminder.State.SENT


def wait_until(condition, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery -A tracker worker` as a child process in its own process group."""

    def __init__(self, env: dict[str, str], concurrency: int) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--loglevel", "INFO",
                "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"]
        self.ready = threading.Event()
        self.log: list[str] = []
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            self.stop()
            raise AssertionError("the worker did not start:\n" + "".join(self.log[-40:]))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line)
            if " ready." in line:
                self.ready.set()

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children): no cleanup at all."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)

    def stop(self) -> None:
        """At the end of a test nothing is in flight any more: no need to wait for a warm shutdown."""
        if self.process.poll() is None:
            self.kill()


class Cluster:
    """Workers on a private slice of the local Redis, and a way to publish tasks to them."""

    def __init__(self, smtp_port: int) -> None:
        self.prefix = f"tracker-test-{uuid.uuid4().hex[:12]}:"
        self.workers: list[Worker] = []
        self.env = {
            **os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": database_url(), "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": REDIS_URL, "CELERY_REDIS_KEY_PREFIX": self.prefix,
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_TIMEOUT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "SITE_URL": "https://tracker.test",
            # Seconds instead of minutes, so that recovery happens within the test.
            "REMINDER_CLAIM_SECONDS": "3", "REMINDER_REDISPATCH_SECONDS": "2",
            "REMINDER_RETRY_BASE_SECONDS": "1", "REMINDER_RETRY_MAX_SECONDS": "2", "REMINDER_MAX_ATTEMPTS": "100",
        }

    def start_worker(self, concurrency: int = 2) -> Worker:
        worker = Worker(self.env, concurrency)
        self.workers.append(worker)
        return worker

    def publish(self, task) -> None:
        """Send `task` to the workers (what beat does on schedule)."""
        from tracker.celery import app

        options = {"global_keyprefix": self.prefix, "visibility_timeout": 3600}
        with app.connection_for_write(REDIS_URL, transport_options=options) as conn:
            task.apply_async(connection=conn)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=self.prefix + "*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def cluster(smtp_server):
    if connection.vendor != "postgresql":
        skip_or_fail("the worker process must share the test database: set DATABASE_URL=postgres://...")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__}); set REDIS_URL")
    cluster = Cluster(smtp_server.port)
    yield cluster
    cluster.close()


@pytest.fixture
def morning_policy(db):
    """Reminders due at any hour (time is real here), the digest today in ZONE."""
    weekday = timezone.now().astimezone(zoneinfo.ZoneInfo(ZONE)).weekday()
    return ReminderPolicy.objects.create(local_hour=0, digest_weekday=weekday)


def local_today() -> datetime.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(ZONE)).date()


def officer(name: str, **fields):
    return UserFactory(username=name, role="Officer", **{"time_zone": ZONE, "notify_stale": False, **fields})


def due_soon_for(user, days: int = 7):
    agreement = AgreementFactory(owner=user)
    return MilestoneFactory(agreement=agreement, owner=user, due_on=local_today() + datetime.timedelta(days=days))


def tasks():
    from agreements import tasks as module

    return module


def all_sent(count: int):
    return lambda: Reminder.objects.filter(state=SENT).count() == count and Reminder.objects.count() == count


def test_a_live_worker_delivers_each_due_reminder_exactly_once(cluster, smtp_server, morning_policy, manager,
                                                               second_manager, move_to):
    tokyo, tashkent = officer("tokyo"), officer("tashkent", time_zone="Asia/Tashkent")
    for user in (manager, second_manager):
        user.time_zone, user.notify_digest, user.notify_stale = ZONE, True, False
        user.save()
    soon = due_soon_for(tokyo)
    MilestoneFactory(agreement=soon.agreement, owner=tokyo, due_on=local_today() - datetime.timedelta(days=1))
    late = MilestoneFactory(agreement=AgreementFactory(owner=tashkent), owner=tashkent,
                            due_on=local_today() - datetime.timedelta(days=20))
    move_to(late.agreement, "in_progress")
    cluster.start_worker(concurrency=2)

    # Two sweeps at once, as if two beats were running: still one row and one e-mail each.
    cluster.publish(tasks().sweep_reminders)
    cluster.publish(tasks().sweep_reminders)
    wait_until(lambda: len(smtp_server.snapshot()) >= 6, what="six e-mails")
    wait_until(all_sent(7), what="seven reminders recorded as sent")
    cluster.publish(tasks().sweep_reminders)
    cluster.publish(tasks().dispatch_reminders)
    time.sleep(2)

    messages = smtp_server.snapshot()
    assert sorted(m["To"] for m in messages) == sorted(
        [tokyo.email, tashkent.email] + [manager.email] * 2 + [second_manager.email] * 2)
    assert smtp_server.to(tokyo.email)[0]["Subject"].startswith("2 reminders from the CA+JAD Tracker")
    assert "overdue by 20 days" in smtp_server.to(tashkent.email)[0]["Subject"]
    subjects = sorted(m["Subject"] for m in smtp_server.to(manager.email))
    assert subjects[0].startswith("Escalation: ") and subjects[1].startswith("Weekly digest")
    body = smtp_server.to(tokyo.email)[0]
    assert body.get_body(("plain",)) and body.get_body(("html",))
    assert f"https://tracker.test/agreements/{soon.agreement.reference}/" in body.get_body(("plain",)).get_content()
    assert Reminder.objects.filter(state=SENT).count() == 7


def test_reminders_survive_a_mail_server_outage(cluster, smtp_server, morning_policy):
    people = [officer(f"outage{n}") for n in range(3)]
    for person in people:
        due_soon_for(person)
    smtp_server.stop()
    cluster.start_worker()
    cluster.publish(tasks().sweep_reminders)

    retrying = Reminder.objects.filter(state=Reminder.State.QUEUED, attempts__gte=2, last_error__contains="Connection")
    wait_until(lambda: retrying.count() == 3, what="every reminder to fail twice and wait for a retry")
    smtp_server.start()
    wait_until(all_sent(3), timeout=30, what="all three reminders sent once the server is back")
    time.sleep(1.5)

    assert sorted(m["To"] for m in smtp_server.snapshot()) == sorted(p.email for p in people)


def test_killing_a_worker_mid_batch_loses_and_doubles_nothing(cluster, smtp_server, morning_policy):
    people = [officer(f"batch{n:02d}") for n in range(10)]
    for person in people:
        due_soon_for(person)
    smtp_server.delay = 0.3  # each message takes a while, so the kill lands during a send
    first = cluster.start_worker(concurrency=1)
    cluster.publish(tasks().sweep_reminders)

    wait_until(lambda: len(smtp_server.snapshot()) >= 3, what="the batch under way")
    smtp_server.receiving.clear()
    smtp_server.receiving.wait(10)  # a message is now inside the server, not yet accepted
    first.kill()
    delivered_before = len(smtp_server.snapshot())
    assert Reminder.objects.filter(state=Reminder.State.SENDING).exists()  # its claim is orphaned

    cluster.start_worker(concurrency=1)
    deadline = time.monotonic() + 45
    while not all_sent(10)() and time.monotonic() < deadline:
        cluster.publish(tasks().dispatch_reminders)  # beat does this every minute
        time.sleep(1)
    time.sleep(1.5)

    assert 3 <= delivered_before < 10
    assert Reminder.objects.filter(state=SENT).count() == 10
    assert sorted(m["To"] for m in smtp_server.snapshot()) == sorted(p.email for p in people)
