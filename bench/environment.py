"""The environment the benchmark runs the app in: production settings, throw-away folders.

The same variables go to the in-process Django (query counts, jobs) and to gunicorn, so both
run what a ministry deployment runs — DEBUG off, manifest static files, a real secret key —
with three deliberate exceptions: no TLS proxy here (so no SSL redirect), password-only sign-in
(no TOTP device to type codes from), and nothing ever leaves the machine (mail kept in memory,
Celery messages to an in-memory broker), whatever the caller's shell has set; and import limits
large enough for the import step's files.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TRACKER_REQUIRE_2FA": "false",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(workdir / "static"),
        "TRACKER_VAR_DIR": str(workdir / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        # The 10,000 agreements of the import step come with ~42,000 milestones: above the
        # default per-file limits (20,000 rows, 10 MB), which a deployment raises the same way.
        "IMPORT_MAX_ROWS": "100000",
        "IMPORT_MAX_MB": "50",
    }


def setup_django(env: dict[str, str]) -> None:
    """Configure this process with `env` and start Django (once per process)."""
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    # Pages not built on this branch answer 404 and are reported as such in the table; one
    # log line per probe would only bury the figures.
    logging.getLogger("django.request").setLevel(logging.ERROR)


def start_collectstatic(env: dict[str, str]) -> subprocess.Popen:
    """The manifest storage of production needs it before any page renders. It takes seconds
    (hashing and compressing the admin's files), so it runs beside the seeding."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})


def wait_for(process: subprocess.Popen, what: str) -> None:
    if process.wait() != 0:
        raise RuntimeError(f"{what} failed (exit {process.returncode})")
