"""The API's reads served again from the cache while nothing they return has changed.

A script polling `/api/v1/agreements/?pillar=…&status=…` every minute, or a dashboard of another
ministry reading the same page, asks the same question again and again; at 20,000 agreements each
answer costs ~15 ms of queries and serializing for 25 rows. The key is the page cache's
(agreements.reports.cache.read_key): the data version, the user, the credential (the API token,
or the session's auth hash), the language (names of pillars and focus areas), the time zone and the
minute (dates, `overdue`), and the absolute URL (the `next`/`previous` links and `url` fields).

Authentication, the role check and the token's throttle run before the handler, so a cached answer
is given only to whoever may have it, counted against their rate like any other. What is kept is the
response's data and the headers the view set (the detail's ETag), not the rendered bytes: content
negotiation still happens per request. Only 200 answers are kept; refusals are computed each time.
"""
from __future__ import annotations

import functools
from typing import Callable

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.response import Response

from agreements.models import ApiToken
from agreements.reports.cache import read_key

KEY_VERSION = 1  # raise when the answers change in a way the key does not see
RESERVED_HEADERS = {"content-type"}  # set when the response is rendered


def response_key(request: Request) -> str | None:
    if isinstance(request.auth, ApiToken):
        credential = f"token:{request.auth.pk}"
    else:
        credential = "session:" + request.session.get(HASH_SESSION_KEY, "")
    return read_key(request, f"api{KEY_VERSION}", credential)


def cached_read(handler: Callable[..., Response]) -> Callable[..., Response]:
    """The handler's answer from the cache while still valid; else computed, and kept if 200."""

    @functools.wraps(handler)
    def read(view, request: Request, *args, **kwargs) -> Response:
        key = response_key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        responses = caches["pages"]
        kept = responses.get(key)
        if kept is not None:
            data, headers = kept
            return Response(data, headers=headers)
        response = handler(view, request, *args, **kwargs)
        if response.status_code == 200 and not response.exception:
            headers = {name: value for name, value in response.headers.items()
                       if name.lower() not in RESERVED_HEADERS}
            responses.set(key, (response.data, headers), min(settings.PAGE_CACHE_SECONDS, 60))
        return response

    return read
