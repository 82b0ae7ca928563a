"""Fuzzed query strings: the list, the reports, the exports and the admin's agreement list take
any bytes in any of their parameters and answer with a page (a wrong value is ignored and named)
or a 400 saying which filter is wrong — never a 500.

The parameter names come from the code, not from a list written here: every filter of
`AgreementFilter.base_filters` (range filters under their `_after` / `_before` names), plus
`page`; the admin's from its own list filters. A filter added tomorrow is fuzzed tomorrow.
"""
from __future__ import annotations

import datetime

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import given, strategies as st

from agreements.filters import AgreementFilter
from agreements.models import Agreement, Document, Status
from tests.factories import MilestoneFactory, ProgressUpdateFactory
from tests.fuzz.fuzzing import fuzz_settings, judge, query, rolled_back, urlencoded

DATES = ["2025-12-19", "2026-01-31", "2024-02-29"]


def plausible(field: forms.Field) -> list[str]:
    """Values a real link could carry for this field."""
    if isinstance(field, (forms.DateField, forms.MultiValueField)):
        return DATES
    if isinstance(field, forms.NullBooleanField):
        return ["true", "false", "1", "off"]
    if isinstance(field, forms.DecimalField):
        return ["0", "14", "30", "3660"]
    if isinstance(field, forms.ChoiceField):
        return [str(key) for key, _label in field.choices if key not in ("", None)][:12]
    return ["me", "owner_officer", "Tokyo", "JPY", "T-0"]


def list_parameters() -> dict[str, list[str]]:
    """Every query parameter of the agreement list, derived from AgreementFilter's fields."""
    params = {}
    for name, field in AgreementFilter().form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        for param in [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]:
            params[param] = plausible(field)
    params["page"] = ["1", "2", "last", "0", "-1", "99999"]
    return params


def test_the_parameters_come_from_the_filterset(db):
    params = list_parameters()
    assert set(AgreementFilter.base_filters) - {"milestone_due", "milestone_done", "status_changed",
                                                "progress_posted"} < set(params)
    assert {"milestone_due_after", "status_changed_before", "sort", "page", "q", "signed_after"} <= set(params)
    assert "-signed_on" in params["sort"] and "green-resilience" in params["pillar"]


@pytest.fixture
def summit(db, officer, teammate, manager, move_to, private_media):
    """A few agreements in various states with milestones, updates and a document."""
    from tests.factories import AgreementFactory

    rows = [AgreementFactory(owner=officer, currency="JPY", value=1000) for _ in range(4)]
    rows[0].team.add(teammate)
    move_to(rows[0], Status.IN_PROGRESS)
    move_to(rows[1], Status.SIGNED)
    for index, row in enumerate(rows):
        MilestoneFactory(agreement=row, due_on=datetime.date(2025, 12, 1) + datetime.timedelta(days=60 * index))
    ProgressUpdateFactory(agreement=rows[0], health="at_risk")
    Document.objects.create(agreement=rows[0], title="Text", original_name="a.pdf", content_type="application/pdf",
                            size=4, file="x.pdf")
    return rows


GET_ENDPOINTS = {
    # URL → statuses a person may get: the list and reports ignore a wrong value (and say so);
    # an export refuses it (400) so a file never silently holds more than was asked for.
    "/agreements/": (200,),
    "/reports/": (200,),
    "/agreements/export.csv": (200, 400),
    "/agreements/export.xlsx": (200, 400),
    "/agreements/milestones.csv": (200, 400),
    "/notifications/": (200,),  # `show` and `page`: anything else is the whole list, or its last page
    "/admin/agreements/agreement/export/csv/": (200, 400),  # the same export, behind the admin
}


def expecting(allowed: tuple[int, ...], sent: list[tuple[bytes, bytes]]) -> tuple[int, ...]:
    """An address holding a NUL character is refused before any view (tracker.edge.bad_requests)."""
    return (400,) if any(b"\x00" in key + value for key, value in sent) else allowed


