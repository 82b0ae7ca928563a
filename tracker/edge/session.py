"""/session: who is signed in and when the session ends.

Cheap by design (no query beyond the session and user): pages may poll it to warn before the
idle timeout, and the benchmarks use it as the "floor" — a view that goes through exactly the
same middleware and session sign-in as every page, doing nothing else.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker.edge.security import SEEN, STARTED


@require_GET
@never_cache
def session_status(request):
    now = int(time.time())
    session = request.session
    idle_left = settings.SESSION_IDLE_TIMEOUT - (now - session.get(SEEN, now))
    absolute_left = settings.SESSION_ABSOLUTE_TIMEOUT - (now - session.get(STARTED, now))
    return JsonResponse({"username": request.user.get_username(), "expires_in": max(0, min(idle_left, absolute_left))})
