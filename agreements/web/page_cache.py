"""My work, the agreement list and the agreement page, served again from the cache while nothing
they show has changed.

At 20,000 agreements each takes 40–70 ms, most of it Django's templates; a repeat view of the same
page by the same person is the common case (back from an agreement to the list, a reload). The key
(`agreements.reports.cache.read_key`, which the API's cache uses too) holds everything the page body
depends on, so a cached page is never stale, only unused:

- the data version (`DataVersion.token`): database triggers give it a new value in the same
  transaction as any write to the tables these pages read (agreements.data_version.TABLES) — the
  agreements with their parties, team, focus areas, milestones, progress updates, transitions,
  stages, dependencies, documents, sources, focal points, confirmations and acknowledgements; the
  history tables the timeline reads; the header's notifications badge; the list's saved views; the
  users (names, language, time zone, roles by their groups); the reference data and the reminder
  policy (the "stale" threshold). tests/web/test_page_cache.py reads every table the pages query
  and requires its trigger. A commit makes every older entry unreachable;
- the user and their session's auth hash (a changed password ends the entry with the session);
- the language, the time zone, and the minute (today, overdue, "3 minutes ago" move with the
  clock: at most a minute behind it);
- the scheme, host and full path with the query string as sent (the page echoes it: the language
  form's `next`, the filter chips and sort links).

The CSRF token is not cached: each `csrfmiddlewaretoken` value is cut out before storing, and a page
from the cache gets fresh ones from `get_token(request)` (this session's secret, newly masked; the
cookie is then set exactly as on a rendered page), so a form on it posts, and no token ever reaches
another session.

Rendered as before, and not stored: inside a transaction (the token does not yet show its own
writes), while a table lacks its trigger (agreements.data_version.complete), before any write set a
token, for anything but a GET answered 200 with a whole body, and while the request has messages
to show (a cached page would not show them, and rendering them uses them up), nor a page its view
marks `not_kept` (the dashboard from figures counted before the latest write).
`PAGE_CACHE_SECONDS=0` switches it off.
"""
from __future__ import annotations

import functools
import re
from typing import Callable

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from agreements.reports.cache import read_key

KEY_VERSION = 1  # raise when the pages change in a way the key does not see (a deploy restarts anyway)
# What Django's {% csrf_token %} renders: the value is cut out and put back fresh on every view.
CSRF_VALUE = re.compile(r'(?<=name="csrfmiddlewaretoken" value=")[^"]*(?=")')


def page_key(request: HttpRequest) -> str | None:
    """The entry this request's page would be kept under, or None when it must be rendered."""
    if not request.user.is_authenticated or pending_messages(request):
        return None
    return read_key(request, f"page{KEY_VERSION}", request.session.get(HASH_SESSION_KEY, ""))


def pending_messages(request: HttpRequest) -> bool:
    """Messages waiting to be shown; counted without iterating, which would mark them used."""
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def not_kept(response: HttpResponse) -> HttpResponse:
    """Marks a page that must not be kept although the request could be (the dashboard from
    figures behind the data version: agreements.web.dashboard)."""
    response.not_kept = True
    return response


def storable(request: HttpRequest, response: HttpResponse) -> list[str] | None:
    """The page body in pieces around its CSRF tokens, or None when it must not be kept."""
    if (response.status_code != 200 or response.streaming or response.cookies or pending_messages(request)
            or getattr(response, "not_kept", False)):
        return None
    html = response.content.decode(response.charset)
    pieces = CSRF_VALUE.split(html)
    if len(pieces) - 1 != html.count("csrfmiddlewaretoken"):  # a token rendered some other way: keep nothing
        return None
    return pieces


def replay(request: HttpRequest, pieces: list[str], headers: dict[str, str]) -> HttpResponse:
    body = [pieces[0]]
    for piece in pieces[1:]:
        body += [get_token(request), piece]  # each form its own mask, as {% csrf_token %} gives
    response = HttpResponse("".join(body))
    for name, value in headers.items():
        response[name] = value
    return response


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view's page from the cache when still valid; else rendered, and kept if it may be."""

    @functools.wraps(view)
    def serve(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = page_key(request)
        if key is None:
            return view(request, *args, **kwargs)
        pages = caches["pages"]
        kept = pages.get(key)
        if kept is not None:
            return replay(request, *kept)
        response = view(request, *args, **kwargs)
        pieces = storable(request, response)
        if pieces is not None:
            # The key holds the minute: no use keeping it longer.
            pages.set(key, (pieces, dict(response.headers)), min(settings.PAGE_CACHE_SECONDS, 60))
        return response

    return serve
