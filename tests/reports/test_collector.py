"""The cycle collector is held off while panels are computed (agreements.reports.collector) and is
always on again afterwards: left off, every cycle a worker ever made would stay in its memory."""
from __future__ import annotations

import datetime
import gc

import pytest

from agreements.reports import cache, collector
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled()
    yield
    gc.enable()  # whatever a failing test did


def test_off_inside_on_after_even_when_the_computation_fails():
    with collector.held_off():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with collector.held_off():
            1 / 0
    assert gc.isenabled()


def test_an_inner_hold_does_not_switch_it_on_for_the_outer_one():
    with collector.held_off():
        with collector.held_off():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_alone_when_someone_else_switched_it_off():
    gc.disable()
    with collector.held_off():
        pass
    assert not gc.isenabled()


@pytest.mark.parametrize("seconds", [0, 60])
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_panels_are_computed_with_it_off(settings, seconds):
    settings.REPORTS_CACHE_SECONDS = seconds
    panels = cache.remember(UserFactory(), {}, datetime.date(2026, 6, 10),
                            lambda: {"collecting": gc.isenabled()}, part=f"collector-{seconds}").panels
    assert panels == {"collecting": False}
    assert gc.isenabled()
