"""Real services for the integration tests, started as child processes and always stopped.

- `Inbox`: a real SMTP server (aiosmtpd) on a free port, keeping what it accepted;
- `Worker` / `Cluster`: Celery workers on a Redis broker (a private key prefix per run);
- `RedisServer`: a redis-server of our own on a free port, to stop and restart at will
  (never the machine's shared Redis: other test runs use it at the same time);
- `WebServer`: the app under gunicorn with production settings (DEBUG off) on the test
  database, and `Browser`, a signed-in HTTP client for it.

Every process runs in its own process group, so stopping it takes its children along.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from django.db import connection

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition, timeout: float = 30, what: str = "condition", interval: float = 0.1):
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def database_url(application_name: str = "") -> str:
    """The test database as a URL for child processes (on SQLite, its file: see conftest); on
    PostgreSQL `application_name` tags their connections so a test can find them in pg_stat_activity."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"{url}?application_name={application_name}" if application_name else url


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL, timeout: float = 10) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


# --- Mail ------------------------------------------------------------------------------------

class Inbox:
    """A real SMTP server (aiosmtpd) on a free local port, keeping the messages it accepted.

    `refuse` holds addresses answered 550 (permanent), `busy` makes DATA answer 451
    (temporary), `delay` holds each message before accepting it. A message whose client
    vanishes during that delay is never accepted (aiosmtpd cancels the handler), like a real
    mail server that never said 250. `hold_quit` holds the answer to QUIT, i.e. after the
    message was accepted (`quitting` is set when a QUIT arrives)."""

    def __init__(self) -> None:
        import threading

        self.messages: list = []
        self.refuse: set[str] = set()
        self.busy = False
        self.delay = 0.0
        self.receiving = threading.Event()
        self.hold_quit = 0.0
        self.quitting = threading.Event()
        self._lock = threading.Lock()
        self.controller = None
        self.port = free_port()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email
        import email.policy

        self.receiving.set()
        if self.busy:
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 2.0.0 Accepted"

    async def handle_QUIT(self, server, session, envelope):
        import asyncio

        self.quitting.set()
        if self.hold_quit:
            await asyncio.sleep(self.hold_quit)
        return "221 Bye"

    def start(self) -> "Inbox":
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def snapshot(self) -> list:
        with self._lock:
            return list(self.messages)

    def to(self, address: str) -> list:
        return [m for m in self.snapshot() if m["To"] == address]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Celery ----------------------------------------------------------------------------------