# Dates are days in the user's zone: the extremes of the calendar meet the extremes of the zones.
ZONES = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Tashkent"]


def in_zone(user, zone: str) -> None:
    user.time_zone = zone
    user.save(update_fields=["time_zone"])


@pytest.mark.parametrize("path", sorted(GET_ENDPOINTS))
def test_fuzzed_filters_never_break_a_page(client, summit, manager, path):
    client.force_login(manager)
    examples = 150 if path in ("/agreements/", "/reports/") else 40

    @fuzz_settings(examples)
    @given(zone=st.sampled_from(ZONES), sent=query(list_parameters()))
    def probe(zone, sent):
        def run():
            in_zone(manager, zone)
            judge(f"GET {path}", client.get(f"{path}?{urlencoded(sent)}"), expecting(GET_ENDPOINTS[path], sent))
        rolled_back(run)

    probe()


def test_fuzzed_filters_as_an_officer_and_a_viewer(client, summit, officer, viewer):
    """`me`, the owner filters and the reports' refusal depend on who asks."""
    @fuzz_settings(60)
    @given(who=st.sampled_from([officer, viewer]), path=st.sampled_from(["/agreements/", "/reports/"]),
           sent=query(list_parameters()))
    def probe(who, path, sent):
        client.force_login(who)
        allowed = expecting((403,) if path == "/reports/" and who == officer else (200,), sent)
        rolled_back(lambda: judge(f"GET {path}", client.get(f"{path}?{urlencoded(sent)}"), allowed))

    probe()


