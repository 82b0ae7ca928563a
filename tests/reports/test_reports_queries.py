"""The dashboard runs a constant number of queries whatever the number of agreements:
the same at the summit's 158 as at `seed_demo --agreements 5000`. Render times are printed
(run with -s) as information, never asserted."""
from __future__ import annotations

import datetime
import time

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.demo import summit as demo
from agreements.models import Agreement

NOW = datetime.datetime(2026, 6, 10, 9, 30, tzinfo=datetime.timezone.utc)
TODAY = NOW.date()
EVERY_FILTER = ("pillar=connectivity&pillar=green-resilience&country=KZ&focus_area=logistics-transport"
                "&status=in_progress&status=signed&owner=me&signed_after=2025-12-01&signed_before=2026-01-31")
CASES = [("manager", ""), ("manager", EVERY_FILTER), ("viewer", ""), ("viewer", "country=UZ"),
         ("manager", EVERY_FILTER, "/reports/export.xlsx"), ("viewer", "", "/reports/export.xlsx")]


def measure(client, users: dict, role: str, query: str, path: str = "/reports/") -> tuple[int, float]:
    client.force_login(users[role])
    client.get(f"{path}?{query}")  # warm caches (templates, content types) outside the count
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(f"{path}?{query}")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return len(queries.captured_queries), elapsed


@time_machine.travel(NOW, tick=False)
def test_query_count_is_the_same_for_158_and_5000_agreements(client, manager, viewer, django_assert_num_queries):
    users = {"manager": manager, "viewer": viewer}
    demo.seed(today=TODAY)
    small = {case: measure(client, users, *case) for case in CASES}
    demo.seed(agreements=5000, today=TODAY)
    assert Agreement.objects.exclude(origin="before").count() == 5000  # plus the record's earlier agreements
    for case, (count, elapsed) in small.items():
        client.force_login(users[case[0]])
        path = case[2] if len(case) > 2 else "/reports/"
        with django_assert_num_queries(count):
            client.get(f"{path}?{case[1]}")
        large_count, large_elapsed = measure(client, users, *case)
        print(f"\n{path}?{case[1]} as {case[0]}: {count} queries; "
              f"{elapsed * 1000:.0f} ms at 158, {large_elapsed * 1000:.0f} ms at 5000 ({connection.vendor})")
        # 25 for the cached board, its lists and the public record's facts, 1 for the notifications
        # badge, up to 6 for the honest-health panel (computed from the milestones' history every
        # time: agreements.reports.honesty) and 2 for the roll-up.
        assert count <= 38, f"{count} queries is more than the dashboard needs"


def benchmark(repeat: int = 5) -> None:
    """Print the dashboard's query count and median render time on the current database, as
    the demo logins `manager` and `viewer` (README, "Reports"). Not a test: run it with
    python manage.py shell -c "from tests.reports.test_reports_queries import benchmark; benchmark()"
    """
    import statistics

    from django.test import Client

    from agreements.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    for username, query in [("manager", ""), ("manager", "pillar=connectivity&country=KZ"), ("viewer", "")]:
        client.force_login(User.objects.get(username=username))
        client.get(f"/reports/?{query}")
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(f"/reports/?{query}")
                times.append(time.perf_counter() - started)
        print(f"{Agreement.objects.count()} agreements, {username} /reports/?{query}: HTTP {response.status_code}, "
              f"{len(queries.captured_queries)} queries, median {statistics.median(times) * 1000:.0f} ms")
