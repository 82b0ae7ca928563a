"""The admin for data entry staff: a blank reference numbered as the importer does, date hints in
the person's zone, the app's icon and look, fields a screen reader can name, valid HTML."""
from __future__ import annotations

import re

from django.urls import reverse

from agreements.models import Agreement
from tests.admin.test_admin import change_data, entry_client  # noqa: F401  (the fixture)


def add_data(agreement, **overrides):
    data = change_data(agreement, reference="", title="Agreement typed in the admin", signed_on="2024-05-02",
                       **{"parties-TOTAL_FORMS": "0", "parties-INITIAL_FORMS": "0"})
    data.pop("expected_version")
    data.update(overrides)
    return data


def test_a_blank_reference_gets_the_next_number_of_its_year_of_signature(entry_client, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(reference="CAJ-2024-007")
    url = reverse("admin:agreements_agreement_add")
    page = entry_client.get(url).content.decode()
    assert "Leave blank for the next free number" in page
    response = entry_client.post(url, add_data(agreement))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Agreement.objects.get(title="Agreement typed in the admin").reference == "CAJ-2024-008"
    response = entry_client.post(url, add_data(agreement, title="A second one", reference="CAJ-2024-100"))
    assert response.status_code == 302
    assert Agreement.objects.get(title="A second one").reference == "CAJ-2024-100"  # a typed one is kept


def test_inline_fields_are_named_by_column_and_row_and_describe_nothing_missing(entry_client, agreement):
    page = entry_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk])).content.decode()
    assert 'aria-label="Organization, row 1"' in page
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    assert described and described <= ids
    assert '<option value=""></option>' not in page
    assert 'label for="id_expected_version"' not in page and 'name="expected_version"' in page


def test_the_admin_wears_the_apps_look_and_names_the_persons_zone(entry_client, data_entry):
    data_entry.time_zone = "Asia/Tashkent"
    data_entry.save()
    page = entry_client.get(reverse("admin:agreements_milestone_changelist")).content.decode()
    assert "agreements/admin.css" in page and "agreements/admin.js" in page and "favicon.svg" in page
    assert 'id="tracker-zone-note"' in page and "UTC+05:00" in page


def test_the_admin_sign_in_page_has_a_heading(client):
    page = client.get(reverse("admin:login")).content.decode()
    assert "<h1>Sign in to the administration</h1>" in page


def test_favicon_ico_answers_without_sign_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
