"""/favicon.ico: browsers and bookmarks ask for it at the root before reading any page; it
answers with the app's icon (the SVG the pages name, agreements/static/agreements/favicon.svg),
without sign-in, cached a day."""
from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponsePermanentRedirect(static("agreements/favicon.svg"))
