"""`make run` on a machine without Redis: web, worker and beat under tracker/supervisor.py on
the embedded (filesystem) broker. A reminder goes all the way to a real SMTP server, and
Ctrl-C stops all three. Runs everywhere: it needs no service."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.services import free_port, wait_until

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def processes_marked(marker: str) -> list[int]:
    """Pids of the processes started with `marker` in their environment (the run's own var dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.load(response)
    except OSError:
        return {}


@pytest.fixture
def laptop(tmp_path, smtp_server):
    """The environment of a fresh laptop: no broker configured, SQLite, mail to our SMTP server."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("CELERY_", "DATABASE_", "REDIS_", "EMAIL_", "REMINDER_", "DJANGO_"))}
    env = {**keep, "TRACKER_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port), "EMAIL_TIMEOUT": "5",
           "PYTHONUNBUFFERED": "1"}
    manage = lambda *args: subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,  # noqa: E731
                                          check=True, capture_output=True, text=True)
    manage("migrate", "--noinput")
    manage("seed_demo", "--agreements", "12")
    # Reminders due at any hour, and a sweep waiting in the broker folder for the worker.
    manage("shell", "-c", "from agreements.models import ReminderPolicy as P; P.objects.create(local_hour=0);"
                          "from agreements.reminders.tasks import sweep_reminders; sweep_reminders.delay()")
    return env


def test_make_run_works_without_redis_and_ctrl_c_stops_web_worker_and_beat(laptop, smtp_server, tmp_path):
    port = free_port()
    supervisor = subprocess.Popen([sys.executable, "-m", "tracker.supervisor", "--port", str(port)], cwd=ROOT,
                                  env=laptop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
    marker = f"TRACKER_VAR_DIR={tmp_path / 'var'}"
    try:
        wait_until(lambda: health(port).get("broker") == "ok", 60, "the web server to answer /healthz")
        assert health(port) == {"status": "ok", "database": "ok", "broker": "ok"}
        wait_until(lambda: smtp_server.snapshot(), 60, "the worker to send a reminder through the embedded broker")
        assert len(processes_marked(marker)) >= 4  # supervisor, web (and its reloader child), worker, beat

        supervisor.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert supervisor.wait(40) == 0
        wait_until(lambda: processes_marked(marker) == [], 5, "every child process to be gone")
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
        for pid in processes_marked(marker):
            os.kill(pid, signal.SIGKILL)
