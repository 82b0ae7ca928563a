"""Personal API tokens: made, named, listed and revoked on the preferences page, the secret shown
once and stored hashed; optional expiry; read-only tokens cannot write; staff and managers confirm
a new token with their second factor when the 2FA policy applies; throttled per token; every use
logged and stamped."""
from __future__ import annotations

import datetime
import hashlib
import re

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agreements.models import ApiToken
from tests.api.conftest import TokenClient

SECRET = re.compile(r'<code class="token-secret">(trk_[^<]+)</code>')


def make_token(client, **data):
    return client.post("/preferences/tokens/", {"name": "Portal sync", "access": "read", **data})


def test_a_token_is_shown_once_and_stored_hashed(client, officer):
    client.force_login(officer)
    response = make_token(client, access="write")
    assert response.status_code == 200
    secret = SECRET.search(response.content.decode()).group(1)
    token = ApiToken.objects.get(user=officer)
    assert token.name == "Portal sync" and token.access == "write"
    assert token.key_digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())  # only its digest is kept
    assert secret.startswith(token.prefix)
    page = client.get("/preferences/").content.decode()
    assert "Portal sync" in page and token.prefix in page and secret not in page  # listed, never shown again
    assert TokenClient(secret).get("/api/v1/me/").json()["username"] == officer.username


def test_revoked_and_expired_tokens_stop_working(client, officer, other_officer):
    client.force_login(officer)
    secret = SECRET.search(make_token(client, expires_on=timezone.localdate().isoformat()).content.decode()).group(1)
    token = ApiToken.objects.get(user=officer)
    assert TokenClient(secret).get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, hours=1)):
        expired = TokenClient(secret).get("/api/v1/me/")
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]
        client.force_login(officer)  # the session of yesterday has ended meanwhile
        assert "expired" in client.get("/preferences/").content.decode()

    client.force_login(other_officer)  # someone else's token: not theirs to revoke, nor to know of
    assert client.post(f"/preferences/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(officer)
    assert client.post(f"/preferences/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert TokenClient(secret).get("/api/v1/me/").status_code == 401
    assert TokenClient("trk_made_up_by_a_guess").get("/api/v1/me/").status_code == 401


def test_the_token_form_refuses_a_past_expiry_and_no_name(client, officer):
    client.force_login(officer)
    response = make_token(client, name="  ", expires_on="2020-01-01")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Choose today or a later day." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_read_only_token_reads_and_may_not_write(api, officer, agreement, move_to):
    move_to(agreement, "in_progress")
    client = api(officer, access="read")
    assert client.get(f"/api/v1/agreements/{agreement.reference}/").status_code == 200
    agreement.refresh_from_db()
    response = client.post(f"/api/v1/agreements/{agreement.reference}/progress/",
                           {"percent_complete": 10, "health": "on_track", "summary": "x"},
                           headers={"If-Match": f'"{agreement.version}"'})
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert not agreement.updates.exists()


def test_staff_confirm_a_new_token_with_their_second_factor(client, settings, manager):
    settings.TRACKER_REQUIRE_2FA = True
    client.force_login(manager)
    session = client.session
    device = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    session["otp_device_id"] = device.persistent_id  # signed in with the second factor
    session.save()
    without = make_token(client)
    assert without.status_code == 400 and not ApiToken.objects.exists()
    wrong = make_token(client, code="000000" if totp(device.bin_key) != 0 else "111111")
    assert wrong.status_code == 400 and "not valid" in wrong.content.decode()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    device.throttle_reset()
    assert make_token(client, code=code).status_code == 200
    assert ApiToken.objects.filter(user=manager).count() == 1


def test_staff_without_a_second_factor_cannot_make_a_token(client, settings, data_entry):
    settings.TRACKER_REQUIRE_2FA = False  # reach the page; the policy is switched on for the token only
    client.force_login(data_entry)
    settings.TRACKER_REQUIRE_2FA = True
    # The page itself is behind the two-factor middleware: without a device the person is sent to set one up.
    assert make_token(client, code="123456").status_code == 302
    assert not ApiToken.objects.exists()


def test_officers_need_no_code(client, settings, officer):
    settings.TRACKER_REQUIRE_2FA = True
    client.force_login(officer)
    assert "code" not in client.get("/preferences/").content.decode().split('id="api-tokens"')[1].split("</form>")[-2]
    assert make_token(client).status_code == 200


def test_every_use_is_logged_and_stamped(api, officer, caplog):
    client = api(officer)
    token = ApiToken.objects.get(user=officer)
    assert token.last_used_at is None
    with caplog.at_level("INFO", logger="tracker.api"):
        client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert any(f"user={officer.username} token={token.prefix}" in r.getMessage() and "path=/api/v1/me/" in r.getMessage()
               for r in caplog.records)


def test_throttling_is_per_token(api, officer, settings):
    caches["throttle"].clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/minute"}}
    first, second = api(officer), api(officer)
    assert [first.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = first.get("/api/v1/me/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    assert second.get("/api/v1/me/").status_code == 200  # another token has its own count
    caches["throttle"].clear()
