"""A small HTTP client for the latency run: one connection reused while the server keeps it
open, cookies kept by hand, sign-in through the real login form.

Why by hand: the production settings mark the session and CSRF cookies `Secure`, and here
gunicorn is reached over plain HTTP on the loopback (standing in for the TLS proxy), so a
standards-following cookie jar would never send them back. Gunicorn's sync workers close the
connection after each response; the client then reconnects, and the loopback connect is part
of every page's time, the floor's included.
"""
from __future__ import annotations

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignInFailed(RuntimeError):
    pass


class WebClient:
    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, bytes]:
        """Send one request (reconnecting once if the server dropped an idle connection)."""
        for attempt in (1, 2):
            try:
                return self._send(method, path, form)
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def timed_get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        status, _, _ = self.request("GET", path)
        return status, time.perf_counter() - started

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _send(self, method: str, path: str, form: dict | None) -> tuple[int, dict, bytes]:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self._conn.request(method, path, body=body, headers=headers)
        response = self._conn.getresponse()
        data = response.read()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        if response.will_close:
            self.close()
        return response.status, dict(response.headers), data

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def sign_in(client: WebClient, username: str, password: str) -> None:
    """Sign in through /accounts/login/ as a person would: GET the form, POST it with its token."""
    status, _, page = client.get("/accounts/login/")
    token = CSRF_FIELD.search(page)
    if status != 200 or token is None:
        raise SignInFailed(f"login form: HTTP {status}, CSRF token {'found' if token else 'missing'}")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode(), "next": "/"}
    status, headers, _ = client.request("POST", "/accounts/login/", form)
    if status != 302 or "sessionid" not in client.cookies:
        raise SignInFailed(f"sign-in of {username!r} answered HTTP {status} (location {headers.get('Location')!r})")
