"""The API keeps the pages' rules: the policy decides every read and write (a restricted agreement
is 404 to those who may not see it, in lists and details alike), writes name the version they were
based on (ETag / If-Match: 412 stale, 428 missing), the workflow's refusals come back with their
reason, and errors read in the person's language."""
from __future__ import annotations

import pytest

from agreements import workflow
from agreements.models import Status
from tests.factories import MilestoneFactory, UserFactory

ROLES = ["anonymous", "officer", "teammate", "other_officer", "manager", "viewer", "data_entry"]
MEMBERS, MANAGERS = {"officer", "teammate"}, {"manager"}


def sees(role: str, obj: str) -> bool:
    return role != "anonymous" and (obj == "internal" or role in MEMBERS | MANAGERS)


@pytest.fixture
def cast(officer, teammate, other_officer, manager, viewer, data_entry):
    return {"anonymous": None, "officer": officer, "teammate": teammate, "other_officer": other_officer,
            "manager": manager, "viewer": viewer, "data_entry": data_entry}


@pytest.fixture
def objects(agreement, restricted, move_to):
    out = {}
    for name, obj in (("internal", agreement), ("restricted", restricted)):
        move_to(obj, Status.IN_PROGRESS)
        obj.refresh_from_db()
        out[name] = {"agreement": obj, "milestone": MilestoneFactory(agreement=obj)}
    return out


def test_policy_matrix(api, cast, objects):
    """Every role × internal / restricted: list, detail, milestones, progress (read and write), transitions."""
    wrong, checked = [], 0

    def expect(label, response, status):
        nonlocal checked
        checked += 1
        if response.status_code != status:
            wrong.append(f"{label}: {response.status_code}, expected {status} ({response.content[:120]!r})")

    for role in ROLES:
        client = api(cast[role])
        listed = client.get("/api/v1/agreements/")
        if role == "anonymous":
            expect(f"{role} list", listed, 401)
        else:
            refs = {row["reference"] for row in listed.json()["results"]}
        milestones = client.get("/api/v1/milestones/")
        if role != "anonymous":
            milestone_refs = {row["agreement"] for row in milestones.json()["results"]}
        for obj in ("internal", "restricted"):
            agreement, milestone = objects[obj]["agreement"], objects[obj]["milestone"]
            ref = agreement.reference
            label = f"{role} × {obj}"
            if role != "anonymous":
                checked += 2
                if (ref in refs) != sees(role, obj):
                    wrong.append(f"{label}: listed={ref in refs}")
                if (ref in milestone_refs) != sees(role, obj):
                    wrong.append(f"{label}: milestone listed={ref in milestone_refs}")
            hidden = 401 if role == "anonymous" else 404
            expect(f"{label} detail", client.get(f"/api/v1/agreements/{ref}/"), 200 if sees(role, obj) else hidden)
            expect(f"{label} milestone", client.get(f"/api/v1/milestones/{milestone.pk}/"),
                   200 if sees(role, obj) else hidden)
            expect(f"{label} progress list", client.get(f"/api/v1/agreements/{ref}/progress/"),
                   200 if sees(role, obj) else hidden)
            works = role in MEMBERS | MANAGERS
            # Posted without If-Match: 428 proves the door was open without changing anything.
            expect(f"{label} progress post", client.post(f"/api/v1/agreements/{ref}/progress/", {
                "percent_complete": 50, "health": "on_track", "summary": "x"}),
                hidden if not sees(role, obj) else 428 if works else 403)
            expect(f"{label} hold", client.post(f"/api/v1/agreements/{ref}/transitions/", {"to": "on_hold"}),
                   hidden if not sees(role, obj) else 428 if works else 403)
            expect(f"{label} terminate", client.post(f"/api/v1/agreements/{ref}/transitions/", {"to": "terminated"}),
                   hidden if not sees(role, obj) else 428 if role in MANAGERS else 403)
    assert not wrong, "\n".join(wrong)
    print(f"API policy matrix: {checked} cases")


def test_reference_data_and_me_for_every_role_not_for_the_anonymous(api, cast):
    for role, user in cast.items():
        client = api(user)
        for path in ("/api/v1/organizations/", "/api/v1/pillars/", "/api/v1/focus-areas/", "/api/v1/me/"):
            assert client.get(path).status_code == (401 if user is None else 200), (role, path)


def test_a_user_without_a_role_is_refused(api, db):
    nobody = UserFactory(username="no_role")
    response = api(nobody).get("/api/v1/agreements/")
    assert response.status_code == 403
    assert "no role" in response.json()["detail"]


