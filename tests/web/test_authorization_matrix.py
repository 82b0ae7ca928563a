"""Every URL of the app × every role × own / team / other / restricted object → expected status.

The URL list comes from the URLconf itself: `test_every_url_is_in_the_matrix` fails when a
new page is added without saying here who may open it. Expectations are written as the rules
of DESIGN.md (who sees, who works on, who maintains records, who reads reports), not as
recorded answers:

- not signed in → 302 to the sign-in page (except the public pages);
- an agreement the user may not see → 404, on the page and on everything under it;
- visible but not theirs to change → 403;
- allowed → 200 for a page, 400 for an action posted empty (the form is checked only after the
  permission, so 400 proves the door was open without changing anything).

Objects: `internal` and `restricted` agreements, both in progress, owned by `officer` with
`teammate` on the team. From `other_officer`'s seat the internal one is "someone else's".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from agreements.models import CalendarFeed, Dependency, Document, Stage
from agreements.reminders import acknowledging, unsubscribe
from tests.factories import MilestoneFactory, UserFactory
from tests.web.test_notifications import notify

ROLES = ["anonymous", "officer", "teammate", "other_officer", "manager", "viewer", "data_entry", "superuser"]
OBJECTS = ["internal", "restricted"]
MEMBERS = {"officer", "teammate"}
MANAGERS = {"manager", "superuser"}


def sees(role: str, obj: str) -> bool:
    return role != "anonymous" and (obj == "internal" or role in MEMBERS | MANAGERS)


def works_on(role: str, obj: str) -> bool:
    return role in MEMBERS | MANAGERS


def keeps_records(role: str, obj: str) -> bool:
    return role in MANAGERS or (role == "data_entry" and sees(role, obj))


def reads_reports(role: str, obj: str) -> bool:
    return role in MANAGERS | {"viewer"}


def follows_up(role: str, obj: str) -> bool:
    return works_on(role, obj) or keeps_records(role, obj)


def page(allowed: Callable[[str, str], bool] = lambda r, o: True, ok: int = 200):
    """A page about an object: 404 unless visible, then `ok` if allowed else 403."""
    def expect(role: str, obj: str) -> int:
        if role == "anonymous":
            return 302
        if not sees(role, obj):
            return 404
        return ok if allowed(role, obj) else 403
    return expect


def api_page(allowed: Callable[[str, str], bool] = lambda r, o: True, ok: int = 200):
    """An API resource about an object: as `page`, but 401 (not a redirect) when not signed in."""
    inner = page(allowed, ok)
    return lambda role, obj: 401 if role == "anonymous" else inner(role, obj)


def signed_in(allowed: Callable[[str, str], bool] = lambda r, o: True, ok: int = 200, anonymous: int = 302):
    """A page not about one object."""
    def expect(role: str, obj: str) -> int:
        if role == "anonymous":
            return anonymous
        return ok if allowed(role, obj) else 403
    return expect


@dataclass
class Case:
    method: str
    expect: Callable[[str, str], int]
    kwargs: Callable[[dict], dict] = lambda objs: {}
    data: dict | None = None


REF = lambda o: {"reference": o["agreement"].reference}  # noqa: E731
MILESTONE = lambda o: {"reference": o["agreement"].reference, "pk": o["milestone"].pk}  # noqa: E731
STAGE = lambda o: {"reference": o["agreement"].reference,  # noqa: E731
                   "pk": Stage.objects.filter(kind=o["agreement"].kind).first().pk}
DEPENDENCY = lambda o: {"reference": o["agreement"].reference, "pk": Dependency.objects.create(  # noqa: E731
    dependent_agreement=o["agreement"], prerequisite_milestone=o["milestone"]).pk}
DOCUMENT = lambda o: {"reference": o["agreement"].reference, "pk": o["document"].pk}  # noqa: E731
ACK_LINK = lambda o: {"token": acknowledging.token_for(o["agreement"].owner, o["milestone"])}  # noqa: E731
UNSUBSCRIBE = lambda o: {"token": unsubscribe.token_for(o["agreement"].owner, "stale")}  # noqa: E731


def confirmation_token(objs: dict) -> dict:
    """A contact's link to confirm the agreement's milestone (issue 19)."""
    from agreements import confirming
    from agreements.models import FocalPoint

    FocalPoint.objects.get_or_create(agreement=objs["agreement"], side="central_asian",
                                     defaults={"name": "Contact", "email": "contact@example.uz"})
    return {"token": confirming.token_for(confirming.ask(objs["agreement"], milestone=objs["milestone"])[0])}


MATRIX: dict[str, list[Case]] = {
    # Viewers' home is the reports (a redirect); data entry staff get the data quality page.
    "home": [Case("get", lambda role, obj: 302 if role in ("anonymous", "viewer") else 200)],
    "agreement-list": [Case("get", signed_in())],
    "agreement-export-csv": [Case("get", signed_in())],
    # Everyone signed in keeps their own views; an empty name is refused (302 back to the list, nothing saved).
    # Managers' bulk actions on the list; an empty selection is refused with a message (302 back to the list).
    "agreement-bulk": [Case("post", signed_in(lambda r, o: r in MANAGERS, ok=302))],
    "saved-view-save": [Case("post", signed_in(ok=302))],
    "saved-view-delete": [Case("post", signed_in(ok=404), lambda o: {"pk": 999999})],
    "agreement-export-xlsx": [Case("get", signed_in())],
    "milestone-export-csv": [Case("get", signed_in())],
    "reports": [Case("get", signed_in(reads_reports))],
    "reports-export-xlsx": [Case("get", signed_in(reads_reports))],
    "session": [Case("get", signed_in())],
    "preferences": [Case("get", signed_in()), Case("post", signed_in(ok=400))],
    "healthz": [Case("get", lambda role, obj: 200)],
    "favicon": [Case("get", lambda role, obj: 301)],
    # The language switcher: anyone, signed in or not (it only sets their own language); GET is refused.
    "set_language": [Case("post", lambda role, obj: 302), Case("get", lambda role, obj: 405)],
    "login": [Case("get", lambda role, obj: 200 if role == "anonymous" else 302)],
    "logout": [Case("post", lambda role, obj: 302)],
    "password_change": [Case("get", signed_in())],
    "password_change_done": [Case("get", signed_in())],
    # With 2FA off (the test default) nobody must verify; the pages still answer signed-in users.
    "two-factor-verify": [Case("get", signed_in(ok=302))],
    "two-factor-setup": [Case("get", signed_in())],
    "agreement-detail": [Case("get", page(), REF)],
    "document-download": [Case("get", page(), DOCUMENT)],
    "agreement-progress": [Case("post", page(works_on, ok=400), REF)],
    "agreement-transition": [
        Case("post", page(works_on, ok=400), lambda o: {**REF(o), "to": "on_hold"}),
        Case("post", page(lambda r, o: r in MANAGERS, ok=400), lambda o: {**REF(o), "to": "terminated"}),
        # Withdrawing a closure request: the owner or whoever requested it (nobody has, here), not other managers.
        Case("post", page(lambda r, o: r == "officer", ok=400), lambda o: {**REF(o), "to": "withdraw"}),
    ],
    "document-upload": [Case("post", page(lambda r, o: works_on(r, o) or keeps_records(r, o), ok=400), REF)],
    "agreement-reassign": [Case("get", page(lambda r, o: r in MANAGERS), REF),
                           Case("post", page(lambda r, o: r in MANAGERS, ok=400), REF)],
    "milestone-add": [Case("post", page(works_on, ok=400), REF)],
    "milestone-edit": [Case("get", page(works_on), MILESTONE), Case("post", page(works_on, ok=400), MILESTONE)],
    "milestone-done": [Case("post", page(works_on, ok=400), MILESTONE)],
    "milestone-waive": [Case("post", page(works_on, ok=400), MILESTONE)],
    # Stage dates and dependencies: whoever works on the agreement and those who keep its record.
    "stage-record": [Case("post", page(follows_up, ok=400), STAGE)],
    "dependency-add": [Case("post", page(follows_up, ok=400), REF)],
    "dependency-remove": [Case("post", page(follows_up, ok=400), DEPENDENCY)],
    "report-stages": [Case("get", signed_in(reads_reports))],
    # The public progress page: everyone, signed in or not.
    "public-progress": [Case("get", lambda role, obj: 200)],
    "milestone-reopen": [Case("post", page(works_on, ok=400), MILESTONE)],
    # Notifications: everyone reads their own list; one notification is its recipient's (`officer`)
    # only — anyone else gets 404, as for a notification that does not exist.
    "notifications": [Case("get", signed_in())],
    "notifications-read-all": [Case("post", signed_in(ok=302))],
    "notification-read": [Case("post", lambda role, obj: 302 if role in ("anonymous", "officer") else 404,
                               lambda o: {"pk": o["notification"].pk})],
    # The e-mail's one-click unsubscribe: the signed link is the permission, signed in or not.
    "unsubscribe": [Case("get", lambda role, obj: 200, UNSUBSCRIBE), Case("post", lambda role, obj: 200, UNSUBSCRIBE)],
    # A focal point's link to confirm or dispute: the signed link is the permission, signed in or not
    # (here about a milestone still planned: no longer current, 409). Asking the focal points again:
    # whoever works on the agreement.
    # "I'm on it" (issue 19): in the app only the overdue milestone's owner (the officer); the e-mailed link
    # is the owner's right for this action only, whoever opens it (posted empty: 400).
    "milestone-acknowledge": [Case("get", page(lambda r, o: r == "officer"), MILESTONE),
                              Case("post", page(lambda r, o: r == "officer", ok=400), MILESTONE)],
    "acknowledge-link": [Case("get", lambda role, obj: 200, ACK_LINK), Case("post", lambda role, obj: 400, ACK_LINK)],
    # What changed: every signed-in person, for what they may see (tests/reports/test_changes.py).
    "report-changes": [Case("get", signed_in())],
    "confirmation-answer": [Case("get", lambda role, obj: 200, confirmation_token),
                            Case("post", lambda role, obj: 409, confirmation_token)],
    "confirmation-ask-again": [Case("post", page(works_on, ok=302), REF)],
    # API tokens on the preferences page: a person's own; another's token is 404 (tests/api/test_tokens.py).
    "api-token-create": [Case("post", signed_in(ok=400))],
    "api-token-revoke": [Case("post", signed_in(ok=404), lambda o: {"pk": 999_999})],
    # The REST API (tests/api/ checks it with tokens, JSON bodies and If-Match): not signed in is 401
    # there, not a redirect; the schema and its docs page are public (they hold no data).
    "api-agreement-list": [Case("get", signed_in(anonymous=401))],
    "api-agreement-detail": [Case("get", api_page(), REF)],
    "api-progress": [Case("get", api_page(), REF), Case("post", api_page(works_on, ok=428), REF)],
    "api-transition": [Case("post", api_page(ok=415), REF)],  # a form post, not JSON: refused before the rules
    "api-milestone-list": [Case("get", signed_in(anonymous=401))],
    "api-milestone-detail": [Case("get", api_page(), lambda o: {"pk": o["milestone"].pk})],
    "api-organization-list": [Case("get", signed_in(anonymous=401))],
    "api-organization-detail": [Case("get", signed_in(anonymous=401),
                                     lambda o: {"pk": o["agreement"].parties.first().organization_id})],
    "api-pillar-list": [Case("get", signed_in(anonymous=401))],
    "api-focus-area-list": [Case("get", signed_in(anonymous=401))],
    "api-me": [Case("get", signed_in(anonymous=401))],
    "api-schema": [Case("get", lambda role, obj: 200)],
    "api-docs": [Case("get", lambda role, obj: 200)],
    # The IATI file: every signed-in user, with what they may see (tests/interop/test_iati_views.py).
    "iati-activities": [Case("get", signed_in())],
    # Calendar feeds: made and revoked by their owner only (another's feed is 404); the feed itself is
    # reached by its secret, without signing in (calendar apps cannot sign in).
    "calendar-feed-create": [Case("post", signed_in(ok=400))],
    "calendar-feed-revoke": [Case("post", lambda role, obj: 302 if role in ("anonymous", "officer") else 404,
                                  lambda o: {"pk": o["feed"].pk})],
    "calendar-feed": [Case("get", lambda role, obj: 200, lambda o: {"secret": o["feed_secret"]})],
}


def app_url_names() -> set[str]:
    """Every named URL outside the admin (which has its own test below)."""
    names: set[str] = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_matrix():
    assert app_url_names() == set(MATRIX), "add the new URL to MATRIX with who may open it"


@pytest.fixture
def cast(officer, teammate, other_officer, manager, viewer, data_entry, superuser):
    return {"anonymous": None, "officer": officer, "teammate": teammate, "other_officer": other_officer,
            "manager": manager, "viewer": viewer, "data_entry": data_entry, "superuser": superuser}


@pytest.fixture
def objects(agreement, restricted, move_to, private_media):
    out = {}
    for name, obj in (("internal", agreement), ("restricted", restricted)):
        move_to(obj, "in_progress")
        document = Document(agreement=obj, title="Signed text", original_name="signed.pdf",
                            content_type="application/pdf", size=4)
        document.file.save(document.stored_token, __import__("io").BytesIO(b"%PDF"), save=False)
        document.save()
        out[name] = {"agreement": obj, "milestone": MilestoneFactory(agreement=obj), "document": document,
                     "notification": notify(obj.owner, obj)}
        out[name]["feed"], out[name]["feed_secret"] = CalendarFeed.issue(obj.owner, "mine")
    return out


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(client, cast, objects, name):
    from django.urls import reverse

    checked, wrong = 0, []
    for case in MATRIX[name]:
        for obj in OBJECTS:
            url = reverse(name, kwargs=case.kwargs(objects[obj]))
            for role in ROLES:
                client.logout()
                if cast[role] is not None:
                    client.force_login(cast[role])
                response = getattr(client, case.method)(url, case.data or {})
                expected = case.expect(role, obj)
                checked += 1
                if response.status_code != expected:
                    wrong.append(f"{case.method.upper()} {url} as {role} ({obj}): {response.status_code}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    print(f"{name}: {checked} cases")


def test_a_milestone_or_document_of_another_agreement_is_404(client, cast, objects):
    """Guessed ids: a visible agreement's URL with another agreement's child id."""
    client.force_login(cast["manager"])
    internal, restricted = objects["internal"], objects["restricted"]
    ref = internal["agreement"].reference
    assert client.get(f"/agreements/{ref}/milestones/{restricted['milestone'].pk}/edit/").status_code == 404
    assert client.get(f"/agreements/{ref}/documents/{restricted['document'].pk}/").status_code == 404
    assert client.get(f"/agreements/{ref}/documents/999999/").status_code == 404


@pytest.mark.parametrize("role,expected", [
    ("anonymous", 302), ("officer", 302), ("viewer", 302), ("other_officer", 302),
    ("data_entry", 200), ("manager", 200), ("superuser", 200),
])
def test_admin_is_for_staff_only(client, cast, role, expected):
    if cast[role] is not None:
        client.force_login(cast[role])
    response = client.get("/admin/")
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith("/admin/login/")


def test_staff_flag_without_a_role_opens_no_data(client, db, agreement):
    """A staff account without a group sees the admin frame but no agreement."""
    bare = UserFactory(username="bare_staff", is_staff=True)
    client.force_login(bare)
    assert client.get("/admin/agreements/agreement/").status_code == 403
