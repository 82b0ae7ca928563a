"""Error pages that also leave a line in the security log."""
from __future__ import annotations

from django.views import defaults

from tracker.edge.security import client_ip, log


def permission_denied(request, exception=None):
    log.warning("refused: user=%s path=%s ip=%s", getattr(request.user, "username", "?"), request.path,
                client_ip(request))
    return defaults.permission_denied(request, exception)
