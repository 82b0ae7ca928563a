"""Roll-up: an agreement's percent from weighted milestones or the officer's figure (said which),
pillars and the initiative by count and by value per currency, each number one click from its list."""
from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.sites import site

from agreements import rollup
from agreements.actions import milestones, progress
from agreements.models import Agreement, Pillar
from tests.factories import AgreementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db
SIGNED = datetime.date(2025, 12, 20)


def test_the_percent_from_weighted_milestones_follows_every_change(officer, client):
    agreement = AgreementFactory(owner=officer, status="in_progress", signed_on=SIGNED, percent_from="milestones")
    heavy = MilestoneFactory(agreement=agreement, owner=officer, weight=3, due_on=datetime.date(2027, 1, 1))
    light = MilestoneFactory(agreement=agreement, owner=officer, weight=1, due_on=datetime.date(2027, 1, 1))
    gone = MilestoneFactory(agreement=agreement, owner=officer, weight=5, due_on=datetime.date(2027, 1, 1))
    milestones.waive_milestone(gone, by=officer, reason="Merged into the first", expected_version=None)
    milestones.complete_milestone(heavy, by=officer, done_on=datetime.date(2026, 3, 1), evidence="Report",
                                  expected_version=None)
    agreement.refresh_from_db()
    assert agreement.percent_complete == 75  # 3 of the 4 live weight; the waived milestone left out
    # The officer's figure does not override it; the update keeps its own.
    update = progress.record_progress(agreement, by=officer, percent_complete=10, health="off_track", summary="…")
    agreement.refresh_from_db()
    assert (agreement.percent_complete, update.percent_complete) == (75, 10)
    client.force_login(officer)
    assert "(from the milestones done, by weight)" in client.get(agreement.get_absolute_url()).content.decode()
    milestones.complete_milestone(light, by=officer, done_on=datetime.date(2026, 3, 2), evidence="Report",
                                  expected_version=None)
    agreement.refresh_from_db()
    assert agreement.percent_complete == 100


def test_the_officers_figure_is_said_so(officer, client):
    agreement = AgreementFactory(owner=officer, status="in_progress", signed_on=SIGNED)
    progress.record_progress(agreement, by=officer, percent_complete=35, health="off_track", summary="…")
    client.force_login(officer)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "35% complete" in page and "(the officer's figure)" in page


def test_pillars_and_the_initiative_by_count_and_by_value(officer):
    green, connectivity = Pillar.objects.get(code="green-resilience"), Pillar.objects.get(code="connectivity")
    for percent, value, currency, pillar, status in (
            (20, 1_000, "JPY", green, "in_progress"), (60, 3_000, "JPY", green, "in_progress"),
            (50, 10, "USD", green, "in_progress"), (0, None, "", connectivity, "completed"),
            (90, None, "", connectivity, "draft"), (90, 5, "USD", connectivity, "terminated")):
        AgreementFactory(owner=officer, status=status, signed_on=SIGNED, pillar=pillar, percent_complete=percent,
                         value=value, currency=currency)
    result = rollup.rollup(Agreement.objects.all())
    shares = {pillar.code: share for pillar, share in result.pillars}
    assert (shares["green-resilience"].count, shares["green-resilience"].by_count) == (3, 43)
    assert shares["green-resilience"].by_value == [("JPY", 50, 4_000), ("USD", 50, 10)]
    assert (shares["connectivity"].count, shares["connectivity"].by_count) == (1, 100)  # completed: 100 %
    assert (result.total.count, result.total.by_count) == (4, 58)


def test_the_dashboard_shows_the_roll_up_with_links(client, manager, officer):
    AgreementFactory(owner=officer, status="in_progress", signed_on=SIGNED, percent_complete=30)
    client.force_login(manager)
    page = client.get("/reports/").content.decode()
    assert 'id="table-rollup"' in page and "By count" in page
    green = Pillar.objects.get(code="green-resilience")
    assert f"/agreements/?pillar={green.code}&amp;status=signed&amp;status=in_progress" in page


def test_data_entry_chooses_the_source_and_weights_in_the_admin():
    from agreements.admin.agreements import MilestoneInline
    assert "weight" in MilestoneInline.fields
    fields = [f for _name, options in site._registry[Agreement].fieldsets for f in options["fields"]]
    assert "percent_from" in fields and "confidentiality" in fields
