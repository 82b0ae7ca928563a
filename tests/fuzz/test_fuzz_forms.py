"""Fuzzed forms: every form of the app takes any bytes in any field (and in the file it uploads)
and answers with the form again and its message (200 / 400 / 409), a 400 page saying what is
wrong, or — for input that happens to be valid — the redirect after success. Never a 500.

`FORMS` is checked against the URLconf: every URL that takes a POST in the authorisation
matrix (tests/test_authorization_matrix.py), every form-taking page the matrix lists as GET,
and the admin's own pages (import) must be here, and every other URL must be fuzzed by
tests/test_fuzz_queries.py or be named in NO_INPUT with the reason — so a new form cannot
silently escape.

Each example runs in a savepoint rolled back afterwards: a valid submission (the fuzzer finds
them) changes nothing for the next example.
"""
from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass
from typing import Callable

import pytest
from django.contrib import admin
from django.forms import BaseForm
from django.urls import URLPattern, resolve, reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, strategies as st

from agreements.imports import staging
from agreements.imports.files import Upload
from agreements.models import ApiToken, CalendarFeed, Dependency, Health, Stage, Status
from agreements.reminders import acknowledging, unsubscribe
from tests.conftest import PDF_BYTES, TEST_PASSWORD
from tests.factories import MilestoneFactory
from tests.fuzz.fuzzing import HUGE_URL, fuzz_settings, hostile, judge, multipart, pairs, rolled_back, urlencoded
from tests.fuzz.test_fuzz_queries import GET_ENDPOINTS, NEXT_PAGES
from tests.imports.import_files import csv_bytes, row, workbook
from tests.web.test_authorization_matrix import MATRIX, app_url_names
from tests.web.test_notifications import notify

FORM_PAGE = (200, 302, 400, 409)  # re-rendered form, success redirect, refused input, stale version


@dataclass
class World:
    agreement: object
    milestone: object
    people: dict
    import_token: str  # an upload waiting for confirmation, as after a successful preview
    stage: object = None  # a rung of the agreement's ladder
    dependency: object = None  # the agreement needing its own milestone
    notification: object = None  # one of the officer's in-app notifications

    @property
    def ref(self) -> str:
        return self.agreement.reference

    @property
    def version(self) -> list[str]:
        return [str(self.agreement.version), "1"]

    def pks(self, *names: str) -> list[str]:
        return [str(self.people[name].pk) for name in names]


@dataclass
class Form:
    who: str | None  # the signed-in user (a key of World.people), None: anonymous
    url: Callable[[World], str]
    fields: Callable[[World], dict[str, list[str]]]
    files: tuple[str, ...] = ()  # file fields, sent as multipart with fuzzed names and bytes
    allowed: tuple[int, ...] = FORM_PAGE
    examples: int = 40
    valid_files: tuple[bytes, ...] = ()  # files the form accepts, so other fields get fuzzed past it


# --- Files the upload fields get ---------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


PNG_BYTES, JPEG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0" + b"\x00" * 64
DOCX_BYTES = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
FILE_CONTENTS = st.one_of(
    st.sampled_from([PDF_BYTES + _zip({"a": b"b"}), b"", _zip({"xl/workbook.xml": b"<<<"}), b"PK\x03\x04junk",
                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, b"MZ\x90\x00" + b"\x00" * 60,
                     csv_bytes([row()]), csv_bytes([row(title="=1+1", signed_on="31/12/2025")], delimiter=";"),
                     workbook([row()])]),
    st.binary(max_size=2000),
    st.binary(max_size=64).map(lambda head: PDF_BYTES[:8] + head),
    st.binary(max_size=64).map(lambda tail: b"PK\x03\x04" + tail),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
FILE_NAMES = st.one_of(st.sampled_from([b"signed.pdf", b"agreements.csv", b"summit.xlsx", b"../../etc/passwd",
                                        b"\xe2\x80\xaefdp.exe", b"", b".", b"a" * 600 + b".pdf", b"con.pdf"]),
                       hostile(HUGE_URL))


@st.composite
def uploads(draw, form: Form) -> list[tuple[bytes, bytes, bytes]]:
    """A file per file field (now and then left out): one the form accepts or a hostile one."""
    contents = st.one_of(st.sampled_from(form.valid_files), FILE_CONTENTS) if form.valid_files else FILE_CONTENTS
    return [(name.encode(), draw(FILE_NAMES), draw(contents)) for name in form.files if draw(st.integers(0, 4))]


def milestone_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[w.ref, w.milestone.pk])


