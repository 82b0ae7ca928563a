"""Who sees and changes what (agreements.policy)."""
from __future__ import annotations

import pytest
from django.http import Http404

from agreements import policy
from agreements.models import Agreement
from tests.factories import AgreementFactory


def visible(user):
    return set(policy.visible_agreements(user).values_list("reference", flat=True))


def test_internal_agreements_are_visible_to_every_role(agreement, officer, other_officer, manager, viewer, data_entry):
    for user in (officer, other_officer, manager, viewer, data_entry):
        assert policy.can_view(user, agreement)
        assert agreement.reference in visible(user)


def test_restricted_is_visible_to_owner_team_and_managers_only(
    restricted, officer, teammate, other_officer, manager, viewer, data_entry
):
    for user in (officer, teammate, manager):
        assert policy.can_view(user, restricted)
        assert restricted.reference in visible(user)
    for user in (other_officer, viewer, data_entry):
        assert not policy.can_view(user, restricted)
        assert restricted.reference not in visible(user)


def test_user_without_a_role_sees_nothing(agreement, db):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    assert visible(nobody) == set()
    assert not policy.can_view(nobody, agreement)


def test_inactive_user_sees_nothing(agreement, officer):
    officer.is_active = False
    officer.save()
    officer = type(officer).objects.get(pk=officer.pk)
    assert visible(officer) == set()


def test_officers_work_only_on_their_own_or_team_agreements(agreement, officer, teammate, other_officer, manager, viewer):
    assert policy.can_work_on(officer, agreement)
    assert policy.can_work_on(teammate, agreement)
    assert policy.can_work_on(manager, agreement)
    assert not policy.can_work_on(other_officer, agreement)
    assert not policy.can_work_on(viewer, agreement)


def test_data_entry_edits_records_but_not_restricted_ones(agreement, restricted, data_entry, officer):
    assert policy.can_edit_record(data_entry, agreement)
    assert not policy.can_edit_record(data_entry, restricted)
    assert not policy.can_edit_record(officer, agreement)


def test_reports_are_for_managers_and_viewers(officer, manager, viewer, data_entry, superuser):
    assert [policy.can_view_reports(u) for u in (officer, manager, viewer, data_entry, superuser)] == [
        False, True, True, False, True]


def test_invisible_agreement_is_404_not_403(restricted, other_officer):
    with pytest.raises(Http404):
        policy.get_visible_or_404(other_officer, Agreement.objects.all(), reference=restricted.reference)


def test_visibility_query_count_does_not_grow(django_assert_max_num_queries, officer, db):
    for _ in range(30):
        AgreementFactory(confidentiality="restricted", parties=0)
    officer = type(officer).objects.get(pk=officer.pk)
    with django_assert_max_num_queries(2):  # roles + the list
        list(policy.visible_agreements(officer))
