"""SQL queries per page, counted in-process (Django's test Client, the real middleware).

A page whose count grows with the data does per-row work; the same pages are counted on the
demo-size database and on the large one, and any difference is flagged. Pages are counted as
rendered (the page cache off, agreements.web.page_cache): a page served from that cache makes
three queries whatever it shows, which would hide per-row work; the dashboard's own figures cache
stays on, so its repeat view counts what it does.
"""
from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.pages import Page


def count_page(client: Client, path: str, after_change: bool = False) -> dict:
    """A repeat view is counted once more when the minute turned between its two requests: the
    dashboard's figures are kept per minute, so that view was a computed one (at 20,000 agreements
    it takes 1–2 s; one of four runs on 2 Dec 2026 reported the viewer's dashboard as "6/35 DIFFERS")."""
    from bench.latency import change_data_version

    for _attempt in range(2):
        started = this_minute()
        client.get(path)  # first request fills per-process caches (content types, templates)
        if after_change:
            change_data_version()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if after_change or this_minute() == started:
            break
    if response.status_code != 200:
        return {"status": response.status_code, "queries": None}
    return {"status": 200, "queries": len(captured)}


def this_minute() -> str:
    return timezone.now().strftime("%Y%m%d%H%M")


def count_pages(user, pages: list[Page]) -> dict[str, dict]:
    # HTTP_HOST: the production ALLOWED_HOSTS has no "testserver".
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(user)
    with override_settings(PAGE_CACHE_SECONDS=0):
        return {page.key: count_page(client, page.path, page.after_change) for page in pages}


def compare(demo: dict[str, dict], large: dict[str, dict]) -> dict[str, dict]:
    """Per page: both counts and whether they are equal (None when the page is missing)."""
    result = {}
    for key, small in demo.items():
        big = large.get(key, {})
        counts = (small.get("queries"), big.get("queries"))
        result[key] = {"demo": small, "n": big, "equal": None if None in counts else counts[0] == counts[1]}
    return result
