"""Each person reads the tracker in their own language: the browser's at first sign-in, their own
choice afterwards (preferences, the header's switcher, the admin), and the switcher works signed out."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from agreements.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory


def sign_in(client, user, language: str = "en-GB,en;q=0.8"):
    return client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD},
                       HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR="10.0.0.7")


def test_the_first_sign_in_takes_the_browsers_language(client, db):
    user = UserFactory(username="aigerim", role="Officer")
    assert user.language == ""
    sign_in(client, user, "ru-RU,ru;q=0.9,en;q=0.5")
    user.refresh_from_db()
    assert user.language == "ru"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "ru" and '<html lang="ru">' in page.content.decode()


def test_a_chosen_language_wins_over_the_browsers(client, db):
    user = UserFactory(username="kenji", role="Officer", language="ja")
    sign_in(client, user, "ru")
    user.refresh_from_db()
    assert user.language == "ja"
    assert client.get("/agreements/", HTTP_ACCEPT_LANGUAGE="ru")["Content-Language"] == "ja"


def test_the_switcher_works_signed_out_and_remembers_the_choice_of_a_signed_in_person(client, officer):
    answer = client.post(reverse("set_language"), {"language": "ja", "next": "/accounts/login/"})
    assert answer.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert '<html lang="ja">' in client.get("/accounts/login/").content.decode()
    client.force_login(officer)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    officer.refresh_from_db()
    assert officer.language == "ru"


def test_the_switcher_refuses_a_language_the_site_does_not_have(client, officer):
    officer.language = "ja"
    officer.save()
    client.force_login(officer)
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    officer.refresh_from_db()
    assert officer.language == "ja"


def test_the_preferences_page_sets_the_language(client, officer):
    client.force_login(officer)
    answer = client.post(reverse("preferences"), {"language": "ru", "time_zone": "Asia/Almaty"}, follow=True)
    officer.refresh_from_db()
    assert officer.language == "ru"
    assert answer.headers["Content-Language"] == "ru" and "Ваши настройки сохранены." in answer.content.decode()


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_data_entry_sets_a_persons_language_in_the_admin(client, data_entry, language):
    person = UserFactory(username="nurlan", role="Officer")
    client.force_login(data_entry)
    page = client.get(reverse("admin:agreements_user_change", args=[person.pk]))
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name not in ("groups", "user_permissions")}
    data.update(language=language, time_zone="UTC", groups=[g.pk for g in person.groups.all()],
                last_login_0="", last_login_1="", date_joined_0="2026-01-01", date_joined_1="10:00:00")
    data = {key: value for key, value in data.items() if value is not None and not isinstance(value, bool)}
    client.post(reverse("admin:agreements_user_change", args=[person.pk]), data)
    assert User.objects.get(pk=person.pk).language == language
