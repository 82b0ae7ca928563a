"""The agreement timeline: merged, newest first, bounded, and honest about what it left out."""
from __future__ import annotations

import datetime

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agreements import workflow
from agreements.actions import milestones
from agreements.actions.progress import record_progress
from agreements.models import Agreement, Milestone, Pillar
from agreements.web.timeline import timeline
from tests.factories import MilestoneFactory

T0 = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.timezone.utc)


def hours(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=n)


def test_entries_come_newest_first_across_sources(agreement, officer, manager):
    record_progress(agreement, by=officer, percent_complete=10, health="on_track", summary="first", at=hours(1))
    workflow.transition(agreement, "signed", by=manager, at=hours(2))
    record_progress(agreement, by=officer, percent_complete=20, health="on_track", summary="second", at=hours(3))
    kinds = [(e.kind, getattr(e.obj, "summary", "")) for e in timeline(agreement).entries if e.at < hours(4)]
    assert kinds == [("update", "second"), ("transition", ""), ("update", "first")]


def test_a_long_history_is_cut_without_skipping_anything(agreement, officer, manager):
    workflow.transition(agreement, "signed", by=manager, at=T0 - datetime.timedelta(days=1))
    for n in range(30):
        record_progress(agreement, by=officer, percent_complete=n, health="on_track", summary=f"u{n}", at=hours(n))
    short = timeline(agreement, limit=10)
    assert not short.complete
    assert len(short.entries) <= 10
    shown = [e for e in short.entries if e.kind == "update"]
    # Whatever is shown is the newest run: no update older than one shown is missing.
    assert [e.obj.summary for e in shown] == [f"u{n}" for n in range(29, 29 - len(shown), -1)]
    assert all(e.kind != "transition" for e in short.entries)  # older than every update read
    full = timeline(agreement, limit=1000)
    assert full.complete and any(e.kind == "transition" for e in full.entries)


def test_milestones_added_together_read_as_one_entry(agreement, officer):
    stamp = timezone.now()
    rows = [Milestone(agreement=agreement, title=f"Step {n}", due_on=datetime.date(2026, 3, n + 1), owner=officer)
            for n in range(3)]
    bulk_create_with_history(rows, Milestone, default_user=officer, default_date=stamp)
    added = [e for e in timeline(agreement).entries if e.kind == "milestone"]
    assert len(added) == 1
    assert sorted(added[0].subjects) == ["Step 0", "Step 1", "Step 2"]


def test_a_milestone_edit_names_the_old_and_new_owner(agreement, officer, teammate):
    milestone = MilestoneFactory(agreement=agreement, owner=officer, title="Survey")
    milestones.edit_milestone(milestone, by=officer, title="Survey", due_on=milestone.due_on, owner=teammate,
                              expected_version=agreement.version)
    edit = next(e for e in timeline(agreement).entries if e.verb == "edited")
    assert [(c.label, c.old, c.new) for c in edit.changes] == [("Owner", str(officer), str(teammate))]


def test_a_bulk_created_record_does_not_invent_a_team_change(db, officer, teammate):
    """Bulk creation (demo seed, import) records no team in the first history row."""
    agreement = Agreement(reference="B-1", title="Old title", pillar=Pillar.objects.first(), owner=officer,
                          signed_on=datetime.date(2025, 12, 19))
    bulk_create_with_history([agreement], Agreement, default_change_reason="Import")
    agreement = Agreement.objects.get(reference="B-1")
    Agreement.team.through.objects.create(agreement=agreement, user=teammate)
    agreement.title = "New title"
    agreement.save()
    entries = timeline(agreement).entries
    edit = next(e for e in entries if e.kind == "edit")
    assert [(c.label, c.old, c.new) for c in edit.changes] == [("Title", "Old title", "New title")]
    assert entries[-1].kind == "created" and entries[-1].note == "Import"


def test_status_changes_are_not_repeated_as_edits(agreement, manager):
    workflow.transition(agreement, "signed", by=manager)
    assert [e.kind for e in timeline(agreement).entries].count("edit") == 0
