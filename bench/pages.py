"""The pages the benchmark measures, and how their URLs are worked out from the data.

The typical filter is one a manager uses every week: one pillar, agreements in implementation.
The Django admin's changelist gets the same filter through its own query parameters, read from
the admin's filter objects rather than written by hand, so a change in the admin cannot make
the comparison silently unfiltered.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

TYPICAL_FILTER = {"pillar": "green-resilience", "status": "in_progress"}


@dataclass(frozen=True)
class Page:
    key: str  # name in the JSON
    label: str  # name in the table
    path: str
    role: str = "manager"  # who requests it in the latency run
    after_change: bool = False  # the data version is changed before each request (the first view after a write)


# Query counts per role. A viewer (or officer) reads through the visibility filter, a manager
# sees everything unfiltered: both plans are measured.
COUNTED_ROLES = ("manager", "officer", "viewer")


def counted_roles(page: Page) -> tuple[str, ...]:
    if page.key.startswith("admin"):
        return ("manager",)
    if page.role != "manager":  # a page measured for another role is counted for that role
        return (page.role,)
    if page.key == "home":  # a viewer's home is the reports (a redirect), counted there
        return ("manager", "officer")
    if page.after_change:  # a computed view: counted for the role it is measured for
        return (page.role,)
    return COUNTED_ROLES


def pages(reference: str, admin_query: str) -> list[Page]:
    """Floor first: every other page is reported as a ratio to it."""
    return [
        Page("floor", "floor (/session)", "/session"),
        Page("home", "my work (/)", "/"),
        Page("list", "list, no filter", "/agreements/"),
        Page("list_filtered", "list, typical filter", f"/agreements/?{urlencode(TYPICAL_FILTER)}"),
        Page("agreement", "agreement page", f"/agreements/{reference}/"),
        Page("reports", "reports dashboard", "/reports/"),
        Page("api_list", "API agreement list, typical filter", f"/api/v1/agreements/?{urlencode(TYPICAL_FILTER)}"),
        Page("admin_filtered", "admin changelist, same filter", f"/admin/agreements/agreement/?{admin_query}"),
        Page("list_filtered_viewer", "list, typical filter (viewer)", f"/agreements/?{urlencode(TYPICAL_FILTER)}",
             role="viewer"),
        Page("reports_viewer", "reports dashboard (viewer)", "/reports/", role="viewer"),
        Page("home_after_change", "my work, first view after a change", "/", after_change=True),
        Page("list_filtered_after_change", "list, typical filter, first view after a change",
             f"/agreements/?{urlencode(TYPICAL_FILTER)}", after_change=True),
        Page("agreement_after_change", "agreement page, first view after a change", f"/agreements/{reference}/",
             after_change=True),
        # Someone else's write: the figures may be up to REPORTS_STALE_SECONDS behind (agreements.reports.cache),
        # so this is the page rendered from the last count. The count itself is measured by the next two:
        # "Count again" (`fresh`) counts on the data as it stands, as the reader's own write does.
        Page("reports_after_change", "reports dashboard, first view after someone else's change", "/reports/",
             after_change=True),
        Page("reports_viewer_after_change", "reports dashboard (viewer), first view after someone else's change",
             "/reports/", role="viewer", after_change=True),
        Page("reports_counted_after_change", "reports dashboard, counted afresh after a change", "/reports/?fresh=1",
             after_change=True),
        Page("reports_viewer_counted_after_change", "reports dashboard (viewer), counted afresh after a change",
             "/reports/?fresh=1", role="viewer", after_change=True),
    ]


def sample_reference() -> str:
    """A busy agreement (most milestones and updates) among the summit's first 158, which the
    same seed makes identical in every database: the page is compared on the same record."""
    from django.db.models import Count

    from agreements.models import Agreement

    candidates = (
        Agreement.objects.filter(reference__regex=r"^CAJ-2025-(0[0-9][0-9]|1[0-4][0-9]|15[0-8])$",
                                 status="in_progress", confidentiality="internal")  # CAJ-2025-001 … 158
        # (not a string range: CAJ-2025-10173 < CAJ-2025-158); internal, so every role can open it
        .annotate(rows=Count("milestones", distinct=True) + Count("updates", distinct=True))
        .order_by("-rows", "reference")
    )
    return candidates.values_list("reference", flat=True).first() or "CAJ-2025-001"


def admin_query(user, filter_values: dict[str, str] = TYPICAL_FILTER) -> str:
    """The admin changelist's own query string for `filter_values` (pillar by code, status)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from agreements.models import Agreement, Pillar

    model_admin = admin.site._registry[Agreement]
    request = RequestFactory().get("/admin/agreements/agreement/")
    request.user = user
    specs = {spec.field_path: spec for spec in model_admin.get_changelist_instance(request).filter_specs
             if hasattr(spec, "field_path")}
    values = {"pillar": Pillar.objects.get(code=filter_values["pillar"]).pk, "status": filter_values["status"]}
    return urlencode({specs[field].lookup_kwarg: value for field, value in values.items()})