PLAIN_TEXT = ["Customs delay at Dostyk", "Совещание в Ташкенте", "東京での会合"]
DAYS = ["2026-01-15", "2025-12-19", "2030-01-01"]

FORMS: dict[str, Form] = {
    "agreement-progress": Form("officer", lambda w: reverse("agreement-progress", args=[w.ref]), lambda w: {
        "percent_complete": ["0", "45", "100"], "health": Health.values[1:], "summary": PLAIN_TEXT,
        "next_steps": PLAIN_TEXT}, examples=60),
    # The target status is drawn too (it is in the URL and names the form's fields: t-<to>-...).
    "agreement-transition": Form("manager", lambda w: f"/agreements/{w.ref}/transitions/<to>/", lambda w: {
        "t-<to>-comment": PLAIN_TEXT, "t-<to>-version": w.version}, allowed=FORM_PAGE + (403, 404), examples=60),
    "document-upload": Form("officer", lambda w: reverse("document-upload", args=[w.ref]),
                            lambda w: {"title": ["Signed text", ""]}, files=("file",), examples=60,
                            valid_files=(PDF_BYTES, PNG_BYTES, JPEG_BYTES, DOCX_BYTES)),
    "agreement-reassign": Form("manager", lambda w: reverse("agreement-reassign", args=[w.ref]), lambda w: {
        "owner": w.pks("officer", "teammate", "manager"), "team": w.pks("teammate", "other_officer"),
        "hand_over_milestones": ["on", ""], "version": w.version}),
    "milestone-add": Form("officer", lambda w: reverse("milestone-add", args=[w.ref]), lambda w: {
        "new-title": PLAIN_TEXT, "new-due_on": DAYS, "new-owner": ["", *w.pks("officer", "teammate")],
        "new-version": w.version}),
    "milestone-edit": Form("officer", milestone_url("milestone-edit"), lambda w: {
        "title": PLAIN_TEXT, "due_on": DAYS, "owner": ["", *w.pks("officer", "teammate")], "version": w.version}),
    "milestone-done": Form("officer", milestone_url("milestone-done"), lambda w: {
        f"done-{w.milestone.pk}-done_on": ["2026-01-15", "2025-12-20"],
        f"done-{w.milestone.pk}-evidence": PLAIN_TEXT, f"done-{w.milestone.pk}-version": w.version}),
    "milestone-waive": Form("officer", milestone_url("milestone-waive"), lambda w: {
        f"waive-{w.milestone.pk}-waiver_reason": PLAIN_TEXT, f"waive-{w.milestone.pk}-version": w.version}),
    "stage-record": Form("officer", lambda w: reverse("stage-record", args=[w.ref, w.stage.pk]), lambda w: {
        f"stage-{w.stage.pk}-planned_on": DAYS, f"stage-{w.stage.pk}-reached_on": DAYS}),
    "dependency-add": Form("officer", lambda w: reverse("dependency-add", args=[w.ref]), lambda w: {
        "dep-dependent": ["agreement", str(w.milestone.pk), "0"], "dep-reference": [w.ref, "CAJ-2025-999", *PLAIN_TEXT],
        "dep-milestone": ["", *PLAIN_TEXT], "dep-note": PLAIN_TEXT}),
    "dependency-remove": Form("officer", lambda w: reverse("dependency-remove", args=[w.ref, w.dependency.pk]),
                              lambda w: {"confirm": ["1", "", "on"]}),
    "milestone-reopen": Form("officer", milestone_url("milestone-reopen"), lambda w: {
        f"reopen-{w.milestone.pk}-reason": PLAIN_TEXT, f"reopen-{w.milestone.pk}-version": w.version}),
    "agreement-bulk": Form("manager", lambda w: reverse("agreement-bulk"), lambda w: {
        "ref": [w.ref, "T-99999"], "do": ["reassign", "export-xlsx", "export-csv"],
        "owner": ["", *w.pks("officer", "teammate")], "query": ["overdue=1", ""]}, allowed=(302,)),
    "saved-view-save": Form("officer", lambda w: reverse("saved-view-save"), lambda w: {
        "name": PLAIN_TEXT, "query": ["overdue=1&member=me", "q=%E6%9D%B1%E4%BA%AC&per_page=50", ""]},
        allowed=(302,)),
    "saved-view-delete": Form("officer", lambda w: reverse("saved-view-delete", args=[1]), lambda w: {},
                              allowed=(302, 404), examples=10),
    "preferences": Form("officer", lambda w: reverse("preferences"), lambda w: {
        "language": ["en", "ru", "ja"], "time_zone": ["UTC", "Asia/Tashkent", "Pacific/Kiritimati"],
        "notify_stale": ["on"], "notify_digest": ["on"]}),
    # Marking notifications read takes no field but `show` (where to go back to); the one-click unsubscribe
    # takes none but RFC 8058's `List-Unsubscribe=One-Click`, from anyone (the link is the permission).
    "notification-read": Form("officer", lambda w: reverse("notification-read", args=[w.notification.pk]),
                              lambda w: {"show": ["unread", "all", ""]}, allowed=(302,), examples=20),
    "notifications-read-all": Form("officer", lambda w: reverse("notifications-read-all"),
                                   lambda w: {"show": ["unread", "//evil.example/"]}, allowed=(302,), examples=20),
    "unsubscribe": Form(None, lambda w: reverse("unsubscribe", args=[unsubscribe.token_for(w.people["officer"],
                                                                                           "stale")]),
                        lambda w: {"List-Unsubscribe": ["One-Click", ""]}, allowed=(200,), examples=20),
    # "I'm on it" (issue 19): in the app the owner of an overdue milestone (403 for a milestone that is not,
    # 409 once acknowledged); the e-mailed link from anyone, the token being the right (410 once used).
    "milestone-acknowledge": Form("officer", milestone_url("milestone-acknowledge"), lambda w: {
        "expected_on": [*DAYS, "", "31/12/2026"], "sentence": [*PLAIN_TEXT, ""]}, allowed=FORM_PAGE + (403,)),
    "acknowledge-link": Form(None, lambda w: reverse("acknowledge-link", args=[acknowledging.token_for(
        w.milestone.owner or w.agreement.owner, w.milestone)]), lambda w: {
        "expected_on": [*DAYS, "", "31/12/2026"], "sentence": [*PLAIN_TEXT, ""]}, allowed=FORM_PAGE + (410,)),
    # A focal point's signed link (issue 19), from anyone: the answer and comment fuzzed; a used or
    # no-longer-current link answers 409. Asking again takes no field.
    "confirmation-answer": Form(None, lambda w: reverse("confirmation-answer", args=[confirmation_token(w)]),
                                lambda w: {"answer": ["confirmed", "disputed", "maybe", ""], "comment": PLAIN_TEXT},
                                allowed=(200, 400, 409)),
    "confirmation-ask-again": Form("officer", lambda w: reverse("confirmation-ask-again", args=[w.ref]),
                                   lambda w: {"x": ["1"]}, allowed=(302,), examples=10),
    "api-token-create": Form("officer", lambda w: reverse("api-token-create"), lambda w: {
        "name": PLAIN_TEXT, "access": ["read", "write"], "expires_on": DAYS}, allowed=(200, 400)),
    "api-token-revoke": Form("officer", lambda w: reverse("api-token-revoke", args=[
        ApiToken.issue(w.people["officer"], name="fuzzed")[0].pk]), lambda w: {}, allowed=(302,), examples=10),
    "calendar-feed-create": Form("manager", lambda w: reverse("calendar-feed-create"), lambda w: {
        "scope": ["mine", "pillar", "all", "nothing"], "pillar": ["", "1", "2", "99999", "x"]}, allowed=(200, 400)),
    "calendar-feed-revoke": Form("officer", lambda w: reverse("calendar-feed-revoke", args=[
        CalendarFeed.issue(w.people["officer"], "mine")[0].pk]), lambda w: {"x": ["1"]}, allowed=(302,), examples=10),
    "set_language": Form(None, lambda w: reverse("set_language"), lambda w: {
        "language": ["en", "ru", "ja", "kk"], "next": NEXT}, allowed=(302,), examples=30),
    "login": Form(None, lambda w: reverse("login"), lambda w: {
        "username": ["owner_officer", "OWNER_OFFICER"], "password": [TEST_PASSWORD], "next": NEXT},
        allowed=(200, 302)),
    "logout": Form("officer", lambda w: reverse("logout"), lambda w: {"next": NEXT}, allowed=(302,), examples=10),
    "password_change": Form("officer", lambda w: reverse("password_change"), lambda w: {
        "old_password": [TEST_PASSWORD], "new_password1": ["Steppe-eagle-over-Almaty-2026"],
        "new_password2": ["Steppe-eagle-over-Almaty-2026"]}, allowed=(200, 302)),
    "two-factor-verify": Form("manager", lambda w: reverse("two-factor-verify"), lambda w: {
        "token": ["123456", "000000", " 123 456 "], "next": NEXT}, allowed=(200, 302)),
    "two-factor-setup": Form("officer", lambda w: reverse("two-factor-setup"), lambda w: {
        "token": ["123456", "000000"], "next": NEXT}, allowed=(200, 302)),
    "admin:agreements_agreement_import": Form(
        "data_entry", lambda w: reverse("admin:agreements_agreement_import"),
        lambda w: {"create_organizations": ["on", ""], "encoding": ["auto", "cp1251", "cp1252"]},
        files=("agreements", "milestones"), allowed=(200, 400), examples=60,
        valid_files=(csv_bytes([row()]), workbook([row()]))),
    "admin:agreements_agreement_import_confirm": Form(
        "data_entry", lambda w: reverse("admin:agreements_agreement_import_confirm"),
        lambda w: {"token": [w.import_token, "A" * 32, "a-b_c" * 5], "create_organizations": ["on"],
                   "encoding": ["auto"]},
        allowed=(200, 302), examples=20),
}
def confirmation_token(w: World) -> str:
    from agreements import confirming
    from agreements.models import FocalPoint

    FocalPoint.objects.get_or_create(agreement=w.agreement, side="central_asian",
                                     defaults={"name": "Contact", "email": "contact@example.uz"})
    return confirming.token_for(confirming.ask(w.agreement, milestone=w.milestone)[0])


