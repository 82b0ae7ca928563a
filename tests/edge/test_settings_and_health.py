"""Production settings refuse to start unsafely; /healthz answers JSON."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG = "x" * 20 + "-a-long-random-production-secret-key-for-tests-" + "y" * 10


def settings_probe(**env) -> subprocess.CompletedProcess:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tracker.settings'; django.setup();"
            "from django.conf import settings as s;"
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT,"
            " s.SECURE_PROXY_SSL_HEADER)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)


def test_debug_off_without_secret_key_refuses_to_start():
    result = settings_probe(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_off_with_weak_secret_key_refuses_to_start():
    result = settings_probe(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_debug_off_turns_on_production_protections():
    result = settings_probe(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=STRONG, DJANGO_ALLOWED_HOSTS="tracker.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:5] == ["False", "True", "True", "31536000", "True"]
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"
    assert client.head("/healthz").status_code == 200  # load balancers often probe with HEAD


def test_pages_need_sign_in_but_healthz_and_login_do_not(client, db):
    assert client.get("/").status_code == 302
    assert client.get("/agreements/").url.startswith("/accounts/login/")
    assert client.get("/accounts/login/").status_code == 200
