"""Each person's language: the pages in the language they chose (User.language), the browser's
language until they choose (Django's LocaleMiddleware: the language cookie, then Accept-Language),
and the choice remembered at their first sign-in. The switcher in the header posts to
`set_language`, which works signed out (a cookie) and, signed in, saves the choice on the user."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

CODES = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """After authentication: a signed-in person's own language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = getattr(request.user, "language", "") if request.user.is_authenticated else ""
        if language in CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="tracker.edge.languages.first_sign_in")
def remember_language_at_first_sign_in(sender, request, user, **kwargs) -> None:
    """No language chosen yet: take the one the browser asked for (what the sign-in page was in)."""
    if not getattr(user, "language", "") and request is not None:
        user.language = translation.get_language_from_request(request)
        if user.language in CODES:
            user.save(update_fields=["language"])


@login_not_required
@require_POST
def set_language(request):
    """Django's set_language (cookie and redirect back), and the person's own choice if signed in."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in CODES and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
