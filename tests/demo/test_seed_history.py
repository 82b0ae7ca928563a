"""The demo's history tells the truth: every seeded agreement, milestone and party has a latest
history record equal to its row, so the first save of a seeded record shows no edit nobody made —
whether the demo logins were created with the demo or added to an existing one later."""
from __future__ import annotations

import datetime

import pytest

from agreements.demo import summit
from agreements.models import Agreement, Milestone, Party, User
from agreements.web.timeline import timeline

TODAY = datetime.date(2026, 11, 27)
M2M = {"team": "user_id", "focus_areas": "focusarea_id"}


def tracked(record, model) -> dict:
    return {f.attname: getattr(record, f.attname) for f in model.history.model.tracked_fields}


def assert_history_matches_rows(model) -> int:
    latest = {}
    for record in model.history.order_by("history_id"):
        latest[record.id] = record
    rows = list(model.objects.all())
    assert rows and set(latest) == {row.pk for row in rows}
    for row in rows:
        record = latest[row.pk]
        assert record.history_type != "-"
        assert tracked(record, model) == tracked(row, model), f"{model.__name__} {row.pk}"
        if model is Agreement:
            for name, column in M2M.items():
                recorded = {getattr(r, column) for r in getattr(record, f"historicalagreement_{name}_set").all()}
                assert recorded == set(getattr(row, name).values_list("pk", flat=True)), f"{row.reference} {name}"
    return len(rows)


def assert_no_invented_edits() -> None:
    for agreement in Agreement.objects.all():
        for entry in timeline(agreement, limit=200).entries:
            if entry.kind in ("edit", "milestone") and entry.verb in ("", "edited"):
                assert entry.changes and all(c.old != c.new for c in entry.changes), (agreement.reference, entry)


@pytest.mark.parametrize("later", [False, True], ids=["logins with the demo", "logins added later"])
def test_every_seeded_record_has_a_latest_history_equal_to_its_row(db, later):
    summit.seed(today=TODAY, demo_users=not later)
    if later:
        summit.seed(today=TODAY, demo_users=True)
    assert Agreement.objects.filter(owner__username="officer").count() >= 5
    for model in (Agreement, Milestone, Party):
        assert_history_matches_rows(model)
    assert_no_invented_edits()


def test_saving_a_seeded_agreement_unchanged_shows_no_edit(db):
    """What a closure request, a reassignment or an admin save used to reveal: "Owner: Aiko Tanaka →
    Olga Officer", credited to whoever saved."""
    summit.seed(today=TODAY, demo_users=True)
    saver = User.objects.get(username="dataentry")
    for agreement in Agreement.objects.filter(owner__username="officer"):
        agreement._history_user = saver
        agreement.save()
        edits = [e for e in timeline(agreement).entries if e.kind == "edit" and e.actor == saver]
        assert edits == [], (agreement.reference, [c.__dict__ for e in edits for c in e.changes])


def test_demo_logins_added_later_show_the_hand_over_once_with_its_reason(db):
    summit.seed(today=TODAY)
    summit.seed(today=TODAY, demo_users=True)
    agreement = Agreement.objects.filter(owner__username="officer").first()
    [edit] = [e for e in timeline(agreement, limit=200).entries if e.kind == "edit"]
    assert [c.label for c in edit.changes] == ["Owner"] and edit.changes[0].new == "Olga Officer"
    assert edit.note == summit.HAND_OVER_REASON
