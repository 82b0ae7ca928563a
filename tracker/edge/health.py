"""/healthz: a JSON answer for load balancers and monitoring (no sign-in needed)."""
from __future__ import annotations

import os
from pathlib import Path

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any failure to reach the database is "down", with its kind
        return f"down: {type(exc).__name__}"


def broker_status() -> str:
    """Can we hand a task to the Celery broker? (Redis answers a connection; the embedded
    broker needs its folder.) Bounded by short timeouts so the probe never hangs."""
    from tracker.celery import app, uses_embedded_broker

    try:
        if uses_embedded_broker():
            folder = Path(app.conf.broker_transport_options["data_folder_in"])
            return "ok" if folder.is_dir() and os.access(folder, os.W_OK) else "down: broker folder missing"
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        return "ok"
    except Exception as exc:  # any failure to reach the broker is "down", with its kind
        return f"down: {type(exc).__name__}"


CHECKS = {"database": database_status, "broker": broker_status}
# Without the database nothing works: take this web server out of the load balancer (503).
# Without the broker, pages still work and reminders wait in their table until it is back,
# so it is reported ("degraded") for monitoring but does not fail the probe.
CRITICAL = {"database"}


@require_safe
@never_cache
@login_not_required
def healthz(request):
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(value == "ok" for value in results.values())
    serving = all(results[name] == "ok" for name in CRITICAL)
    return JsonResponse({"status": "ok" if healthy else "degraded", **results}, status=200 if serving else 503)
