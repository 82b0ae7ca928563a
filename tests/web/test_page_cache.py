"""The page cache (agreements/web/page_cache.py): a repeat view of My work, the list or the
agreement page comes from the cache, and is always the page a fresh render would give — after a
write anywhere it shows, for another person, in another language, with its forms still posting and
its messages still shown."""
from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.actions import milestones
from agreements.actions.documents import store_document
from agreements.actions.progress import record_progress
from agreements.models import ProgressUpdate, Status, User
from tests.conftest import PDF_BYTES
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory
from tests.reports.test_reports_cache import tables_read, tables_with_trigger
from tests.web.test_notifications import notify
from tests.web.test_query_count_views import enrich

committed = pytest.mark.django_db(transaction=True)  # the cache is only used outside a transaction
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def working(agreement, move_to):
    move_to(agreement, Status.IN_PROGRESS)
    MilestoneFactory(agreement=agreement, owner=agreement.owner, title="Feasibility study",
                     due_on=timezone.localdate() - datetime.timedelta(days=3))
    return agreement


def view(client, path: str, **extra) -> tuple[str, int]:
    """The page as the person reads it (tokens left out: each view has fresh ones), and its queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200, response.status_code
    return TOKEN.sub("", response.content.decode()), len(queries)


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


@committed
@pytest.mark.parametrize("path", ["/", "/agreements/", "/agreements/?pillar=green-resilience&status=in_progress",
                                  "agreement"])
def test_a_second_view_comes_from_the_cache_and_reads_the_same(working, officer, path):
    path = working.get_absolute_url() if path == "agreement" else path
    client = signed_in(officer)
    first, rendered = view(client, path)
    again, cached = view(client, path)
    assert again == first
    assert cached <= 4 < rendered, (rendered, cached)  # session, user, data version


@committed
def test_the_dashboards_repeat_view_comes_from_the_cache_and_another_persons_write_on_count_again(working, officer, manager):
    first, rendered = view(signed_in(manager), "/reports/")
    client = signed_in(manager)
    again, cached = view(client, "/reports/")
    assert again == first and cached <= 4 < rendered, (rendered, cached)
    assert "Customs delay at Dostyk" not in again
    record_progress(working, by=officer, percent_complete=30, health="at_risk", summary="Customs delay at Dostyk")
    # Someone else's write: the page is not replayed, its figures may wait (REPORTS_STALE_SECONDS) and it says so.
    behind = client.get("/reports/")
    assert behind.context["dash"].headline["at_risk"].count == 0 and "Count again" in behind.content.decode()
    fresh = client.get("/reports/?fresh=1")
    assert fresh.context["dash"].headline["at_risk"].count == 1 and "Count again" not in fresh.content.decode()


@committed
def test_every_write_the_page_shows_is_on_the_next_view(working, officer, private_media):
    client, path = signed_in(officer), working.get_absolute_url()
    view(client, path)
    record_progress(working, by=officer, percent_complete=30, health="at_risk", summary="Customs delay at Dostyk")
    assert "Customs delay at Dostyk" in view(client, path)[0]

    milestone = working.milestones.get(title="Feasibility study")
    working.refresh_from_db()
    milestones.complete_milestone(milestone, by=officer, done_on=timezone.localdate(), evidence="Report filed",
                                  expected_version=working.version)
    assert "Report filed" in view(client, path)[0]

    store_document(working, SimpleUploadedFile("minutes.pdf", PDF_BYTES), title="Signed minutes", by=officer)
    assert "Signed minutes" in view(client, path)[0]

    badge = re.compile(r'header-bell__count">(\d+)')
    assert not badge.search(view(client, "/agreements/")[0])
    notify(officer, working)  # the reminder sweep's write: the header's badge counts it
    assert badge.search(view(client, "/agreements/")[0]).group(1) == "1"


@committed
def test_another_person_never_gets_the_first_persons_page(officer, viewer):
    secret = AgreementFactory(owner=officer, confidentiality="restricted", title="Rare earths offtake")
    assert "Rare earths offtake" in view(signed_in(officer), "/agreements/")[0]
    assert "Rare earths offtake" not in view(signed_in(viewer), "/agreements/")[0]
    assert signed_in(officer).get(secret.get_absolute_url()).status_code == 200
    assert signed_in(viewer).get(secret.get_absolute_url()).status_code == 404


@committed
def test_another_language_is_another_page(officer):
    client = signed_in(officer)
    User.objects.filter(pk=officer.pk).update(language="")  # the browser's language, until the person chooses
    assert "My work" in view(client, "/", HTTP_ACCEPT_LANGUAGE="en")[0]
    japanese = view(client, "/", HTTP_ACCEPT_LANGUAGE="ja")[0]
    assert "My work" not in japanese and 'lang="ja"' in japanese
    assert 'lang="en"' in view(client, "/", HTTP_ACCEPT_LANGUAGE="en")[0]


@committed
def test_a_form_on_a_cached_page_posts_and_its_token_is_this_sessions(working, officer):
    path = working.get_absolute_url()
    first = signed_in(officer, enforce_csrf_checks=True)
    view(first, path)
    other = signed_in(officer, enforce_csrf_checks=True)  # another browser of the same person
    response = other.get(path)
    assert "csrftoken" in response.cookies  # set on a page from the cache as on a rendered one
    theirs = TOKEN.findall(response.content.decode())
    mine = TOKEN.findall(first.get(path).content.decode())
    assert theirs and mine and not set(theirs) & set(mine)
    progress = f"{path}progress/"
    data = {"percent_complete": 20, "health": "off_track", "summary": "Kick-off held", "health_reason": "Late start"}
    assert other.post(progress, {**data, "csrfmiddlewaretoken": mine[0]}).status_code == 403
    assert first.post(progress, {**data, "csrfmiddlewaretoken": mine[0]}).status_code == 302
    assert ProgressUpdate.objects.filter(agreement=working, summary="Kick-off held").exists()


@committed
def test_messages_are_shown_and_such_a_page_is_not_kept(manager):
    client = signed_in(manager)
    view(client, "/agreements/")
    # A refused bulk action writes nothing (same data version) and leaves a message for the list.
    client.post("/agreements/bulk/", {"do": "reassign"})
    shown, rendered = view(client, "/agreements/")
    assert 'class="message message--error"' in shown
    after, cached = view(client, "/agreements/")
    assert 'class="message' not in after and cached < rendered


@committed
def test_zero_seconds_switches_it_off(officer, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = signed_in(officer)
    assert view(client, "/agreements/")[1] == view(client, "/agreements/")[1] > 4


def test_inside_a_transaction_nothing_is_cached(officer, db):
    """There the data version cannot yet show the transaction's own writes."""
    AgreementFactory(owner=officer)
    client = signed_in(officer)
    assert view(client, "/agreements/")[1] == view(client, "/agreements/")[1] > 4


def test_every_table_the_pages_read_changes_the_data_version(working, officer, manager, viewer, data_entry,
                                                             private_media, db):
    """A table these pages read without its trigger would let a cached page outlive a change:
    add it to agreements.data_version.TABLES."""
    enrich(working, 2, officer, manager, private_media)
    notify(officer, working)
    paths = ["/", "/agreements/", "/agreements/?q=Survey&owner=me&overdue=1&focus_area=energy&quality=no_owner",
             working.get_absolute_url(), working.get_absolute_url() + "?timeline=all"]
    read = set()
    for user in (officer, manager, viewer, data_entry, UserFactory(role="Officer")):
        client = signed_in(user)
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                client.get(path)
            read |= tables_read(queries)
    assert {"agreements_historicalmilestone", "agreements_notification"} <= read  # the capture works
    watched = tables_with_trigger()
    unshown = {table for table in read if table == "django_session" or table.startswith("otp_")}
    assert read - watched - unshown == set()