NEXT = ["/agreements/", "//evil.example/", "https://evil.example/", "/accounts/login/?next=/", ""]

# The REST API takes JSON, not forms: schemathesis fuzzes it from its schema (tests/api/test_schemathesis.py).
API = {"api-agreement-list", "api-agreement-detail", "api-progress", "api-transition", "api-milestone-list",
       "api-milestone-detail", "api-organization-list", "api-organization-detail", "api-pillar-list",
       "api-focus-area-list", "api-me", "api-schema", "api-docs"}

# Pages without a form or query parameter of their own.
NO_INPUT = {
    "home": "My work: no parameters",
    "healthz": "JSON for the load balancer: no parameters",
    "session": "JSON about the session: no parameters",
    "password_change_done": "a confirmation page",
    "report-stages": "agreements per stage and kind: no parameters",
    "report-changes": "a GET page: its since/section/page parameters are refused or capped in tests/reports/test_changes.py",
    "favicon": "a redirect to the icon: no parameters",
    "reports-export-xlsx": "the dashboard's own filters, fuzzed on /reports/ (the same build and form)",
    "public-progress": "the public page: only ?lang=, checked against LANGUAGES (tests/followup/test_public_page.py)",
    "document-download": "a file by its id (path fuzzed in test_fuzzed_path_segments)",
    **{name: "the REST API: fuzzed against its OpenAPI schema by schemathesis (tests/api/test_schemathesis.py)"
       for name in API},
    "iati-activities": "the IATI file of what the reader may see: no parameters",
    "calendar-feed": "a calendar by the secret in its path: no parameters (tests/interop/test_calendar_views.py)",
}


