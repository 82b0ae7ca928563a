"""Every error is JSON a person can read, in their language: {"detail": "...", "code": "...",
"errors": {field: [messages]} for invalid input}."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "if_match_required"
    default_detail = _("Send the version you based this change on in an If-Match header "
                       "(the ETag of the agreement, e.g. If-Match: \"3\").")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


class Refused(exceptions.APIException):
    """The workflow said no, with its reason (the same sentence the page shows)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"


def handle_exception(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or not yours to see."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling and logging
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        body = {"detail": gettext("Some of the values sent are not valid: see errors."), "code": "invalid",
                "errors": {key: [str(m) for m in (value if isinstance(value, list) else [value])]
                           for key, value in errors.items()}}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": str(code)}
    return Response(body, status=response.status_code, headers={
        key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After", "Allow")})
