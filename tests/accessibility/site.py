"""The pages every accessibility and layout test walks: each main page of the app for each role,
and the admin pages data entry staff spend their day on. Built on the demo summit (seed_demo),
so the pages hold what a person really sees: many agreements, charts, milestones, history."""
from __future__ import annotations

from django.core.management import call_command

from agreements.models import Agreement, Milestone, Status, User

ROLES = ("officer", "manager", "viewer", "dataentry", "admin")
LANGUAGES = ("en", "ru", "ja")
DEMO_PASSWORD = "summit-demo-2025"


def build_summit(agreements: int = 40) -> None:
    call_command("seed_demo", "--demo-users", "--agreements", str(agreements), verbosity=0)


def user(role: str) -> User:
    return User.objects.get(username=role)


def pages(role: str) -> list[str]:
    """The paths a person of this role opens in a day (the app's main pages, then admin ones)."""
    officer = user("officer")
    mine = Agreement.objects.filter(owner=officer, status=Status.IN_PROGRESS).order_by("pk").first()
    milestone = Milestone.objects.filter(agreement=mine).order_by("pk").first()
    common = ["/", "/agreements/", f"/agreements/{mine.reference}/", "/preferences/", "/accounts/password/",
              "/agreements/?overdue=1", "/agreements/?q=zzzz-nothing", "/reports/changes/?since=2025-12-19"]
    as_of = "/reports/?as_of=2026-03-29&compare=2026-06-19"  # the summit's 100 days beside its 6 months
    paths = {
        "officer": [*common, f"/agreements/{mine.reference}/milestones/{milestone.pk}/edit/",
                    *acknowledgement_pages(officer), confirmation_link(mine)],
        "manager": [*common, "/reports/", "/reports/stages/", as_of, "/notifications/", "/public/",
                    f"/agreements/{mine.reference}/reassign/"],
        "viewer": [*[path for path in common if path != "/"], "/reports/", "/reports/stages/", as_of],  # "/" is the reports
        "dataentry": [*common, *admin_pages(mine, milestone)],
        "admin": [*common, "/reports/", f"/agreements/{mine.reference}/milestones/{milestone.pk}/edit/",
                  f"/agreements/{mine.reference}/reassign/", *admin_pages(mine, milestone)],
    }
    return paths[role]


def acknowledgement_pages(officer: User) -> list[str]:
    """"I'm on it" for one of the officer's overdue milestones: in the app, and the e-mailed link
    (which works signed in or out)."""
    from django.utils import timezone

    from agreements.models import OPEN_STATUSES
    from agreements.reminders import acknowledging

    overdue = Milestone.objects.filter(owner=officer, agreement__owner=officer, agreement__status__in=OPEN_STATUSES,
                                       state=Milestone.State.PLANNED, due_on__lt=timezone.localdate()
                                       ).select_related("agreement").order_by("due_on", "pk").first()
    if overdue is None:
        return []
    return [f"/agreements/{overdue.agreement.reference}/milestones/{overdue.pk}/acknowledge/",
            f"/ack/{acknowledging.token_for(officer, overdue)}/"]


def confirmation_link(agreement: Agreement) -> str:
    """The page a focal point opens from the e-mail (issue 19; it works signed out too): a contact on
    the Central Asian side asked to confirm the first milestone, made once."""
    from agreements import confirming
    from agreements.models import Confirmation, FocalPoint

    FocalPoint.objects.get_or_create(agreement=agreement, side=FocalPoint.Side.CENTRAL_ASIAN, defaults={
        "name": "Dilnoza Karimova", "email": "d.karimova@mininvest.example.uz", "language": "ru"})
    row = Confirmation.objects.filter(agreement=agreement, answer="").order_by("pk").first()
    ordered = agreement.milestones.order_by("pk")
    milestone = ordered.filter(state="done").first() or ordered.first()  # a done one: the page shows the form
    row = row or confirming.ask(agreement, milestone=milestone)[0]
    return f"/confirm/{confirming.token_for(row)}/"


def admin_pages(agreement: Agreement, milestone: Milestone) -> list[str]:
    return ["/admin/", "/admin/agreements/agreement/", f"/admin/agreements/agreement/{agreement.pk}/change/",
            "/admin/agreements/agreement/add/", "/admin/agreements/agreement/import/",
            "/admin/agreements/reminder/", "/admin/agreements/milestone/",
            f"/admin/agreements/milestone/{milestone.pk}/change/"]


ANONYMOUS = ["/accounts/login/", "/admin/login/"]
