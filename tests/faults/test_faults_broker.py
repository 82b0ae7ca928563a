"""Redis killed and restarted under a running deployment: gunicorn (DEBUG off), a Celery worker
and an SMTP server, on a redis-server of the test's own (the machine's shared Redis is never
touched). Pages keep working, /healthz reports the broker down and then up, and reminders
decided while Redis was down — by a sweep, and by a manager retrying a failed one in the
admin — are sent once when it is back (the dispatcher re-sends what the lost messages
carried; Redis keeps nothing on disk, so every message it held is gone).
"""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from agreements.models import Reminder
from agreements.reminders import tasks
from tests.reminders.reminder_helpers import all_sent, dispatch_until, due_soon_for, settle_down, tally, zone_officer
from tests.services import ROOT, Cluster, RedisServer, WebServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SENT, QUEUED, FAILED = Reminder.State.SENT, Reminder.State.QUEUED, Reminder.State.FAILED


@pytest.fixture
def redis_server(transactional_db):
    server = RedisServer().start()
    yield server
    server.kill()


@pytest.fixture
def cluster(smtp_server, redis_server):
    cluster = Cluster(smtp_server.port, redis_server.url)
    yield cluster
    cluster.close()


@pytest.fixture
def web(cluster, tmp_path):
    broker = {name: cluster.env[name] for name in ("CELERY_BROKER_URL", "CELERY_REDIS_KEY_PREFIX")}
    with WebServer(tmp_path, workers=2, env=broker) as server:
        yield server


def broker_is(web: WebServer, *, down: bool) -> tuple[int, dict] | None:
    """/healthz's answer once it reports the broker down (or up), else None."""
    status, health = web.health()
    return (status, health) if (health["broker"] != "ok") == down else None


def sweep_in_another_process(cluster: Cluster) -> tuple[int, float]:
    """The sweep as beat's task runs it, in a process whose broker is down: the rows are
    recorded, handing them to the worker fails (and is logged)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                           "from agreements.reminders import deciding, tasks; "
                           "print('created', deciding.sweep(enqueue=tasks.enqueue_groups).created)"],
                          cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return int(re.search(r"created (\d+)", done.stdout).group(1)), time.monotonic() - started


@pytest.mark.usefixtures("morning_policy")
def test_pages_health_and_reminders_survive_a_redis_restart(cluster, web, redis_server, smtp_server, manager,
                                                            settings):
    early = [zone_officer(f"early{n}") for n in range(2)]
    unlucky = zone_officer("unlucky")
    for person in early:
        due_soon_for(person)
    their_agreement = due_soon_for(unlucky).agreement
    smtp_server.refuse.add(unlucky.email)  # 550: that reminder fails, to be retried from the admin
    cluster.start_worker()
    browser = web.browser(manager, settings)
    assert web.health() == (200, {"status": "ok", "database": "ok", "broker": "ok"})
    cluster.run(tasks.sweep_reminders)
    wait_until(lambda: Reminder.objects.filter(state__in=[SENT, FAILED]).count() == 3, what="the first reminders")

    # Redis dies while the worker is sending a reminder (the mail server takes its time).
    in_flight = zone_officer("in_flight")
    due_soon_for(in_flight)
    smtp_server.delay = 0.5  # below EMAIL_TIMEOUT (1 s)
    smtp_server.receiving.clear()
    cluster.publish(tasks.sweep_reminders)
    assert smtp_server.receiving.wait(30), "the reminder never reached the mail server"
    redis_server.kill()
    killed = time.monotonic()
    smtp_server.delay = 0

    status, down = wait_until(lambda: broker_is(web, down=True), what="/healthz to see the broker down")
    pages = [browser.get(path)[0] for path in ("/", "/agreements/", f"/agreements/{their_agreement.reference}/",
                                               "/reports/", "/admin/agreements/reminder/")]
    smtp_server.refuse.clear()  # the mailbox is fixed; the manager retries from the admin
    started = time.monotonic()
    retry_status, _ = browser.post("/admin/agreements/reminder/", {
        "action": "retry_failed", "_selected_action": Reminder.objects.get(state=FAILED).pk, "index": "0"})
    retry_seconds = time.monotonic() - started
    late = [zone_officer(f"late{n}") for n in range(2)]
    for person in late:
        due_soon_for(person)
    created, sweep_seconds = sweep_in_another_process(cluster)
    waiting = Reminder.objects.filter(recipient__in=[unlucky, *late], state=QUEUED)
    assert waiting.count() == 3  # the retried one and the two just decided, for when Redis is back

    redis_server.start()
    outage = time.monotonic() - killed
    status_after, up = wait_until(lambda: broker_is(web, down=False), what="/healthz to see the broker back")
    # A worker that lost Redis while it held a message exits (kombu 5.7 fails to put it back over
    # the dead connection); its supervisor starts it again. One that did not, reconnects by itself.
    restarts = cluster.supervise_after_outage()
    dispatch_until(cluster, all_sent(6), timeout=60)  # the dispatcher re-sends what Redis lost
    recovered = time.monotonic() - killed - outage
    settle_down(cluster)

    addresses = [m["To"] for m in smtp_server.snapshot()]
    expected = [p.email for p in (*early, unlucky, in_flight, *late)]
    duplicated, lost = tally(smtp_server, expected)
    print(f"\n[faults] Redis killed for {outage:.1f} s while a reminder was being sent: /healthz {status} "
          f"{down['status']} (broker {down['broker']}) then {status_after} {up['status']}; pages during the outage "
          f"{pages}, admin retry {retry_status} in {retry_seconds:.2f} s; sweep process without a broker "
          f"{sweep_seconds:.1f} s; worker restarts by the supervisor {restarts}; reminders in flight 1 and decided "
          f"meanwhile {created + 1}, all sent {recovered:.1f} s after Redis was back; "
          f"e-mails duplicated {duplicated}, lost {lost}")
    assert (status, down["status"], down["database"]) == (200, "degraded", "ok") and down["broker"].startswith("down")
    assert (status_after, up) == (200, {"status": "ok", "database": "ok", "broker": "ok"})
    assert pages == [200] * len(pages) and retry_status == 302 and created == 2
    assert sorted(addresses) == sorted(expected)
    assert Reminder.objects.filter(state=SENT).count() == 6 == Reminder.objects.count()
