"""Error pages that also leave a line in the security log; under /api/ they are JSON, as the API's
own errors are (agreements.api.errors), for what Django refuses before the API's views run."""
from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from tracker.edge.security import client_ip, log


def permission_denied(request, exception=None):
    log.warning("refused: user=%s path=%s ip=%s", getattr(request.user, "username", "?"), request.path,
                client_ip(request))
    return defaults.permission_denied(request, exception)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if is_api(request):
        return JsonResponse({"detail": _("Not found, or not yours to see."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return JsonResponse({"detail": _("Something went wrong on the server. It is logged; try again later."),
                             "code": "server_error"}, status=500)
    return defaults.server_error(request)
