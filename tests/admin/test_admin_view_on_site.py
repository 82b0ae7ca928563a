"""The admin's "view on site" redirect (/admin/r/<ct>/<pk>/) answers 404 for an agreement the
user may not see, exactly as for one that does not exist (issue 13, finding 6)."""
from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from agreements.models import Agreement, Organization
from tests.factories import OrganizationFactory

MISSING = 987654


def page(response, pk) -> str:
    """The page without what differs between any two responses (the masked CSRF token) and
    with the id asked for replaced: what is left must be the same for hidden and missing."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return body.replace(f"/{pk}/", "/<id>/").replace(f" {pk} ", " <id> ")


def view_on_site(model, pk) -> str:
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(model).pk, pk])


def test_a_restricted_agreement_is_not_found_by_view_on_site(client, data_entry, restricted):
    client.force_login(data_entry)
    hidden, missing = client.get(view_on_site(Agreement, restricted.pk)), client.get(view_on_site(Agreement, MISSING))
    assert hidden.status_code == missing.status_code == 404
    assert restricted.reference not in hidden.content.decode()
    assert page(hidden, restricted.pk) == page(missing, MISSING)


def test_people_who_may_see_the_agreement_are_sent_to_its_page(client, data_entry, manager, agreement, restricted):
    for user, subject in ((manager, restricted), (data_entry, agreement)):
        client.force_login(user)
        response = client.get(view_on_site(Agreement, subject.pk))
        assert response.status_code == 302
        assert response["Location"].endswith(subject.get_absolute_url())


def test_view_on_site_answers_404_for_what_the_admin_does_not_list(client, data_entry):
    client.force_login(data_entry)
    organization = OrganizationFactory()
    assert client.get(view_on_site(Organization, organization.pk)).status_code == 404  # no page on the site
    assert client.get(reverse("admin:view_on_site", args=[999999, 1])).status_code == 404
    assert client.get(reverse("admin:view_on_site", args=["x", "y"])).status_code == 404
