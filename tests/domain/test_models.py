"""Integrity enforced by the database itself, not only by forms."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import Agreement, Milestone, ProgressUpdate
from tests.factories import AgreementFactory, MilestoneFactory


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_agreement_reference_is_unique(agreement):
    refused(lambda: AgreementFactory(reference=agreement.reference, parties=0))


def test_percent_complete_is_between_0_and_100(agreement):
    refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(percent_complete=101))
    refused(lambda: ProgressUpdate.objects.create(agreement=agreement, author=agreement.owner, percent_complete=150,
                                                  health="on_track", summary="x"))


def test_unknown_status_cannot_be_stored(agreement):
    refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(status="lost"))


def test_signed_agreement_needs_a_signature_date(agreement, move_to):
    move_to(agreement, "signed")
    refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(signed_on=None))


def test_end_date_cannot_precede_signature(agreement):
    refused(lambda: Agreement.objects.filter(pk=agreement.pk).update(end_date=datetime.date(2025, 1, 1)))


def test_milestone_done_date_only_when_done(agreement):
    refused(lambda: Milestone.objects.create(agreement=agreement, title="x", due_on="2026-01-01", done_on="2026-01-02"))
    refused(lambda: Milestone.objects.create(agreement=agreement, title="x", due_on="2026-01-01", state="done"))


def test_waived_milestone_needs_a_reason(agreement):
    refused(lambda: Milestone.objects.create(agreement=agreement, title="x", due_on="2026-01-01", state="waived"))


def test_milestone_form_validation_explains_the_rules(agreement):
    milestone = Milestone(agreement=agreement, title="x", due_on=datetime.date(2026, 1, 1), state="done")
    with pytest.raises(ValidationError) as error:
        milestone.full_clean()
    assert error.value.message_dict["done_on"] == ["Give the date the milestone was done."]


def test_value_needs_a_currency(agreement):
    agreement.value = 1000
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "currency" in error.value.message_dict


def test_milestone_owner_defaults_to_agreement_owner(agreement):
    milestone = MilestoneFactory(agreement=agreement)
    assert milestone.owner == agreement.owner


def test_overdue_is_derived_from_state_and_date(agreement):
    today = datetime.date(2026, 6, 10)
    late = MilestoneFactory(agreement=agreement, due_on=datetime.date(2026, 6, 9))
    MilestoneFactory(agreement=agreement, due_on=datetime.date(2026, 6, 10))
    MilestoneFactory(agreement=agreement, due_on=datetime.date(2026, 6, 1), state="done", done_on=datetime.date(2026, 6, 1))
    assert list(Milestone.objects.overdue(today)) == [late]
    assert late.is_overdue(today)


def test_iati_codes_follow_the_status(agreement, move_to):
    assert agreement.iati_status == 1
    move_to(agreement, "in_progress")
    assert agreement.iati_status == 2
