"""Sign-in and session protections that sit around every request.

- `client_ip`: the real client address behind the reverse proxy, used by django-axes for
  lockouts and by our logs. Only the last `TRUSTED_PROXY_COUNT` hops of X-Forwarded-For are
  trusted (they were written by our own proxies); anything further left is client-supplied
  and could be spoofed to dodge a lockout or to lock somebody else out.
- `SessionTimeoutMiddleware`: idle and absolute session lifetimes.
- `TwoFactorMiddleware`: staff and managers must pass a TOTP check (django-otp) when
  `TRACKER_REQUIRE_2FA` is on (the default with DEBUG off).
- `SecurityHeadersMiddleware`: the headers Django and django-csp do not set.
- Signal receivers logging failed sign-ins and lockouts to the `tracker.security` logger.
"""
from __future__ import annotations

import ipaddress
import logging
import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agreements import policy

log = logging.getLogger("tracker.security")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address our own proxies saw (see module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return _valid_ip(forwarded[-hops]) or remote
    return remote


# --- Sessions ------------------------------------------------------------------------------

STARTED, SEEN = "tracker_auth_started", "tracker_last_seen"


@receiver(user_logged_in)
def _stamp_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = request.session[SEEN] = now


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT seconds without a request, and SESSION_ABSOLUTE_TIMEOUT
    after sign-in whatever the activity. The last-seen stamp is written at most once a minute so
    reading pages does not write the session on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(STARTED, now)
            seen = request.session.get(SEEN, now)
            if now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                log.info("session expired user=%s ip=%s", request.user.username, client_ip(request))
                logout(request)
                messages.info(request, _("Your session expired. Please sign in again."))
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            # /session is polled by pages to warn before the timeout: it must not count as activity.
            if now - seen >= 60 and request.path != reverse("session"):
                request.session[SEEN] = now
        return self.get_response(request)


# --- Two-factor sign-in ----------------------------------------------------------------------

def needs_second_factor(user) -> bool:
    return settings.TRACKER_REQUIRE_2FA and user.is_authenticated and (user.is_staff or policy.is_manager(user))


class TwoFactorMiddleware:
    """Until verified, staff and managers can reach only the two-factor pages and sign-out."""

    # "unsubscribe": the e-mail's one-click link works without signing in, so for the unverified too.
    ALLOWED_NAMES = {"two-factor-setup", "two-factor-verify", "logout", "login", "healthz", "unsubscribe"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # In process_view the URL is resolved, so we can allow the two-factor pages by name.
        user = request.user
        if needs_second_factor(user) and not user.is_verified():
            if request.resolver_match.url_name not in self.ALLOWED_NAMES:
                return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.get_full_path()})}")
        return None


class SecurityHeadersMiddleware:
    """Headers beyond Django's SecurityMiddleware and django-csp."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(getattr(request, "user", None), "is_authenticated", False):
            # Pages of a signed-in user hold sensitive data: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


# --- Logging -------------------------------------------------------------------------------

@receiver(user_login_failed)
def _log_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    username = (credentials or {}).get("username", "?")
    log.warning("sign-in failed username=%r ip=%s", username, client_ip(request) if request else "?")


@receiver(user_locked_out)
def _log_lockout(sender, request, username, ip_address, **kwargs) -> None:
    log.warning("sign-in locked out username=%r ip=%s", username, ip_address)


def axes_username(request, credentials: dict | None) -> str | None:
    """The user name django-axes records and locks (settings.AXES_USERNAME_CALLABLE), as axes
    itself reads it, cut to the 255 characters its tables hold. Django's sign-in forms do not
    limit what is typed (AuthenticationForm sets max_length after the field is built, so no
    validator runs) and axes stores it whole: a longer name was a 500 on PostgreSQL. Real user
    names have 150 characters at most, so the cut never merges two accounts."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else getattr(request, "POST", {}).get(field)
    return username[:255] if isinstance(username, str) else username
