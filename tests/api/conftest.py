"""A client that speaks to the API with a personal token, as a script does."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from agreements.models import ApiToken


class TokenClient:
    def __init__(self, secret: str | None):
        self.client = Client()
        self.secret = secret

    def _headers(self, headers: dict | None) -> dict:
        out = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}
        for name, value in (headers or {}).items():
            out["HTTP_" + name.upper().replace("-", "_")] = value
        return out

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(path, params or {}, **self._headers(headers))

    def post(self, path: str, data: dict | None = None, headers: dict | None = None):
        return self.client.post(path, json.dumps(data or {}), content_type="application/json",
                                **self._headers(headers))


@pytest.fixture
def api():
    """api(user, access="write") → a TokenClient with a fresh token of that user; api(None): no token."""

    def make(user, access: str = "write", **kwargs) -> TokenClient:
        if user is None:
            return TokenClient(None)
        _token, secret = ApiToken.issue(user, name="test script", access=access, **kwargs)
        return TokenClient(secret)

    return make
