"""When this browser last wrote something, so the dashboard never shows it figures from before.

The dashboard may give other people's writes up to REPORTS_STALE_SECONDS to appear
(agreements.reports.cache); a manager who has just approved a closure, or an officer who has just
posted progress, must see it counted at once. Every unsafe request (a form, the admin, the API
signed in through the browser) of a signed-in user leaves the time its answer was made in a
cookie; its transaction has committed by then, so figures counted later include it.

A cookie rather than the session: it costs no write of the session on every post, and nothing in
it needs protecting — a forged value can only make the reader's own figures fresher or (by at most
REPORTS_STALE_SECONDS) older, of what they may see anyway. Writes through an API token from a
script set nothing in the browser: those appear within the bound like anyone else's.
"""
from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "tracker_wrote"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def last_write(request: HttpRequest) -> float | None:
    """The time (time.time()) this browser's last write was answered; None without one (the cookie
    lasts a little longer than REPORTS_STALE_SECONDS, after which it no longer matters)."""
    try:
        value = float(request.COOKIES.get(COOKIE, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class OwnWritesMiddleware:
    """Sets the cookie on the answer to every unsafe request of a signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        stale = settings.REPORTS_STALE_SECONDS
        user = getattr(request, "user", None)
        if request.method not in SAFE_METHODS and stale > 0 and user is not None and user.is_authenticated:
            # Kept a little longer than the bound: after it, figures that old are never used anyway.
            # Rounded up: figures counted before the write must never look counted after it.
            answered = math.ceil(time.time() * 1000) / 1000
            response.set_cookie(COOKIE, f"{answered:.3f}", max_age=stale + 5, httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response