# --- The table covers every form --------------------------------------------------------------

def admin_form_urls() -> set[str]:
    """The admin URLs our own ModelAdmins add (import, confirm...), beyond Django's standard ones."""
    standard = ("_changelist", "_add", "_history", "_delete", "_change", "_autocomplete")
    names = set()
    for model_admin in admin.site._registry.values():
        if not type(model_admin).__module__.startswith("agreements."):
            continue  # third-party admins (django-otp, axes) bring their own
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name and not pattern.name.endswith(standard):
                names.add(f"admin:{pattern.name}")
    return names


def test_every_form_of_the_urlconf_is_fuzzed():
    posted = {name for name, cases in MATRIX.items() if any(case.method == "post" for case in cases)} - API
    assert posted <= set(FORMS), "add the new form to FORMS"
    queried = {resolve(path).url_name for path in [*GET_ENDPOINTS, *NEXT_PAGES] if not path.startswith("/admin/")}
    unaccounted = app_url_names() - set(FORMS) - queried - set(NO_INPUT) - {"agreement-detail"}
    assert not unaccounted, f"fuzz these URLs or say in NO_INPUT why they take no input: {unaccounted}"
    # Admin pages of our own that take input (templates and exports only read the URL's format).
    admin_inputs = admin_form_urls() - {"admin:agreements_agreement_import_template",
                                        "admin:agreements_agreement_export"}
    assert admin_inputs <= set(FORMS), f"fuzz the admin's own form: {admin_inputs - set(FORMS)}"


