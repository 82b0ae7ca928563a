"""Requests refused before any view runs answer 400 with a sentence, never a 500."""
from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize("path", [
    "/agreements/T-%00/", "/agreements/%00/progress/", "/admin/agreements/organization/?q=%00",
    "/admin/agreements/agreement/?country=JP%00", "/admin/axes/accessattempt/?q=a%00b", "/agreements/?q=%00",
])
def test_a_nul_character_in_the_address_is_refused_with_a_sentence(signed_in, agreement, path):
    """PostgreSQL cannot compare a text holding NUL: an agreement reference or an admin search
    with one was a 500 there."""
    response = signed_in.get(path)
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


def test_a_nul_in_a_posted_form_is_left_to_the_form(signed_in, agreement, move_to):
    move_to(agreement, "in_progress")
    response = signed_in.post(reverse("agreement-progress", args=[agreement.reference]),
                              {"percent_complete": "10", "health": "on_track", "summary": "a\x00b"})
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_a_form_sending_too_much_text_gets_a_sentence(signed_in, agreement, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = signed_in.post(reverse("agreement-progress", args=[agreement.reference]),
                              {"summary": "x" * 20_000, "percent_complete": "1", "health": "on_track"})
    assert response.status_code == 400
    assert "more text than the tracker accepts (9.8" in response.content.decode()


def test_a_request_with_thousands_of_fields_gets_a_sentence(signed_in):
    response = signed_in.get("/agreements/?" + "&".join(f"f{n}=1" for n in range(1500)))
    assert response.status_code == 400
    assert "far more fields" in response.content.decode()


def test_the_refusal_carries_the_security_headers(signed_in):
    response = signed_in.get("/agreements/T-%00/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_malformed_upload_gets_a_sentence(signed_in, agreement):
    body = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + b"a" * 2000 + b'.pdf"\r\n\r\n%PDF\r\n'
            b"--B--\r\n")
    response = signed_in.post(reverse("document-upload", args=[agreement.reference]), body,
                              content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "The upload could not be read" in response.content.decode()


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_very_long_user_name_at_sign_in_is_a_failed_sign_in_not_a_crash(client, officer, path, settings):
    """django-axes stored the name whole in a 255-character column: a 500 on PostgreSQL."""
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(3):
        response = client.post(path, {"username": "x" * 300, "password": "wrong-password-1"})
        assert response.status_code in (200, 429)
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().username == "x" * 255
    assert response.status_code == 429  # the cut name is locked like any other
