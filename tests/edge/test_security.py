"""Deploy checks, security headers, CSP-ready templates, lockout, session timeouts, 2FA."""
from __future__ import annotations

import datetime
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import TEST_PASSWORD
from tracker.edge.security import client_ip

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_with_zero_warnings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
               DJANGO_ALLOWED_HOSTS="tracker.example", SITE_URL="https://tracker.example")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- Headers -----------------------------------------------------------------------------

def assert_secure_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_security_headers_on_public_signed_in_and_admin_pages(client, data_entry, agreement):
    assert_secure_headers(client.get("/accounts/login/"))
    assert_secure_headers(client.get("/healthz"))
    client.force_login(data_entry)
    for path in ("/", "/agreements/", agreement.get_absolute_url(), "/admin/", "/admin/agreements/agreement/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)
        assert "no-store" in response.headers["Cache-Control"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
MARK_SAFE = re.compile(r"\|\s*safe\b|{%\s*autoescape\s+off")


@pytest.mark.parametrize("template", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html")))
def test_templates_are_ready_for_a_strict_csp(template):
    text = (ROOT / template).read_text()
    is_email = template.startswith("templates/emails/")  # mail clients need inline styles; no CSP there
    assert not INLINE_SCRIPT.search(text), "inline <script> (use a static file)"
    assert is_email or not INLINE_STYLE.search(text), "inline style (use the stylesheet)"
    assert not EVENT_HANDLER.search(text), "on*= handler (attach listeners in a static script)"
    if not is_email:
        for line in text.splitlines():
            if MARK_SAFE.search(line):
                assert "help_text" in line, f"|safe on possibly user text: {line.strip()}"


# --- Client address -------------------------------------------------------------------------

def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_one_proxy_only_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client put "6.6.6.6" in the header itself; our proxy appended the real address.
    assert client_ip(request_from("10.0.0.2", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request_from("10.0.0.2", "garbage")) == "10.0.0.2"


# --- Lockout ---------------------------------------------------------------------------------

def sign_in(client, username, password, ip="192.0.2.10"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_user_out_even_with_the_right_password(client, officer, caplog):
    with caplog.at_level(logging.WARNING, logger="tracker.security"):
        for _ in range(5):
            assert sign_in(client, officer.username, "wrong-password").status_code in (200, 429)
    response = sign_in(client, officer.username, TEST_PASSWORD, ip="192.0.2.99")
    assert response.status_code == 429
    assert "Sign-in temporarily locked" in response.content.decode()
    assert "sign-in failed username='owner_officer' ip=192.0.2.10" in caplog.text
    assert "locked out" in caplog.text


def test_one_address_trying_many_names_is_locked_out(client, officer, teammate):
    for n in range(5):
        sign_in(client, f"guess{n}", "wrong-password", ip="192.0.2.50")
    assert sign_in(client, officer.username, TEST_PASSWORD, ip="192.0.2.50").status_code == 429
    assert sign_in(client, teammate.username, TEST_PASSWORD, ip="192.0.2.51").status_code == 302


def test_successful_sign_in_goes_to_my_work(client, officer):
    response = sign_in(client, officer.username, TEST_PASSWORD)
    assert response.status_code == 302 and response.url == "/"


# --- Session timeouts --------------------------------------------------------------------------

START = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.timezone.utc)


def test_idle_session_expires_after_an_hour(client, officer):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.username, TEST_PASSWORD)
        clock.shift(datetime.timedelta(minutes=59))
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=61))
        response = client.get("/agreements/")
        assert response.status_code == 302 and response.url == "/accounts/login/?next=%2Fagreements%2F"
        assert client.get("/").status_code == 302


def test_session_ends_ten_hours_after_sign_in_even_when_active(client, officer):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.username, TEST_PASSWORD)
        for _ in range(19):  # active every half hour for nine and a half hours
            clock.shift(datetime.timedelta(minutes=30))
            assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        assert client.get("/").status_code == 302


# --- Two-factor sign-in --------------------------------------------------------------------------

@pytest.fixture
def require_2fa(settings):
    settings.TRACKER_REQUIRE_2FA = True


@time_machine.travel(START, tick=False)
def test_manager_must_enrol_then_verify_a_second_factor(client, manager, require_2fa):
    sign_in(client, manager.username, TEST_PASSWORD)
    wanted = "/agreements/?status=signed&pillar=connectivity"
    response = client.get(wanted)
    assert response.status_code == 302 and response.url.startswith("/accounts/2fa/verify/")
    response = client.get(response.url)  # no device yet: on to the set-up, the whole address kept
    assert response.url.startswith("/accounts/2fa/setup/")
    assert parse_qs(urlsplit(response.url).query)["next"] == [wanted]
    response = client.get(response.url)
    assert "Set up two-factor sign-in" in response.content.decode()
    device = TOTPDevice.objects.get(user=manager)
    assert "not valid" in client.post("/accounts/2fa/setup/", {"token": "000000"}).content.decode()
    with time_machine.travel(START + datetime.timedelta(seconds=5), tick=False):  # past the throttle
        response = client.post("/accounts/2fa/setup/?next=/agreements/", {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302 and response.url == "/agreements/"
    assert client.get("/agreements/").status_code == 200


def test_enrolled_manager_types_the_code_at_each_sign_in(client, manager, require_2fa):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, manager.username, TEST_PASSWORD)
        assert client.get("/admin/").url.startswith("/accounts/2fa/verify/")
        wrong = "123456" if f"{totp(device.bin_key):06d}" != "123456" else "654321"
        assert "That code is not valid" in client.post("/accounts/2fa/verify/", {"token": wrong}).content.decode()
        assert "Too many wrong codes" in client.post("/accounts/2fa/verify/", {"token": wrong}).content.decode()
        clock.shift(datetime.timedelta(seconds=5))
        response = client.post("/accounts/2fa/verify/", {"token": f"{totp(device.bin_key):06d}", "next": "/admin/"})
        assert response.url == "/admin/"
        assert client.get("/admin/").status_code == 200


def test_officers_sign_in_without_a_second_factor(client, officer, require_2fa):
    sign_in(client, officer.username, TEST_PASSWORD)
    assert client.get("/agreements/").status_code == 200


@time_machine.travel(START, tick=False)
def test_verify_page_never_redirects_off_site(client, manager, require_2fa):
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    sign_in(client, manager.username, TEST_PASSWORD)
    response = client.post("/accounts/2fa/verify/", {"token": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"})
    assert response.url == "/"


def test_refused_accesses_are_logged(client, other_officer, restricted, caplog):
    client.force_login(other_officer)
    with caplog.at_level(logging.WARNING, logger="tracker.security"):
        assert client.get(restricted.get_absolute_url()).status_code == 404
        assert client.get("/admin/").status_code == 302  # not staff: sent to the admin's sign-in
    assert f"refused: user=other_officer may not see agreement {{'reference': '{restricted.reference}'}}" in caplog.text


def test_session_endpoint_says_who_and_how_long(client, officer):
    assert client.get("/session").status_code == 302
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, officer.username, TEST_PASSWORD)
        clock.shift(datetime.timedelta(minutes=10))
        assert client.get("/session").json() == {"username": "owner_officer", "expires_in": 3000}
