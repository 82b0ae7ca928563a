"""Requests refused before any view runs, and the 400 page that says why.

- A NUL character in the address or its query string is refused (400). No page of the
  tracker takes one, no browser sends one from a link, and PostgreSQL cannot compare a text
  with one: it raises an error, so a NUL in a reference (`/agreements/T-%00/`) or in an
  admin search or list filter would otherwise be a 500. Forms are left to their own checks
  (Django's CharField refuses NUL next to the field), which give a better message.
- `bad_request` (settings: handler400 in tracker/urls.py) names the problem when Django
  refuses a request for its size or shape (DATA_UPLOAD_MAX_MEMORY_SIZE,
  DATA_UPLOAD_MAX_NUMBER_FIELDS / _FILES, a malformed upload) instead of a bare "Bad Request (400)".

The page is standalone (no base template): it may be rendered before the session and the
user are known.
"""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


class NulCharacter(SuspiciousOperation):
    """A NUL byte in the path or query string (logged by Django as django.security.NulCharacter)."""


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        raw = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw):
            raise NulCharacter("NUL character in the path or query string")
        return self.get_response(request)


def explanation(exception: BaseException | None) -> str:
    if isinstance(exception, RequestDataTooBig):
        return _("The form sent more text than the tracker accepts (%(limit)s at most, files apart). "
                 "Shorten it and send it again.") % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return _("The request holds far more fields or files than any page of the tracker sends.")
    if isinstance(exception, MultiPartParserError):
        return _("The upload could not be read: the form is malformed or a file name is far too long. "
                 "Rename the file and choose it again.")
    if isinstance(exception, NulCharacter):
        return _("The address contains a NUL character, which the tracker never accepts. "
                 "Check the link and try again.")
    return _("The tracker could not understand this request. Go back, reload the page and try again.")


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # the API answers JSON (agreements.api.errors)
        return JsonResponse({"detail": explanation(exception), "code": "bad_request"}, status=400)
    body = loader.get_template("400.html").render({"explanation": explanation(exception)})
    return HttpResponse(body, status=400)