def test_version_is_the_etag_and_writes_need_if_match(api, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    client = api(officer)
    url = f"/api/v1/agreements/{agreement.reference}/"
    detail = client.get(url)
    etag = detail["ETag"]
    assert etag == f'"{detail.json()["version"]}"'
    body = {"percent_complete": 40, "health": "at_risk", "summary": "Waiting for the ministry's reply."}

    missing = client.post(url + "progress/", body)
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    stale = client.post(url + "progress/", body, headers={"If-Match": '"999"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    garbled = client.post(url + "progress/", body, headers={"If-Match": "yesterday"})
    assert garbled.status_code == 412
    assert client.get(url + "progress/").json()["count"] == 0  # none of them wrote anything

    posted = client.post(url + "progress/", body, headers={"If-Match": etag})
    assert posted.status_code == 201, posted.content
    assert client.get(url).json()["latest_progress"]["summary"] == body["summary"]

    held = client.post(url + "transitions/", {"to": "on_hold", "comment": "Elections."}, headers={"If-Match": etag})
    assert held.status_code == 200, held.content
    assert held.json()["status"] == "on_hold" and held["ETag"] == f'"{held.json()["version"]}"'
    # The old ETag is now stale: someone (here, the same script) changed the agreement meanwhile.
    again = client.post(url + "transitions/", {"to": "in_progress"}, headers={"If-Match": etag})
    assert again.status_code == 412
    assert client.post(url + "transitions/", {"to": "in_progress"}, headers={"If-Match": held["ETag"]}).status_code == 200


def test_a_refusal_answers_with_the_workflows_reason(api, officer, agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement)
    client = api(officer)
    agreement.refresh_from_db()
    response = client.post(f"/api/v1/agreements/{agreement.reference}/transitions/", {"to": "pending_closure"},
                           headers={"If-Match": f'"{agreement.version}"'})
    assert response.status_code == 409
    assert response.json() == {"detail": "Closure needs every milestone done or waived: 1 is still planned.",
                               "code": "refused"}
    hold = client.post(f"/api/v1/agreements/{agreement.reference}/transitions/", {"to": "on_hold"},
                       headers={"If-Match": f'"{agreement.version}"'})
    assert hold.status_code == 409 and "needs a reason" in hold.json()["detail"]
    nowhere = client.post(f"/api/v1/agreements/{agreement.reference}/transitions/", {"to": "draft"},
                          headers={"If-Match": f'"{agreement.version}"'})
    assert nowhere.status_code == 409 and nowhere.json()["code"] == "invalid_transition"


def test_errors_are_json_in_the_users_language(api, officer, agreement):
    officer.language = "ru"
    officer.save()
    client = api(officer)
    missing = client.get("/api/v1/agreements/NO-SUCH/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    invalid = client.post(f"/api/v1/agreements/{agreement.reference}/transitions/", {"to": "nowhere"})
    assert invalid.status_code == 400
    assert set(invalid.json()) == {"detail", "code", "errors"} and "to" in invalid.json()["errors"]
    officer.language = "ja"
    officer.save()
    english = api(None).get("/api/v1/agreements/")
    assert english.status_code == 401 and english.json()["code"] == "not_authenticated"


def test_invalid_filters_are_refused_with_the_field(api, officer, agreement):
    response = api(officer).get("/api/v1/agreements/", {"status": "nonsense", "due_within": "-3"})
    assert response.status_code == 400
    assert {"status", "due_within"} <= set(response.json()["errors"])


def test_names_of_pillars_in_the_request_language(api, officer):
    client = api(officer)
    english = {p["code"]: p["name"] for p in client.get("/api/v1/pillars/").json()}
    russian = {p["code"]: p["name"] for p in client.get("/api/v1/pillars/", headers={"Accept-Language": "ru"}).json()}
    assert english["connectivity"] == "Connectivity"
    assert russian["connectivity"] == "Взаимосвязанность"
    officer.language = "ja"
    officer.save()
    japanese = {p["code"]: p["name"] for p in client.get("/api/v1/pillars/", headers={"Accept-Language": "ru"}).json()}
    assert japanese["connectivity"] == "連結性"  # the person's own choice wins over the browser's


def test_session_writes_need_the_csrf_token(officer, agreement):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.get("/api/v1/me/").json()["username"] == officer.username
    response = client.post(f"/api/v1/agreements/{agreement.reference}/transitions/", {"to": "on_hold"},
                           content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
