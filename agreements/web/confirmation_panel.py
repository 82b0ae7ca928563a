"""The agreement page's panel of focal points and confirmations (issue 19), and each milestone's
confirmation flag — read from the rows the page's loader prefetched (a fixed number of queries)."""
from __future__ import annotations

from django.utils import timezone

from agreements import confirming
from agreements.models import Agreement, Milestone, Status


def confirmation_context(agreement: Agreement, milestones: list[Milestone], can_work: bool) -> dict:
    """The page's panel, and each milestone's confirmation flag (from the prefetched rows)."""
    answers = confirming.milestone_answers(agreement)
    for milestone in milestones:
        milestone.confirmation_state = (answers.get(milestone.pk, "awaiting")
                                        if milestone.needs_counterpart_confirmation
                                        and milestone.state == Milestone.State.DONE else None)
    now = timezone.now()
    log = confirming.confirmations(agreement)
    for row in log:
        row.shown_status = row.status(now)
    return {
        "focal_points": confirming.focal_points(agreement),
        "confirmation_log": log,
        "closure_refusal": confirming.closure_refusal(agreement)
        if agreement.status == Status.PENDING_CLOSURE else None,
        "can_ask_again": can_work and bool(confirming.asks_again(agreement, now)),
    }