# --- Data --------------------------------------------------------------------------------------

@pytest.fixture
def world(agreement, officer, teammate, other_officer, manager, data_entry, move_to, private_media, import_orgs):
    move_to(agreement, Status.IN_PROGRESS)
    agreement.refresh_from_db()
    milestone = MilestoneFactory(agreement=agreement, owner=officer, due_on=datetime.date(2026, 3, 1))
    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    people = {"officer": officer, "teammate": teammate, "other_officer": other_officer, "manager": manager,
              "data_entry": data_entry}
    token = staging.stage(data_entry, {"agreements": Upload("agreements.csv", csv_bytes([row()]))})
    stage = Stage.objects.filter(kind=agreement.kind).first()
    dependency = Dependency.objects.create(dependent_agreement=agreement, prerequisite_milestone=milestone)
    return World(agreement, milestone, people, token, stage, dependency, notification=notify(officer, agreement))


# --- Sending -------------------------------------------------------------------------------------

def send(client, url: str, form: Form, sent: list, files: list):
    if form.files:
        body, content_type = multipart(sent, files)
        return client.post(url, body, content_type=content_type)
    return client.post(url, urlencoded(sent), content_type="application/x-www-form-urlencoded")


def errors_are_shown(response, body: bytes) -> None:
    """Each error of a bound form the page was rendered with appears on the page (a conflict,
    409, explains itself in its own words next to the current values)."""
    if response.status_code == 409:
        assert b'role="alert"' in body
    if response.status_code not in (200, 400) or not response.context:
        return
    text = body.decode("utf-8", "replace")
    for context in response.context:
        for values in getattr(context, "dicts", [context]):
            for value in values.values():
                if isinstance(value, BaseForm) and value.is_bound:
                    for error in [e for errors in value.errors.values() for e in errors]:
                        assert escape(error) in text, f"error not shown: {error!r}"


@pytest.mark.parametrize("name", sorted(FORMS))
def test_fuzzed_form(client, world, name):
    form = FORMS[name]
    fields = form.fields(world)
    statuses = [s.value for s in Status] + ["nowhere", "signed%00", "%E2%80%AE"]

    @fuzz_settings(form.examples)
    @given(sent=pairs(fields), files=uploads(form), to=st.sampled_from(statuses))
    def probe(sent, files, to):
        def run():
            client.logout()
            if form.who:
                client.force_login(world.people[form.who])
            url = form.url(world).replace("<to>", to)
            post = [(key.replace(b"<to>", to.encode()), value) for key, value in sent]
            response = send(client, url, form, post, files)
            judge(f"POST {name}", response, form.allowed)
            errors_are_shown(response, response.content)
            if response.status_code == 302:  # wherever a form sends people next, it is this site
                assert url_has_allowed_host_and_scheme(response.url, {"testserver"}), response.url
        rolled_back(run)

    probe()