class Worker:
    """`celery -A tracker worker` as a child process in its own process group."""

    def __init__(self, env: dict[str, str], concurrency: int) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "tracker", "worker", "--loglevel", "INFO",
                "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"]
        self.ready = threading.Event()
        self.log: list[str] = []
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60):
            self.stop()
            raise AssertionError("the worker did not start:\n" + "".join(self.log[-40:]))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line)
            if " ready." in line:
                self.ready.set()

    def finished(self, task_id: str) -> bool:
        """Has this worker logged the end (success or failure) of task `task_id`?"""
        return any(f"[{task_id}]" in line and (" succeeded " in line or " raised " in line) for line in self.log)

    def connections(self) -> int:
        """How many times this worker has connected to the broker (reconnections included)."""
        return sum(1 for line in self.log if "Connected to " in line)

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children): no cleanup at all."""
        kill_group(self.process)

    def stop(self) -> None:
        """At the end of a test nothing is in flight any more: no need to wait for a warm shutdown."""
        if self.process.poll() is None:
            self.kill()


class Cluster:
    """Workers on a private slice of a Redis broker, and a way to publish tasks to them."""

    def __init__(self, smtp_port: int, broker_url: str) -> None:
        self.broker_url = broker_url
        self.prefix = f"tracker-test-{uuid.uuid4().hex[:12]}:"
        self.workers: list[Worker] = []
        self.env = {
            **os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": database_url(), "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker_url, "CELERY_REDIS_KEY_PREFIX": self.prefix,
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_TIMEOUT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "SITE_URL": "https://tracker.test",
            # Seconds instead of minutes, so that recovery happens within the test.
            "REMINDER_CLAIM_SECONDS": "3", "REMINDER_REDISPATCH_SECONDS": "2",
            "REMINDER_RETRY_BASE_SECONDS": "1", "REMINDER_RETRY_MAX_SECONDS": "2", "REMINDER_MAX_ATTEMPTS": "100",
        }

    def start_worker(self, concurrency: int = 2) -> Worker:
        worker = Worker(self.env, concurrency)
        self.workers.append(worker)
        return worker

    def supervise_after_outage(self, timeout: float = 30) -> int:
        """What systemd's `Restart=always` does for a deployment (README, "Deploying"), once the
        broker is back: wait until the last worker has either reconnected or exited, and start
        it again if it exited. Returns how many workers it started (0 or 1)."""
        worker = self.workers[-1]
        wait_until(lambda: worker.process.poll() is not None or worker.connections() >= 2, timeout,
                   "the worker to reconnect or exit")
        if worker.process.poll() is None:
            return 0
        self.start_worker()
        return 1

    def publish(self, task) -> str:
        """Send `task` to the workers (what beat does on schedule); returns the task id."""
        from tracker.celery import app

        options = {"global_keyprefix": self.prefix, "visibility_timeout": 3600}
        with app.connection_for_write(self.broker_url, transport_options=options) as conn:
            return task.apply_async(connection=conn).id

    def run(self, task, timeout: float = 30) -> None:
        """Publish `task` and wait until a worker has finished it (instead of sleeping)."""
        task_id = self.publish(task)
        try:
            wait_until(lambda: any(w.finished(task_id) for w in self.workers), timeout, f"{task.name} to finish")
        except AssertionError as error:
            raise AssertionError(f"{error}; the last worker's log:\n{''.join(self.workers[-1].log[-30:])}") from None

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        import redis

        try:
            client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=2)
            keys = list(client.scan_iter(match=self.prefix + "*"))
            if keys:
                client.delete(*keys)
        except redis.ConnectionError:
            pass  # a private Redis server already stopped: nothing left to clean


# --- Redis ----------------------------------------------------------------------------------

class RedisServer:
    """A redis-server of our own (nothing on disk), to kill and restart on the same port."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            skip_or_fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--protected-mode", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: what a crash or an out-of-memory kill does; everything it held is gone."""
        if self.process is not None:
            kill_group(self.process)
            self.process = None


# --- The web app ----------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class WebServer:
    """The app under gunicorn as deployed (DEBUG off, persistent database connections with
    health checks), serving the test database; its connections carry `application_name`."""

    def __init__(self, log_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.secret_key = secrets.token_urlsafe(50)
        self.application_name = f"fault-web-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": self.secret_key, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
               "SECURE_SSL_REDIRECT": "false", "TRACKER_REQUIRE_2FA": "false", "STATIC_MANIFEST": "false",
               "DATABASE_URL": database_url(self.application_name), "DATABASE_CONN_MAX_AGE": "60",
               "CELERY_BROKER_URL": "memory://", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
               "TRACKER_VAR_DIR": str(log_dir / "var"), "LOG_LEVEL": "WARNING", **(env or {})}
        argv = [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "2"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            wait_until(self._answers, 60, f"gunicorn on port {self.port}\n{self.log()}", interval=0.2)
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
        try:
            return Browser(self.port).get("/healthz")[0] in (200, 503)
        except OSError:
            return False

    def health(self) -> tuple[int, dict]:
        status, body = Browser(self.port, timeout=10).get("/healthz")
        return status, json.loads(body)

    def log(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-40:])
        except OSError:
            return "(no log)"

    def browser(self, user, settings) -> Browser:
        """A client signed in as `user`: a session made here (signed with the server's key, hence
        `settings`) is as good as one from the login form, without its password hashing."""
        from django.test import Client

        settings.SECRET_KEY = self.secret_key
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        browser = Browser(self.port, cookies={"sessionid": client.cookies["sessionid"].value})
        status, page = browser.get("/")
        assert status == 200, f"signed-in home page answered {status}"
        browser.token = CSRF_FIELD.search(page).group(1)
        return browser

    def backends(self, **where) -> list[dict]:
        """This server's PostgreSQL connections (pg_stat_activity rows)."""
        conditions = "".join(f" AND {column} = %s" for column in where)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, state, wait_event_type, backend_xid::text FROM pg_stat_activity "
                           "WHERE application_name = %s" + conditions, [self.application_name, *where.values()])
            return [dict(zip(("pid", "state", "wait_event_type", "xid"), row)) for row in cursor.fetchall()]

    def __enter__(self) -> "WebServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """The test is over and nothing is in flight: no graceful shutdown to wait for (gunicorn
        takes seconds), and the database sees the connections close at once."""
        if self.process.poll() is None:
            kill_group(self.process)


class Browser:
    """Plain HTTP to the server, cookies kept by hand (the production cookies are `Secure` and
    this is the loopback, standing in for the TLS proxy). One connection per request, no retry:
    a request is sent exactly once, whatever happens to it."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.cookies = dict(cookies or {})
        self.token = ""

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> tuple[int, str]:
        return self.request("POST", path, {"csrfmiddlewaretoken": self.token, **form})

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                body = urlencode(form, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for line in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            conn.close()
