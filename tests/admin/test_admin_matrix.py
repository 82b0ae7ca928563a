"""Every admin URL × role × object → the answer the rules expect (issue 13, item 6).

The URLs are not a hand list: they are derived from the registered ModelAdmins
(`admin.site._registry`) — changelist, add, change, delete, history, the history version page
(django-simple-history), "view on site", the object redirect, every custom URL of `get_urls()`,
every changelist action, every inline (tests below) — so a new admin page is in the matrix the
day it is registered; `test_every_admin_url_has_a_rule` fails until a custom URL says who may
open it (CUSTOM) and `test_every_registered_model_has_rules` until a new model does (RULES).

Each runs, GET and POST, as each role — not signed in, an officer and a viewer (no admin), an
officer given the staff flag (Officer permissions in the admin), data entry, a manager, a
superuser — against each object: an internal agreement (or its milestone, party, document…),
a restricted one with the role on its team, a restricted one without, and one that does not
exist. The expectations are the rules, not recorded answers:

- without the staff flag: the admin's sign-in page;
- an object the role may not see: exactly the answer for the missing one (same status, same
  redirect, same page with the id swapped) — so nothing tells a restricted agreement from a gap
  in the ids;
- an object the role may see: allowed (200, or a redirect that is not the sign-in page nor the
  "does not exist" one) when RULES give the role that right, else refused (403, or 404 where the
  URL has nothing to show); reverting from history is refused to everyone.

The run counts every case and fails on any answer that differs: 0 unexpected allows, and no
legitimate user locked out.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from agreements.models import (
    Agreement,
    CalendarFeed,
    Document,
    Organization,
    Pillar,
    ProgressUpdate,
    PublicFact,
    Reminder,
    ReminderPolicy,
    SectorCode,
    Stage,
)
from tests.admin.admin_pages import TALLY, answer, form_data, take_messages
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory

ROLES = ["anonymous", "officer", "viewer", "staff_officer", "data_entry", "manager", "superuser"]
NOT_STAFF = {"anonymous", "officer", "viewer"}
MANAGERS = {"manager", "superuser"}
STAFF = {"staff_officer", "data_entry", "manager", "superuser"}
RECORDS = {"data_entry", "manager", "superuser"}  # policy.can_edit_record: data entry and managers
ENTRY = {"data_entry", "superuser"}
ROOT = {"superuser"}
NOBODY: set[str] = set()
MISSING = 30_000  # fits every primary key (ReminderPolicy's is a small integer)

SCOPED_RELATIONS = ["internal", "restricted_on", "restricted_off", "missing"]


def rules(view=STAFF, add=NOBODY, change=NOBODY, delete=NOBODY) -> dict[str, set[str]]:
    return {"view": set(view) | set(change), "add": set(add), "change": set(change), "delete": set(delete)}


# Who may do what to an object they may see: the role groups' permissions (migrations 0002 and
# 0003) narrowed by the admins' own rules (agreements/admin.py). Officers and viewers never reach
# the admin; an officer given the staff flag keeps the Officer permissions but is no record keeper.
RULES: dict[str, dict[str, set[str]]] = {
    "agreements.agreement": rules(add=ENTRY, change=RECORDS, delete=ROOT),  # deleting loses history
    "agreements.milestone": rules(add=STAFF, change=RECORDS, delete=ENTRY),  # add: choices are what they keep
    "agreements.party": rules(add=ENTRY, change=ENTRY, delete=ENTRY),
    "agreements.progressupdate": rules(change=ROOT, delete=ROOT),  # posted on the site, read-only here
    "agreements.document": rules(change=ENTRY, delete=ENTRY),  # added through the agreement's inline
    "agreements.transitionlog": rules(),  # the workflow's audit trail: read-only for everyone
    "agreements.reminder": rules(view=RECORDS, change=MANAGERS, delete=ROOT),
    "agreements.reminderpolicy": rules(view=RECORDS, change=MANAGERS),  # one row, never deleted
    "agreements.organization": rules(add=ENTRY, change=ENTRY, delete=ROOT),
    "agreements.pillar": rules(add=ENTRY, change=ENTRY, delete=ROOT),
    "agreements.focusarea": rules(add=ENTRY, change=ENTRY, delete=ROOT),
    "agreements.stage": rules(add=ENTRY, change=ENTRY, delete=ROOT),  # deleting a rung loses agreements' dates
    "agreements.sectorcode": rules(add=ENTRY, change=ENTRY, delete=ROOT),
    "agreements.calendarfeed": rules(view=ROOT, change=ROOT, delete=ROOT),  # made on the preferences page
    "agreements.publicfact": rules(add=ENTRY, change=ENTRY, delete=ROOT),  # the public record's counts and totals
    "agreements.user": rules(view=RECORDS, add=ENTRY, change=ENTRY, delete=ROOT),
    "auth.group": rules(view=ROOT, add=ROOT, change=ROOT, delete=ROOT),
    "otp_totp.totpdevice": rules(view=ROOT, add=ROOT, change=ROOT, delete=ROOT),
    "axes.accessattempt": rules(view=ROOT, change=ROOT, delete=ROOT),
    "axes.accesslog": rules(view=ROOT, change=ROOT, delete=ROOT),
    "axes.accessfailurelog": rules(view=ROOT, change=ROOT, delete=ROOT),
}
SCOPED = {"agreements.agreement", "agreements.milestone", "agreements.party", "agreements.progressupdate",
          "agreements.document", "agreements.transitionlog", "agreements.reminder"}


def sees(model: str, role: str, relation: str) -> bool:
    """The visibility rule of DESIGN.md for agreements and what hangs off them; for accounts,
    data entry and managers do not see privileged accounts (only a superuser does)."""
    if relation == "missing":
        return False
    if model in SCOPED:
        return relation != "restricted_off" or role in MANAGERS
    if relation == "privileged":
        return role in ROOT
    return True


def keeps_record(role: str, relation: str) -> bool:
    """policy.can_edit_record for an agreement: managers, and data entry for those they see."""
    return role in MANAGERS or (role == "data_entry" and sees("agreements.agreement", role, relation))


# --- Custom URLs of get_urls(): what each takes and who may open it ----------------------------------

@dataclass
class Custom:
    allowed: set[str]  # roles allowed (for an object URL: on an object they may see)
    ok: tuple[int, ...] = (200,)
    params: dict[str, list[str]] = field(default_factory=dict)
    object_param: str | None = None


CUSTOM: dict[str, Custom] = {
    "agreements_agreement_import": Custom(RECORDS),
    "agreements_agreement_import_confirm": Custom(RECORDS, ok=(302,)),  # no upload waiting: back to import
    # A blank template is no data: any staff user may download it.
    "agreements_agreement_import_template": Custom(STAFF, params={"fmt": ["csv", "xlsx", "milestones-csv"]}),
    "agreements_agreement_export": Custom(STAFF, params={"fmt": ["csv", "xlsx", "milestones-csv"]}),
    "auth_user_password_change": Custom(ROOT, object_param="id"),  # setting a password is taking over
    # OTP_ADMIN_HIDE_SENSITIVE_DATA: nobody reads another person's TOTP secret, a superuser neither.
    "otp_totp_totpdevice_config": Custom(NOBODY, object_param="pk"),
    "otp_totp_totpdevice_qrcode": Custom(NOBODY, object_param="pk"),
}
STANDARD = ("changelist", "add", "change", "delete", "history", "simple_history")
SITE_URLS = {"index", "login", "logout", "password_change", "password_change_done", "autocomplete", "jsi18n",
             "view_on_site", "app_list", None}  # None: the catch-all (a 404 for staff, sign-in otherwise)


def label(model: type[Model]) -> str:
    return model._meta.label_lower


def info(model: type[Model]) -> str:
    return f"{model._meta.app_label}_{model._meta.model_name}"


def custom_patterns(model_admin) -> list:
    return [p for p in model_admin.get_urls()
            if p.name and not any(p.name == f"{info(model_admin.model)}_{kind}" for kind in STANDARD)]


def test_every_registered_model_has_rules():
    assert {label(model) for model in admin.site._registry} == set(RULES), "say in RULES who may do what"


def test_every_admin_url_has_a_rule():
    names = {p.name for model_admin in admin.site._registry.values() for p in custom_patterns(model_admin)}
    assert names == set(CUSTOM), "add the new admin URL to CUSTOM with who may open it"
    site = {getattr(p, "name", None) for p in admin.site.get_urls() if not hasattr(p, "url_patterns")}
    assert site == SITE_URLS


# --- The world: one object per relation for every registered model --------------------------------

@pytest.fixture
def cast(officer, viewer, data_entry, manager, superuser):
    staff_officer = UserFactory(username="staff_officer", role="Officer", is_staff=True)
    return {"anonymous": None, "officer": officer, "viewer": viewer, "staff_officer": staff_officer,
            "data_entry": data_entry, "manager": manager, "superuser": superuser}


@pytest.fixture
def world(cast, move_to, second_manager, private_media):
    """{model label: {relation: pk}}, and the objects of the three agreements."""
    lead = UserFactory(username="lead_officer", role="Officer")
    members = [user for user in cast.values() if user is not None]
    pks: dict[str, dict[str, int]] = {name: {} for name in RULES}
    for relation in SCOPED_RELATIONS[:3]:
        agreement = AgreementFactory(owner=lead, title=f"Agreement {relation}", reference=f"M-{relation}",
                                     confidentiality="internal" if relation == "internal" else "restricted")
        if relation == "restricted_on":
            agreement.team.add(*members)
        move_to(agreement, "in_progress")
        milestone = MilestoneFactory(agreement=agreement, owner=lead, title=f"Milestone {relation}")
        document = Document(agreement=agreement, title=f"Document {relation}", original_name="signed.pdf",
                            content_type="application/pdf", size=4)
        document.file.save(document.stored_token, io.BytesIO(b"%PDF"), save=False)
        document.save()
        update = ProgressUpdate.objects.create(agreement=agreement, author=lead, percent_complete=5, health="on_track",
                                               summary=f"Update {relation}")
        reminder = Reminder.objects.create(kind="overdue", key=f"overdue:{relation}", recipient=lead,
                                           agreement=agreement, milestone=milestone, run_id=uuid.uuid4())
        for name, obj in (("agreement", agreement), ("milestone", milestone), ("party", agreement.parties.first()),
                          ("document", document), ("progressupdate", update),
                          ("transitionlog", agreement.transitions.first()), ("reminder", reminder)):
            pks[f"agreements.{name}"][relation] = obj.pk
    pks["agreements.organization"]["existing"] = Organization.objects.first().pk
    pks["agreements.pillar"]["existing"] = Pillar.objects.first().pk
    pks["agreements.publicfact"]["existing"] = PublicFact.objects.create(key="summit-documents", text="158 documents").pk
    pks["agreements.focusarea"]["existing"] = Pillar.objects.first().focus_areas.first().pk
    pks["agreements.stage"]["existing"] = Stage.objects.first().pk
    pks["agreements.sectorcode"]["existing"] = SectorCode.objects.first().pk
    pks["agreements.calendarfeed"]["existing"] = CalendarFeed.issue(lead, "mine")[0].pk
    pks["agreements.user"].update(account=lead.pk, privileged=second_manager.pk)
    pks["agreements.reminderpolicy"]["existing"] = ReminderPolicy.objects.create().pk
    pks["auth.group"]["existing"] = cast["officer"].groups.first().pk
    pks["otp_totp.totpdevice"]["existing"] = TOTPDevice.objects.create(user=second_manager, name="phone").pk
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    access = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "someone", "http_accept": "*/*",
              "path_info": "/accounts/login/"}
    pks["axes.accessattempt"]["existing"] = AccessAttempt.objects.create(
        **access, get_data="", post_data="", failures_since_start=1).pk
    pks["axes.accesslog"]["existing"] = AccessLog.objects.create(**access).pk
    pks["axes.accessfailurelog"]["existing"] = AccessFailureLog.objects.create(**access).pk
    for relations in pks.values():
        relations["missing"] = MISSING
    return pks


# --- Running one request and judging its answer -----------------------------------------------------

@dataclass
class Run:
    client: object  # pytest-django's; each role gets a client of its own, signed in once
    cast: dict
    checked: int = 0
    wrong: list[str] = field(default_factory=list)
    clients: dict = field(default_factory=dict)

    def client_of(self, role: str) -> Client:
        if role not in self.clients:
            self.clients[role] = Client()
            if self.cast[role] is not None:
                self.clients[role].force_login(self.cast[role])
        return self.clients[role]

    def request(self, role: str, method: str, url: str, data: dict | None = None):
        self.checked += 1
        TALLY["requests"] += 1
        client = self.client_of(role)
        response = getattr(client, method)(url, data or {})
        response.messages_left = take_messages(client, response)
        return response

    def fail(self, role: str, method: str, url: str, response, expected: str) -> None:
        TALLY["unexpected"] += 1
        self.wrong.append(f"{method.upper()} {url} as {role}: {response.status_code} "
                          f"{response.get('Location', '')}, expected {expected}")


def is_login(response) -> bool:
    """To sign in: the admin's page for a signed-in non-staff user, the site's when not signed in."""
    return response.status_code == 302 and response["Location"].startswith(("/admin/login/", "/accounts/login/"))


def is_allowed(response) -> bool:
    """A page or a file, or a redirect that is neither to sign in nor "it does not exist"."""
    if response.status_code == 200:
        return True
    return response.status_code == 302 and not is_login(response) and response["Location"] != "/admin/"


NOT_FOUND = ("does not exist", 403, 404)  # the admin's "does not exist" redirect, or a refusal


def refused_as(response, refused) -> bool:
    if response.status_code == 302 and response["Location"] == "/admin/":
        return "does not exist" in refused
    return response.status_code in refused


def judge(run: Run, role: str, method: str, url: str, response, *, allowed: bool, refused=(403,)) -> None:
    if role in NOT_STAFF:
        if not is_login(response):
            run.fail(role, method, url, response, "the admin's sign-in page")
    elif allowed and not is_allowed(response):
        run.fail(role, method, url, response, "allowed")
    elif not allowed and not refused_as(response, refused):
        run.fail(role, method, url, response, f"refused {refused}")


def compare_hidden(run: Run, role: str, method: str, urls: tuple[str, str], responses, ids: dict) -> None:
    """A hidden object's answer must be the missing object's, byte for byte once the id is swapped."""
    hidden, missing = (answer(response, ids_) for response, ids_ in zip(responses, ids))
    if role in NOT_STAFF:
        if not (is_login(responses[0]) and is_login(responses[1])):
            run.fail(role, method, urls[0], responses[0], "the admin's sign-in page")
    elif hidden != missing:
        first = next((f"{a!r} != {b!r}" for a, b in zip(hidden[2].splitlines(), missing[2].splitlines()) if a != b), "")
        run.fail(role, method, urls[0], responses[0], f"the answer for a missing object {missing[:2]} {first[:300]}")


# --- The object URLs --------------------------------------------------------------------------------

def object_urls(model: type[Model], model_admin, pk: int, version: int | None):
    """(kind, url) for every page about one object."""
    name = info(model)
    yield "change", reverse(f"admin:{name}_change", args=[pk])
    yield "delete", reverse(f"admin:{name}_delete", args=[pk])
    yield "history", reverse(f"admin:{name}_history", args=[pk])
    yield "redirect", reverse(f"admin:{name}_changelist") + f"{pk}/"
    yield "view_on_site", reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(model).pk, pk])
    if isinstance(model_admin, SimpleHistoryAdmin):
        yield "version", reverse(f"admin:{name}_simple_history", args=[pk, version or MISSING])
    for pattern in custom_patterns(model_admin):
        rule = CUSTOM[pattern.name]
        if rule.object_param:
            yield pattern.name, reverse(f"admin:{pattern.name}", kwargs={rule.object_param: pk})


def expected_for_visible(kind: str, method: str, model: type[Model], role: str) -> tuple[bool, tuple[int, ...]]:
    """(allowed, the refusal statuses) on an object the role may see."""
    rule = RULES[label(model)]
    if kind in ("change", "history"):
        return role in (rule["change"] if method == "post" and kind == "change" else rule["view"]), (403,)
    if kind == "delete":
        return role in rule["delete"], (403,)
    if kind == "version":
        return method == "get" and role in rule["view"], (403,)  # reverting: refused to everyone
    if kind == "view_on_site":
        return role in rule["view"] and hasattr(model, "get_absolute_url"), (404,)
    if kind == "redirect":
        return True, ()
    return role in CUSTOM[kind].allowed, (403,)


def latest_version(model: type[Model], pk: int) -> int | None:
    manager = getattr(model, "history", None)
    row = manager.filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first() if manager else None
    return row.history_id if row else None


@pytest.mark.parametrize("model_label", sorted(RULES))
def test_object_pages(client, cast, world, model_label):
    model = next(m for m in admin.site._registry if label(m) == model_label)
    model_admin = admin.site._registry[model]
    run = Run(client, cast)
    missing_urls = dict(object_urls(model, model_admin, MISSING, MISSING))
    missing_answers: dict[tuple, object] = {}
    for role in ROLES:  # what does not exist is never an allow (nor a crash)
        for kind, url in missing_urls.items():
            for method in ("get", "post"):
                missing_answers[(kind, method, role)] = response = run.request(role, method, url)
                judge(run, role, method, url, response, allowed=kind == "redirect", refused=NOT_FOUND)
    for relation, pk in world[model_label].items():
        if relation == "missing":
            continue
        version = latest_version(model, pk)
        ids = {str(pk): "<id>", **({str(version): "<id>"} if version else {})}
        for kind, url in object_urls(model, model_admin, pk, version):
            for method in ("get", "post"):
                for role in ROLES:
                    response = run.request(role, method, url)
                    if sees(model_label, role, relation):
                        allowed, refused = expected_for_visible(kind, method, model, role)
                        judge(run, role, method, url, response, allowed=allowed, refused=refused)
                        continue
                    compare_hidden(run, role, method, (url, missing_urls[kind]),
                                   (response, missing_answers[(kind, method, role)]),
                                   (ids, {str(MISSING): "<id>"}))
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)
    print(f"{model_label}: {run.checked} requests")


# --- Pages not about one object: lists, add forms, the custom pages --------------------------------

def model_urls(model: type[Model], model_admin):
    """(kind, url) of the pages of a model that are not about one object."""
    name = info(model)
    yield "changelist", reverse(f"admin:{name}_changelist")
    yield "add", reverse(f"admin:{name}_add")
    for pattern in custom_patterns(model_admin):
        rule = CUSTOM[pattern.name]
        if rule.object_param:
            continue
        names = list(pattern.pattern.converters)
        unknown = set(names) - set(rule.params)
        assert not unknown, f"say in CUSTOM[{pattern.name!r}].params which values {unknown} take"
        if not names:
            yield pattern.name, reverse(f"admin:{pattern.name}")
        for values in zip(*(rule.params[n] for n in names)):
            yield pattern.name, reverse(f"admin:{pattern.name}", kwargs=dict(zip(names, values)))


def allowed_on_model(kind: str, method: str, model: type[Model], role: str) -> bool:
    rule = RULES[label(model)]
    if kind == "changelist":
        return role in rule["view"]
    if kind == "add":
        return role in rule["add"]
    return role in CUSTOM[kind].allowed


@pytest.mark.parametrize("model_label", sorted(RULES))
def test_model_pages(client, cast, world, model_label):
    model = next(m for m in admin.site._registry if label(m) == model_label)
    run = Run(client, cast)
    for kind, url in model_urls(model, admin.site._registry[model]):
        for method in ("get", "post"):
            for role in ROLES:
                response = run.request(role, method, url)
                allowed = allowed_on_model(kind, method, model, role)
                judge(run, role, method, url, response, allowed=allowed)
                if allowed and kind in CUSTOM and response.status_code not in CUSTOM[kind].ok:
                    run.fail(role, method, url, response, f"one of {CUSTOM[kind].ok}")
                if kind == "agreements_agreement_export" and is_allowed(response) and role not in NOT_STAFF:
                    shown = exported_references(response)
                    expected = {f"M-{r}" for r in SCOPED_RELATIONS[:3] if sees(model_label, role, r)}
                    if shown != expected:
                        run.wrong.append(f"{url} as {role} exported {sorted(shown)}, expected {sorted(expected)}")
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)
    print(f"{model_label}: {run.checked} requests")


def exported_references(response) -> set[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        text = body.decode("utf-8-sig")
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        text = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
    return {word.strip('",;') for word in text.replace(",", " ").split() if word.strip('",;').startswith("M-")}


# --- Add forms: the agreement a new row is attached to --------------------------------------------

AGREEMENT_CHILDREN = [label(m) for m, ma in admin.site._registry.items()
                      if any(f.is_relation and f.related_model is Agreement for f in m._meta.fields)]


@pytest.mark.parametrize("model_label", AGREEMENT_CHILDREN)
def test_add_forms_take_only_agreements_the_user_keeps(client, cast, world, model_label):
    """The agreement choices of every add form (GET), and what a submitted form accepts (POST):
    a hidden agreement is refused with exactly the error of a missing one."""
    model = next(m for m in admin.site._registry if label(m) == model_label)
    run = Run(client, cast)
    url = reverse(f"admin:{info(model)}_add")
    agreements = world["agreements.agreement"]
    for role in ROLES:
        page = run.request(role, "get", url)
        if role in NOT_STAFF or role not in RULES[model_label]["add"]:
            judge(run, role, "get", url, page, allowed=False)
            continue
        form = page.context["adminform"].form
        offered = {relation for relation, pk in agreements.items() if pk in {a.pk for a in form.fields["agreement"].queryset}}
        kept = {relation for relation in agreements if relation != "missing" and keeps_record(role, relation)}
        if offered != kept:
            run.wrong.append(f"{url} as {role} offers {sorted(offered)}, expected {sorted(kept)}")
        errors = {}
        for relation, pk in sorted(agreements.items(), key=lambda item: item[0] != "missing"):
            response = run.request(role, "post", url, {"agreement": pk})
            errors[relation] = response.context["adminform"].form.errors.get("agreement") if response.context else None
            if relation in kept and errors[relation]:
                run.wrong.append(f"POST {url} as {role} refused the {relation} agreement: {errors[relation]}")
            elif relation not in kept and errors[relation] != errors["missing"]:
                run.wrong.append(f"POST {url} as {role} with the {relation} agreement: {errors[relation]}, "
                                 f"expected the error of a missing one ({errors['missing']})")
        if not errors["missing"]:
            run.wrong.append(f"POST {url} as {role} accepted an agreement that does not exist")
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)


@pytest.mark.parametrize("model_label", sorted({
    label(model) for model, model_admin in admin.site._registry.items()
    for holder in [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]
    for name in holder.autocomplete_fields if holder.model._meta.get_field(name).related_model is Agreement}))
def test_agreement_autocompletes_offer_what_the_form_accepts(client, cast, world, model_label):
    model = next(m for m in admin.site._registry if label(m) == model_label)
    run = Run(client, cast)
    agreements = world["agreements.agreement"]
    for role in ROLES:
        response = run.request(role, "get", reverse("admin:autocomplete"), {
            "term": "", "app_label": model._meta.app_label, "model_name": model._meta.model_name,
            "field_name": "agreement"})
        if role in NOT_STAFF:
            judge(run, role, "get", "autocomplete", response, allowed=False)
            continue
        found = {int(row["id"]) for row in response.json()["results"]} if response.status_code == 200 else set()
        kept = {pk for relation, pk in agreements.items() if keeps_record(role, relation)} & set(agreements.values())
        if found != kept - {MISSING}:
            run.wrong.append(f"autocomplete for {model_label} as {role}: {sorted(found)}, expected {sorted(kept)}")
    assert not run.wrong, "\n".join(run.wrong)


# --- Changelist actions on one selected object -------------------------------------------------------

def actions_of(model_admin, superuser) -> list[str]:
    request = RequestFactory().post("/")
    request.user = superuser
    return sorted(model_admin.get_actions(request))


@pytest.mark.parametrize("model_label", sorted(SCOPED))
def test_actions_on_a_hidden_object_answer_as_on_a_missing_one(client, cast, world, model_label):
    """Every action (delete, the workflow's transitions, exports, retry) with a hidden object
    selected answers exactly as with an id that does not exist: the admin acts on what its list
    shows, never on an id sent by hand."""
    model = next(m for m in admin.site._registry if label(m) == model_label)
    model_admin = admin.site._registry[model]
    run = Run(client, cast)
    url = reverse(f"admin:{info(model)}_changelist")
    for action in actions_of(model_admin, cast["superuser"]):
        for role in ROLES:
            def post(pk):
                return run.request(role, "post", url, {"action": action, ACTION_CHECKBOX_NAME: [pk], "index": 0})

            missing = post(MISSING)
            for relation, pk in world[model_label].items():
                if relation == "missing":
                    continue
                response = post(pk)
                if not sees(model_label, role, relation):
                    compare_hidden(run, role, "post", (f"{url} {action} {relation}", url), (response, missing),
                                   ({str(pk): "<id>"}, {str(MISSING): "<id>"}))
                elif role in NOT_STAFF:  # what each action does for those allowed: tests/test_admin.py
                    judge(run, role, "post", f"{url} {action}", response, allowed=False)
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)


# --- Inlines: rows of another agreement sent by hand ------------------------------------------------

def form_errors(response) -> tuple:
    """What an admin change form said about a submission: status, the form's and each inline's errors."""
    if response.status_code != 200:
        return response.status_code, response.get("Location")
    context = response.context
    return (200, dict(context["adminform"].form.errors),
            [(fs.formset.prefix, fs.formset.errors, list(fs.formset.non_form_errors()))
             for fs in context["inline_admin_formsets"]])


INLINES = [(label(model), inline.model) for model, model_admin in admin.site._registry.items()
           for inline in model_admin.inlines if label(model) in SCOPED]


@pytest.mark.parametrize("parent_label,child", INLINES, ids=[f"{p}-{c.__name__}" for p, c in INLINES])
def test_an_inline_row_of_a_hidden_agreement_is_refused_as_a_missing_one(client, cast, world, parent_label, child):
    """The internal agreement's change form, submitted with an inline row whose id is a row of the
    restricted agreements (or of none): never saved onto that row; the hidden row is refused with
    exactly the answer of a missing one."""
    parent = next(m for m in admin.site._registry if label(m) == parent_label)
    run = Run(client, cast)
    url = reverse(f"admin:{info(parent)}_change", args=[world[parent_label]["internal"]])
    fk = next(f.name for f in child._meta.fields if f.is_relation and f.related_model is parent)
    rows = {relation: child.objects.filter(**{f"{fk}_id": pk}).first()
            for relation, pk in world[parent_label].items() if relation != "missing"}
    for role in sorted(RECORDS):
        answers = {}
        for relation, row in [*rows.items(), ("missing", None)]:
            page = run.request(role, "get", url)  # the current version each time: a save bumps it
            data = form_data(page.content.decode(), f"{parent._meta.model_name}_form")
            prefix = next(fs.formset.prefix for fs in page.context["inline_admin_formsets"] if fs.formset.model is child)
            before = model_to_dict(row) if row else None
            sent = {**data, f"{prefix}-0-id": [str(row.pk if row else MISSING)]}
            answers[relation] = run.request(role, "post", url, sent)
            if row is not None and relation != "internal" and model_to_dict(child.objects.get(pk=row.pk)) != before:
                run.wrong.append(f"POST {url} as {role} changed the {relation} agreement's {child.__name__}")
        for relation in ("restricted_on", "restricted_off"):
            if form_errors(answers[relation]) != form_errors(answers["missing"]):
                run.wrong.append(f"POST {url} as {role} with a {relation} {child.__name__} row: "
                                 f"{form_errors(answers[relation])}, expected {form_errors(answers['missing'])}")
        if answers["internal"].status_code != 302:
            run.wrong.append(f"POST {url} as {role} with its own {child.__name__} row: {answers['internal'].status_code}")
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)


# --- Reverting from history: every version of every model, as every role ----------------------------

HISTORY_MODELS = sorted(label(m) for m, ma in admin.site._registry.items() if isinstance(ma, SimpleHistoryAdmin))


def snapshot(obj: Model) -> dict:
    state = model_to_dict(obj)
    for name in ("status", "version", "status_changed_at", "closure_requested_by"):
        if hasattr(obj, name):
            state[name] = getattr(obj, name)
    return {key: list(value) if isinstance(value, (list, tuple)) else value for key, value in state.items()}


@pytest.mark.parametrize("model_label", HISTORY_MODELS)
def test_no_role_can_revert_any_version_of_any_model(client, cast, world, manager, model_label):
    """Each historical version of each object, posted back as its history page renders it (what
    the revert button sent), by each role: nothing changes — not the status (the agreements have
    passed draft → signed → in progress), the version, the owner or the team — and nobody is told
    more than for an object that does not exist."""
    model = next(m for m in admin.site._registry if label(m) == model_label)
    run = Run(client, cast)
    for relation, pk in world[model_label].items():
        if relation == "missing":
            continue
        obj = model.objects.get(pk=pk)
        if model is not Agreement:  # a second version to go back to
            field_name = "title" if hasattr(obj, "title") else "role"
            setattr(obj, field_name, "Edited title" if field_name == "title" else "financier")
            obj._history_user = manager
            obj.save()
        versions = list(model.history.filter(**{model._meta.pk.attname: pk}).values_list("history_id", flat=True))
        assert len(versions) >= 2, f"{model_label} {relation} has one version only: nothing to revert to"
        for version in versions:
            url = reverse(f"admin:{info(model)}_simple_history", args=[pk, version])
            client.force_login(cast["superuser"])
            data = form_data(client.get(url).content.decode(), f"{model._meta.model_name}_form")
            missing_url = reverse(f"admin:{info(model)}_simple_history", args=[MISSING, MISSING])
            for role in ROLES:
                current = model.objects.get(pk=pk)
                before = snapshot(current)
                if "expected_version" in data:  # as an attacker would: the version check passes
                    data["expected_version"] = [str(current.version)]
                response = run.request(role, "post", url, data)
                if snapshot(model.objects.get(pk=pk)) != before:
                    run.wrong.append(f"POST {url} as {role} reverted {model_label} {pk} to version {version}")
                if sees(model_label, role, relation):
                    judge(run, role, "post", url, response, allowed=False)
                else:
                    missing = run.request(role, "post", missing_url, data)
                    compare_hidden(run, role, "post", (url, missing_url), (response, missing),
                                   ({str(pk): "<id>", str(version): "<id>"}, {str(MISSING): "<id>"}))
    assert not run.wrong, f"{len(run.wrong)} of {run.checked}:\n" + "\n".join(run.wrong)
    print(f"{model_label}: {run.checked} reverts tried")


@pytest.mark.parametrize("parent_label,child", INLINES, ids=[f"{p}-{c.__name__}" for p, c in INLINES])
def test_an_agreements_inline_rows_are_editable_only_by_who_keeps_its_record(client, cast, world, parent_label,
                                                                             child):
    """The child model's permission is not enough (an officer given the staff flag may change
    milestones): Django shows the inlines read-only when the parent is not theirs to change."""
    parent = next(m for m in admin.site._registry if label(m) == parent_label)
    run = Run(client, cast)
    for relation in ("internal", "restricted_on"):
        url = reverse(f"admin:{info(parent)}_change", args=[world[parent_label][relation]])
        for role in sorted(STAFF):
            page = run.request(role, "get", url)
            inline = next(fs for fs in page.context["inline_admin_formsets"] if fs.formset.model is child)
            editable = inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission
            if editable and not keeps_record(role, relation):
                run.wrong.append(f"{url} as {role}: {child.__name__} rows editable")
    assert not run.wrong, "\n".join(run.wrong)
