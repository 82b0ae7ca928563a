"""Throttling per token (DRF scope "token", rate in settings.REST_FRAMEWORK). Sessions are people
clicking through the docs and are left to the pages' own limits."""
from __future__ import annotations

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from agreements.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]  # read now, not at import (settings may change)

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
