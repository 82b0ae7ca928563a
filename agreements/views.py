"""Web pages. Thin: every decision is asked of agreements.policy / agreements.workflow."""
from __future__ import annotations

from django.shortcuts import render

from agreements import policy
from agreements.models import Agreement


def home(request):
    mine = policy.visible_agreements(request.user).filter(owner=request.user).select_related("pillar")[:50]
    return render(request, "agreements/home.html", {"agreements": mine})


def agreement_list(request):
    agreements = policy.visible_agreements(request.user).select_related("pillar", "owner")[:25]
    return render(request, "agreements/agreement_list.html", {"agreements": agreements})


def agreement_detail(request, reference: str):
    agreement = policy.get_visible_or_404(
        request.user, Agreement.objects.select_related("pillar", "owner", "lead_organization"), reference=reference
    )
    return render(request, "agreements/agreement_detail.html", {"agreement": agreement})
