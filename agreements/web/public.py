"""/public/: the public progress page, without sign-in — the agreements data entry staff or a
manager marked `public`, their status, stage and milestones done, and the initiative's roll-up
over them. No person is named (no owner, author or e-mail), nothing else is reachable from it,
and the page is the same for every visitor of a language, so proxies may cache it.

The language comes from `?lang=` (links on the page) or the browser's Accept-Language: no form
and no cookie, so the page carries no CSRF token and no per-visitor state.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from agreements import policy, rollup
from agreements.followup import stages
from agreements.models import AgreementStage, Milestone

CACHE_SECONDS = 300


@login_not_required
@require_GET
def public_progress(request):
    language = request.GET.get("lang")
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        agreements = policy.public_agreements().select_related("pillar").annotate(
            milestones_total=Count("milestones", filter=~Q(milestones__state=Milestone.State.WAIVED)),
            milestones_done=Count("milestones", filter=Q(milestones__state=Milestone.State.DONE)),
        ).prefetch_related(
            Prefetch("milestones", Milestone.objects.filter(state=Milestone.State.DONE).order_by("done_on"),
                     to_attr="done"),
            Prefetch("stages", AgreementStage.objects.filter(reached_on__isnull=False).select_related("stage")
                     .order_by("stage__position"), to_attr="reached"),
        ).order_by("pillar__position", "reference")
        rows = list(agreements)
        for agreement in rows:
            agreement.current_stage = agreement.reached[-1].stage if agreement.reached else None
        response = render(request, "public/progress.html", {
            "agreements": rows,
            "rollup": rollup.rollup(policy.public_agreements()),
            "languages": settings.LANGUAGES,
            "language": language,
            "generated_at": timezone.now(),
            "kinds_with_stages": set(stages.stages_by_kind()),
        })
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language"])
    return response
