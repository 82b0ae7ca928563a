"""Who is calling: a personal API token (`Authorization: Bearer trk_…`) or the browser's session.

Every request made with a token is logged (`tracker.api`) and stamps the token's last use. The
person's own language is switched on, so refusals read in it as on the pages."""
from __future__ import annotations

import datetime
import logging

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from agreements.api import schema  # noqa: F401  (the OpenAPI description of these schemes)
from agreements.models import ApiToken

log = logging.getLogger("tracker.api")
KEYWORDS = ("bearer", "token")
STAMP_EVERY = datetime.timedelta(minutes=1)


def speak_their_language(user) -> None:
    language = getattr(user, "language", "")
    if language:
        translation.activate(user.reads)


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”, with no spaces in it."))
        token = ApiToken.find(header[1])
        if token is None or not token.user.is_active:
            log.warning("api token refused prefix=%s path=%s", header[1][:12], request.path)
            raise exceptions.AuthenticationFailed(_("This token is not valid: it may have expired or been revoked."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= STAMP_EVERY:
            # The stamp says "used today / an hour ago", not each request (the log has those):
            # a write per request would serialise a busy script's reads on SQLite.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        log.info("api token used user=%s token=%s access=%s method=%s path=%s",
                 token.user.username, token.prefix, token.access, request.method, request.get_full_path())
        speak_their_language(token.user)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (CSRF token required on writes, as DRF does)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result:
            speak_their_language(result[0])
        return result
