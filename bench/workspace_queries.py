"""SQL queries (and time) of the officer workspace pages on whatever database DATABASE_URL points at.

Run on a seeded database, e.g.:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_i3_demo .venv/bin/python bench/workspace_queries.py

The counts must not change with the number of agreements (seed_demo vs seed_demo --agreements 5000).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from agreements.models import Agreement, User  # noqa: E402


def measure(client: Client, path: str) -> tuple[int, int, float]:
    client.get(path, HTTP_HOST="127.0.0.1")  # warm: sessions, caches
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST="127.0.0.1")
    return response.status_code, len(captured.captured_queries), (time.perf_counter() - started) * 1000


def main() -> None:
    officer_agreement = Agreement.objects.filter(owner__username="officer").order_by("reference").first()
    pending = Agreement.objects.filter(status="pending_closure").order_by("reference").first()
    paths = ["/", "/agreements/", "/agreements/?status=in_progress&overdue=1&sort=-updated",
             "/agreements/?q=energy&page=2", officer_agreement.get_absolute_url(), pending.get_absolute_url(),
             pending.get_absolute_url() + "?timeline=all"]
    print(f"{Agreement.objects.count()} agreements on {connection.vendor}")
    print(f"{'user':<8} {'status':>6} {'queries':>7} {'ms':>7}  path")
    for username in ("officer", "manager", "viewer"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for path in paths:
            status, queries, ms = measure(client, path)
            print(f"{username:<8} {status:>6} {queries:>7} {ms:>7.0f}  {path}")


if __name__ == "__main__":
    main()
