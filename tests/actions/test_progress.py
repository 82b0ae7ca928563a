"""A progress update sets the agreement's health and "last updated"."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from agreements.actions.progress import record_progress


def test_latest_update_sets_health_and_percent(agreement, officer):
    record_progress(agreement, by=officer, percent_complete=40, health="at_risk", summary="Delay at customs")
    agreement.refresh_from_db()
    assert (agreement.health, agreement.percent_complete) == ("at_risk", 40)
    assert agreement.last_progress_at is not None


def test_back_dated_update_does_not_overwrite_a_newer_one(agreement, officer):
    now = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.timezone.utc)
    record_progress(agreement, by=officer, percent_complete=60, health="on_track", summary="new", at=now)
    record_progress(agreement, by=officer, percent_complete=20, health="off_track", summary="old",
                    at=now - datetime.timedelta(days=10))
    agreement.refresh_from_db()
    assert (agreement.health, agreement.percent_complete, agreement.last_progress_at) == ("on_track", 60, now)


def test_other_officer_cannot_post_progress(agreement, other_officer):
    with pytest.raises(PermissionDenied):
        record_progress(agreement, by=other_officer, percent_complete=10, health="on_track", summary="x")
