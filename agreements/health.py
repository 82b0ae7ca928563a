"""/healthz: a JSON answer for load balancers and monitoring (no sign-in needed)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any failure to reach the database is "down", with its kind
        return f"down: {type(exc).__name__}"


CHECKS = {"database": database_status}


@require_GET
@never_cache
@login_not_required
def healthz(request):
    results = {name: check() for name, check in CHECKS.items()}
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **results}, status=200 if healthy else 503)