def admin_list_parameters(model_admin, user) -> dict[str, list[str]]:
    """An admin list's parameters: search, order, page, date drill-down and every list
    filter's own parameters, as the admin itself reports them."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    params = {"q": ["CAJ", "Tokyo"], "o": ["1", "-2", "3.-1", "9"], "p": ["1", "2", "0"], "all": [""], "e": ["1"]}
    if model_admin.date_hierarchy:
        for part, valid in (("year", ["2025", "9999", "1"]), ("month", ["12", "2"]), ("day", ["31", "29"])):
            params[f"{model_admin.date_hierarchy}__{part}"] = valid
    for spec in changelist.filter_specs:
        for name in spec.expected_parameters():
            params[name] = ["1", "JP", "yes", "in_progress", "restricted", "mou", "2025-12-19"]
    return params


ADMIN_LISTS = sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry)


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning")
@pytest.mark.parametrize("label", ADMIN_LISTS)
def test_fuzzed_admin_list_parameters(client, summit, superuser, label):
    """Every admin list of every registered model, with its own filters (the admin answers a
    lookup it cannot use with a redirect to `?e=1` and its own message)."""
    model_admin = next(m for model, m in admin.site._registry.items()
                       if f"{model._meta.app_label}.{model._meta.model_name}" == label)
    names = admin_list_parameters(model_admin, superuser)
    path = f"/admin/{label.replace('.', '/')}/"
    client.force_login(superuser)

    @fuzz_settings(60 if label == "agreements.agreement" else 15)
    @given(zone=st.sampled_from(ZONES), sent=query(names))
    def probe(zone, sent):
        def run():
            in_zone(superuser, zone)
            judge(f"GET {path}", client.get(f"{path}?{urlencoded(sent)}"), expecting((200, 302), sent))
        rolled_back(run)

    probe()


def test_the_admin_lists_offer_their_filters(summit, superuser):
    names = admin_list_parameters(admin.site._registry[Agreement], superuser)
    assert {"country", "status__exact", "owner__id__exact", "signed_on__year", "q", "o"} <= set(names)


def test_fuzzed_agreement_page_parameters(client, summit, manager):
    client.force_login(manager)
    path = f"/agreements/{summit[0].reference}/"

    @fuzz_settings(20)
    @given(sent=query({"timeline": ["all", ""]}))
    def probe(sent):
        rolled_back(lambda: judge(f"GET {path}", client.get(f"{path}?{urlencoded(sent)}"), expecting((200,), sent)))

    probe()


# --- Path segments: references, ids and target statuses in the URL ----------------------------

def app_paths() -> dict[str, list[str]]:
    """Every app URL with path parameters, as a template with `{name}` per parameter."""
    from django.urls import URLPattern, get_resolver

    templates = {}
    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", [pattern]):
            if isinstance(inner, URLPattern) and inner.pattern.converters and inner.name:
                route = str(pattern.pattern) + str(inner.pattern) if inner is not pattern else str(inner.pattern)
                templates[inner.name] = route
    return templates


HOSTILE_SEGMENT = st.one_of(query({"x": []}).map(lambda pairs: pairs[0][1] if pairs else b""),
                            st.sampled_from([b"..", b"%2e%2e", b"\x00", b" ", b"T-00001;DROP"]))


def segments(summit) -> dict[str, st.SearchStrategy[bytes]]:
    """Per path parameter: a real value (so the rest of the URL is reached) or a hostile one."""
    milestone = summit[0].milestones.first()
    real = {
        "reference": [a.reference for a in summit],
        "pk": [str(milestone.pk), str(summit[0].documents.first().pk)],
        "to": ["on_hold", "pending_closure", "in_progress", "draft"],
    }
    huge_ids = st.integers(min_value=0).map(lambda n: str(n).encode())
    return {name: st.one_of(st.sampled_from([v.encode() for v in values]),
                            huge_ids if name == "pk" else HOSTILE_SEGMENT) for name, values in real.items()}


def test_every_path_parameter_is_fuzzed():
    assert {"agreement-detail", "agreement-transition", "milestone-edit", "document-download"} <= set(app_paths())


def test_fuzzed_path_segments(client, summit, manager):
    import re
    import urllib.parse

    client.force_login(manager)
    templates, choices = app_paths(), segments(summit)

    @fuzz_settings(150)
    @given(name=st.sampled_from(sorted(templates)), method=st.sampled_from(["get", "post"]), data=st.data())
    def probe(name, method, data):
        def segment(match):
            strategy = choices.get(match.group(2), HOSTILE_SEGMENT)
            raw = data.draw(strategy.filter(lambda b: b"/" not in b and b != b""))
            if match.group(1) == "int" and not raw.isdigit():
                raw = str(data.draw(st.integers(min_value=0))).encode()  # the int converter takes digits only
            return urllib.parse.quote_from_bytes(raw, safe="")
        path = "/" + re.sub(r"<(\w+):(\w+)>", segment, templates[name])
        # 404 unknown, 405 wrong method, 400 refused (NUL), 403 not theirs, a page or a form's answer;
        # the API also answers 415 (a form post, not JSON) and 428 (a write without If-Match).
        api = (415, 428) if templates[name].startswith("api/") else ()
        rolled_back(lambda: judge(f"{method.upper()} <{name} path>", getattr(client, method)(path),
                                  (200, 302, 400, 403, 404, 405, *api)))

    probe()


# --- `next`: where sign-in pages send people afterwards ----------------------------------------

NEXT_PAGES = {"/accounts/login/": None, "/accounts/2fa/verify/": "manager", "/accounts/2fa/setup/": "officer"}


def test_fuzzed_next_parameters_never_leave_the_site(client, summit, officer, manager):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    people = {"manager": manager, "officer": officer}

    @fuzz_settings(30)
    @given(path=st.sampled_from(sorted(NEXT_PAGES)),
           sent=query({"next": ["/agreements/", "//evil.example/", "https://evil.example/", "/\\evil.example",
                                "javascript:alert(1)"]}))
    def probe(path, sent):
        def run():
            client.logout()
            if NEXT_PAGES[path]:
                client.force_login(people[NEXT_PAGES[path]])
            response = client.get(f"{path}?{urlencoded(sent)}")
            judge(f"GET {path}", response, expecting((200, 302), sent))
            if response.status_code == 302:
                assert url_has_allowed_host_and_scheme(response.url, {"testserver"}), response.url
        rolled_back(run)

    probe()
