"""Accounts in the admin: data entry staff create officers and viewers and can deactivate them,
but never set or reset the password of an existing account — that would let them sign in as
the person (issue 13, finding 5). An administrator (superuser) may."""
from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import User
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a-new-password-2026"


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def set_password(client, user):
    return client.post(password_url(user), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                            "usable_password": "true", "set-password": "1"})


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_data_entry_cannot_set_an_existing_users_password(client, request, data_entry, role):
    person = request.getfixturevalue(role)
    client.force_login(data_entry)
    assert client.get(password_url(person)).status_code == 403
    response = set_password(client, person)
    assert response.status_code == 403
    assert "Only an administrator" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(TEST_PASSWORD) and not person.check_password(NEW_PASSWORD)


def test_an_account_data_entry_may_not_see_answers_as_a_missing_one(client, data_entry, manager):
    client.force_login(data_entry)
    hidden, missing = client.get(password_url(manager)), client.get(password_url(User(pk=987654)))
    assert hidden.status_code == missing.status_code == 404


def test_the_change_page_offers_data_entry_no_password_form(client, data_entry, officer):
    client.force_login(data_entry)
    page = client.get(reverse("admin:agreements_user_change", args=[officer.pk])).content.decode()
    assert "../password/" not in page and password_url(officer) not in page
    assert "Only an administrator sets or resets passwords" in page


def test_an_administrator_sets_a_password(client, superuser, officer):
    client.force_login(superuser)
    assert 'href="../password/"' in client.get(reverse("admin:agreements_user_change", args=[officer.pk])).content.decode()
    response = set_password(client, officer)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_data_entry_still_creates_and_deactivates_officers(client, data_entry, officer):
    from django.contrib.auth.models import Group

    client.force_login(data_entry)
    response = client.post(reverse("admin:agreements_user_add"), {
        "username": "new_officer", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    created = User.objects.get(username="new_officer")
    assert created.check_password(NEW_PASSWORD)
    officer_group = Group.objects.get(name="Officer")
    response = client.post(reverse("admin:agreements_user_change", args=[officer.pk]), {
        "username": officer.username, "first_name": officer.first_name, "last_name": officer.last_name,
        "email": officer.email, "groups": [officer_group.pk], "time_zone": "UTC", "notify_stale": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert not officer.is_active
    assert officer.check_password(TEST_PASSWORD)
