"""The cast every test can use, and helpers to build agreements in a given state."""
from __future__ import annotations

import functools
import importlib
import os
import shutil
import zoneinfo

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone, translation

from agreements import workflow
from agreements.models import ReminderPolicy, Status
from tests.factories import AgreementFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# every ORM call made from it (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
TEST_PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing service skips the test; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file, not this process's memory, so that a Celery worker or
    a web server started by a test shares it, as the processes of `make run` share db.sqlite3."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


def needs_postgres(reason: str) -> None:
    """For what SQLite cannot do by nature (row locks, PostgreSQL's own administration): the test
    skips on SQLite — with CI=true too, since CI runs it in its PostgreSQL pass (.ci/run), where
    EXPECT_DATABASE=postgresql makes sure the suite really is on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL: {reason} (set DATABASE_URL=postgres://...)")


@pytest.fixture
def require_postgres(db):
    needs_postgres("SQLite does not lock rows")


def pytest_sessionstart(session):
    """CI says which engine each pass must run on; a pass on the wrong one would skip or test the
    wrong thing without a word."""
    expected = os.environ.get("EXPECT_DATABASE")
    if expected:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1].replace("sqlite3", "sqlite")
        if engine != expected:
            raise pytest.UsageError(f"EXPECT_DATABASE={expected} but DATABASE_URL gives {engine}")


# The migration steps that write rows (not schema): add a new data migration here.
DATA_STEPS = [("0002_reference_data_and_roles", "seed"), ("0003_reminders", "grant"), ("0009_language_names", "fill_names"),
              ("0010_public_record", "grant"), ("0012_iati_calendars", "seed_sectors"),
              ("0017_stages_dependencies", "seed_stages"), ("0021_focal_points", "grant")]


@functools.cache
def data_migrations():
    """The data steps, with the historical model registry they were written for (built once)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    steps = [getattr(importlib.import_module(f"agreements.migrations.{name}"), func) for name, func in DATA_STEPS]
    return loader.project_state().apps, steps


@pytest.fixture(autouse=True)
def reference_data(request):
    """Transactional tests (threads, live server) end by flushing every table, the rows the data
    migrations made included (pillars, role groups and their permissions); put them back before
    each such test by running those steps again (they are idempotent). serialized_rollback would
    do this, but loses its data once Playwright's event loop runs."""
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        apps, steps = data_migrations()
        for step in steps:
            step(apps, None)


@pytest.fixture(autouse=True)
def english_between_tests():
    """Each test starts in the default language: a request of a Japanese or Russian user leaves its
    language active in the thread (LocaleMiddleware does not undo it), which made a later test's
    English labels Japanese depending on the order the tests ran in."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with empty caches: the dashboard's figures are kept under the user, filters
    and day, not the data version (agreements.reports.cache), and a flushed database gives the
    next test's users the same ids — a figure counted in one test must not be offered to the next."""
    for name in settings.CACHES:
        caches[name].clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs ~0.3 s per user; tests need none of it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- The cast ------------------------------------------------------------------------------

@pytest.fixture
def officer(db):
    return UserFactory(username="owner_officer", role="Officer")


@pytest.fixture
def teammate(db):
    return UserFactory(username="team_officer", role="Officer")


@pytest.fixture
def other_officer(db):
    return UserFactory(username="other_officer", role="Officer")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager_one", role="Manager", is_staff=True)


@pytest.fixture
def second_manager(db):
    return UserFactory(username="manager_two", role="Manager", is_staff=True)


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer_one", role="Viewer")


@pytest.fixture
def data_entry(db):
    return UserFactory(username="data_entry_one", role="Data entry", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def agreement(officer, teammate):
    """A draft agreement owned by `officer`, with `teammate` on the team and two parties."""
    agreement = AgreementFactory(owner=officer)
    agreement.team.add(teammate)
    return agreement


@pytest.fixture
def restricted(officer, teammate):
    agreement = AgreementFactory(owner=officer, confidentiality="restricted")
    agreement.team.add(teammate)
    return agreement


PATH = {
    Status.SIGNED: [Status.SIGNED],
    Status.IN_PROGRESS: [Status.SIGNED, Status.IN_PROGRESS],
    Status.ON_HOLD: [Status.SIGNED, Status.IN_PROGRESS, Status.ON_HOLD],
    Status.PENDING_CLOSURE: [Status.SIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSURE],
    Status.COMPLETED: [Status.SIGNED, Status.IN_PROGRESS, Status.PENDING_CLOSURE, Status.COMPLETED],
    Status.TERMINATED: [Status.SIGNED, Status.TERMINATED],
}


@pytest.fixture
def move_to(manager, second_manager):
    """move_to(agreement, status): walk the workflow there (manager requests, second approves)."""

    def move(agreement, status):
        for step in PATH.get(status, []):
            by = second_manager if step == Status.COMPLETED else manager
            workflow.transition(agreement, step, by=by, comment="test")
        return agreement

    return move


# --- Browser tests (Playwright driving Debian's Chromium) --------------------------------
# Mark them `browser` and use `live_page`; they run against pytest-django's live server in a
# transactional database (`reference_data` restores pillars and groups). Screenshots of
# failures land in test-artifacts/.

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium; `make test` does it as root)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


@pytest.fixture
def live_page(page, live_server):
    """A Playwright page with `.url(path)` and `.sign_in(user)` helpers for the live server."""
    page.set_default_timeout(15_000)

    def url(path: str) -> str:
        return f"{live_server.url}{path}"

    def sign_in(user, password: str = TEST_PASSWORD) -> None:
        page.goto(url("/accounts/login/"))
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url("/"))

    page.url_for = url
    page.sign_in = sign_in
    return page


# --- Bulk import ----------------------------------------------------------------------------

@pytest.fixture
def import_orgs(db):
    """The two organizations tests.imports.import_files.row() names as parties."""
    from tests.factories import OrganizationFactory
    from tests.imports.import_files import JAPAN, KAZAKHSTAN

    return [OrganizationFactory(name=JAPAN, country="JP"), OrganizationFactory(name=KAZAKHSTAN, country="KZ")]


# --- Uploaded documents ------------------------------------------------------------------------

@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded documents go to a temporary folder, never the developer's var/documents."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# --- Reminders: a real SMTP server (tests.services.Inbox) and Celery in eager mode -----------

@pytest.fixture
def smtp_server():
    from tests.services import Inbox

    inbox = Inbox().start()
    yield inbox
    inbox.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """Django sends through the real SMTP server above (not the test outbox)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp_server.port, 5
    return smtp_server


@pytest.fixture
def celery_eager():
    """Tasks run in the calling process, at once (units; the integration tests use a real worker)."""
    from tracker.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def morning_policy(db):
    """Reminders due at any hour (the worker tests run in real time), the digest today in Tokyo."""
    weekday = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).weekday()
    return ReminderPolicy.objects.create(local_hour=0, digest_weekday=weekday)
