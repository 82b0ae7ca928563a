"""Median and p95 latency per page over many sequential requests by one signed-in user per role
(a manager for most pages; a viewer for the pages seen through the visibility filter).

Pages are measured round-robin (floor, home, list, …, floor, home, …) rather than one after the
other, so a burst of noise on the machine lands on every page alike and the ratios to the floor
stay fair. A page missing on this branch (404) or failing is reported, never measured.
"""
from __future__ import annotations

import math
import statistics

from bench.pages import Page
from bench.webclient import WebClient


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: an actually observed value."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(seconds: list[float], statuses: list[int]) -> dict:
    return {
        "requests": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "min_ms": round(min(seconds) * 1000, 2),
        "errors": sum(1 for status in statuses if status != 200),
    }


def probe(clients: dict[str, WebClient], pages: list[Page]) -> tuple[list[Page], dict[str, dict]]:
    """Split pages into those answering 200 and the rest (reported with their status)."""
    live, missing = [], {}
    for page in pages:
        status, _ = clients[page.role].timed_get(page.path)
        if status == 200:
            live.append(page)
        else:
            reason = "n/a (404)" if status == 404 else f"n/a (HTTP {status})"
            missing[page.key] = {"status": status, "reason": reason}
    return live, missing


def change_data_version() -> None:
    """What any write does to the reports' cache key (agreements.reports.cache): a new token, so
    the next dashboard view computes its figures. Untimed, before the request."""
    import uuid

    from agreements.models import DataVersion

    DataVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex)


def timed(client: WebClient, page: Page) -> tuple[int, float]:
    if page.after_change:
        change_data_version()
    return client.timed_get(page.path)


def measure(clients: dict[str, WebClient], pages: list[Page], requests: int, warmup: int) -> dict[str, dict]:
    """`clients`: one signed-in client per role of the pages."""
    live, results = probe(clients, pages)
    samples: dict[str, list[tuple[int, float]]] = {}
    # Two passes: a first view after a change invalidates every cached dashboard, so measured in
    # the same loop it would turn the repeat views into first views too. Each pass has the floor
    # at its head; the first pass's floor is the one reported.
    repeat = [page for page in live if not page.after_change]
    fresh = repeat[:1] + [page for page in live if page.after_change]
    for rounds, measured in ((repeat, samples), (fresh if len(fresh) > 1 else [], {})):
        for _ in range(warmup):
            for page in rounds:
                timed(clients[page.role], page)
        for _ in range(requests):
            for page in rounds:
                measured.setdefault(page.key, []).append(timed(clients[page.role], page))
        for key, observed in measured.items():
            samples.setdefault(key, observed)
    for key, observed in samples.items():
        results[key] = summarise([s for _, s in observed], [status for status, _ in observed])
    return results


def ratios(results: dict[str, dict], floor: str = "floor", admin: str = "admin_filtered",
           mine: str = "list_filtered") -> dict[str, float | None]:
    """Each page's median over the floor's, and our filtered list's over the admin's (same filter)."""
    def median(key: str) -> float | None:
        return results.get(key, {}).get("median_ms")

    base = median(floor)
    out: dict[str, float | None] = {key: (round(median(key) / base, 2) if median(key) and base else None)
                                    for key in results}
    out["list_vs_admin"] = round(median(mine) / median(admin), 2) if median(mine) and median(admin) else None
    return out
