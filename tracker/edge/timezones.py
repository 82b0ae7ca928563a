"""Show times in the signed-in user's own zone (everything is stored in UTC)."""
from __future__ import annotations

from django.utils import timezone

from agreements.zones import zone_of


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            timezone.activate(zone_of(request.user))  # the site's zone if theirs is unknown here
        else:
            timezone.deactivate()
        return self.get_response(request)
