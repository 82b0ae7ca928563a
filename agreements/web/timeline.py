"""One timeline per agreement: progress updates, workflow transitions and edits, newest first.

Edits come from the recorded history (django-simple-history) of the agreement and its
milestones, described as "field: before → after". Status changes are left out of the
edits: the transition log tells them, with the comment.

Each source is read with one bounded query (constant whatever the agreement's age). When
a source had more rows than were read, only entries newer than the oldest row read from
it are shown, so the merged list never skips an entry silently; `complete` says whether
the whole story is on the page.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import count

from django.db.models import F, Prefetch, Window
from django.db.models.functions import Lag
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from agreements.models import Acknowledgement, Agreement, Milestone, User
from agreements.money import format_money

EMPTY = "—"
AGREEMENT_FIELDS = [
    ("title", _("Title")), ("summary", _("Summary")), ("kind", _("Kind")), ("pillar", _("Pillar")),
    ("focus_areas", _("Focus areas")), ("signed_on", _("Signed on")), ("signed_at", _("Signed at")),
    ("value", _("Value")), ("end_date", _("End date")), ("owner", _("Owner")), ("team", _("Team")),
    ("lead_organization", _("Lead organization")), ("confidentiality", _("Confidentiality")),
]
M2M = {"team": ("historicalagreement_team_set", "user"), "focus_areas": ("historicalagreement_focus_areas_set", "focusarea")}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime.datetime
    kind: str  # "update", "transition", "created", "edit", "milestone", "acknowledgement", "confirmation"
    actor: User | None
    obj: object = None  # the ProgressUpdate or TransitionLog
    verb: str = ""  # milestones: added, done, waived, edited, reopened, removed
    subjects: list[str] = field(default_factory=list)  # milestone titles
    changes: list[Change] = field(default_factory=list)
    note: str = ""


@dataclass
class Timeline:
    entries: list[Entry]
    complete: bool


def timeline(agreement: Agreement, *, limit: int = 25) -> Timeline:
    # History holds a row per status change too (left out above), so it is read deeper.
    parts = [_updates(agreement, limit), _transitions(agreement, limit),
             _agreement_edits(agreement, limit * 3), _milestone_events(agreement, limit * 3),
             _acknowledgements(agreement, limit), _confirmation_answers(agreement, limit)]
    cuts = [cut for _, cut in parts if cut is not None]
    bound = max(cuts) if cuts else None
    order = count()
    entries = sorted(((e.at, -next(order), e) for entries, _ in parts for e in entries
                      if bound is None or e.at > bound), key=lambda item: item[:2], reverse=True)
    merged = _group_added_milestones([entry for *_, entry in entries])
    return Timeline(merged[:limit], complete=bound is None and len(merged) <= limit)


def _cut(rows: list, cap: int, attr: str) -> datetime.datetime | None:
    """The time of the oldest row read, if the source may hold older ones."""
    return getattr(rows[cap - 1], attr) if len(rows) >= cap else None


def _updates(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    rows = list(agreement.updates.select_related("author").order_by("-created_at", "-id")[:cap])
    return [Entry(u.created_at, "update", u.author, obj=u) for u in rows], _cut(rows, cap, "created_at")


def _transitions(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    rows = list(agreement.transitions.select_related("by").order_by("-at", "-id")[:cap])
    return [Entry(t.at, "transition", t.by, obj=t) for t in rows], _cut(rows, cap, "at")


def _acknowledgements(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    """The owners' "I'm on it" about overdue milestones (agreements.reminders.acknowledging)."""
    rows = list(Acknowledgement.objects.filter(milestone__agreement_id=agreement.pk)
                .select_related("by", "milestone").order_by("-created_at", "-id")[:cap])
    return ([Entry(a.created_at, "acknowledgement", a.by, obj=a, subjects=[a.milestone.title], note=a.sentence)
             for a in rows], _cut(rows, cap, "created_at"))


def _confirmation_answers(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    """A focal point's answer (issue 19): who, for which side, confirmed or disputed what."""
    rows = list(agreement.confirmations.filter(answered_at__isnull=False)
                .select_related("milestone", "focal_point__user").order_by("-answered_at", "-id")[:cap])
    return [Entry(c.answered_at, "confirmation", None, obj=c) for c in rows], _cut(rows, cap, "answered_at")


# --- Edits of the agreement record -------------------------------------------------------

def _agreement_edits(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    history = Agreement.history.model.objects.filter(id=agreement.pk).select_related(
        "history_user", "owner", "pillar", "lead_organization",
    ).prefetch_related(*_m2m_prefetches())
    # One row more than shown: the baseline the oldest shown row is compared with.
    rows = list(history.order_by("-history_id")[:cap + 1])
    entries = []
    for record, previous in zip(rows[:cap], rows[1:] + [None]):
        entry = _agreement_entry(record, previous)
        if entry:
            entries.append(entry)
    return entries, _cut(rows, cap + 1, "history_date")


def _m2m_prefetches() -> list[Prefetch]:
    """The team and focus areas each history row recorded, with their names joined in (one query each)."""
    model = Agreement.history.model
    return [Prefetch(relation, model._meta.get_field(relation.removesuffix("_set")).related_model.objects
                     .select_related(attr))
            for relation, attr in M2M.values()]


def _agreement_entry(record, previous) -> Entry | None:
    if record.history_type == "+":
        return Entry(record.history_date, "created", record.history_user, note=record.history_change_reason or "")
    if record.history_type != "~" or previous is None:
        return None
    changes = [Change(str(label), old, new) for name, label in AGREEMENT_FIELDS
               if _comparable(name, previous) and (old := _shown(previous, name)) != (new := _shown(record, name))]
    if not changes:
        return None  # a status change: the transition log tells it
    return Entry(record.history_date, "edit", record.history_user, changes=changes,
                 note=record.history_change_reason or "")


def _comparable(name: str, previous) -> bool:
    """Bulk-created records (demo seed, import) carry no team or focus-area rows in their
    first history row; comparing against that empty set would invent a change."""
    if name not in M2M or previous.history_type != "+":
        return True
    return bool(getattr(previous, M2M[name][0]).all())


def _shown(record, name: str) -> str:
    if name in M2M:
        relation, attr = M2M[name]
        return ", ".join(sorted(str(getattr(row, attr)) for row in getattr(record, relation).all())) or EMPTY
    if name in ("owner", "pillar", "lead_organization"):
        related = getattr(record, name, None)
        return str(related) if related else EMPTY
    if name == "value":
        return format_money(record.value, record.currency) \
            if record.value is not None else EMPTY
    value = getattr(record, name)
    if record._meta.get_field(name).choices:
        return str(getattr(record, f"get_{name}_display")())
    return _text(value)


def _text(value) -> str:
    if value in (None, ""):
        return EMPTY
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


# --- Milestone events ----------------------------------------------------------------------

def _lag(name: str) -> Window:
    return Window(Lag(name), partition_by=[F("id")], order_by=F("history_id").asc())


def _milestone_events(agreement: Agreement, cap: int) -> tuple[list[Entry], datetime.datetime | None]:
    """Milestone history with each row's previous values alongside (a window function), in one query."""
    rows = list(
        Milestone.history.model.objects.filter(agreement_id=agreement.pk).select_related("history_user", "owner")
        .annotate(prev_state=_lag("state"), prev_title=_lag("title"), prev_due_on=_lag("due_on"),
                  prev_owner_id=_lag("owner_id"), prev_owner_first=_lag("owner__first_name"),
                  prev_owner_last=_lag("owner__last_name"), prev_owner_username=_lag("owner__username"))
        .order_by("-history_id")[:cap]
    )
    entries = [entry for entry in map(_milestone_entry, rows) if entry]
    return entries, _cut(rows, cap, "history_date")


def _milestone_entry(row) -> Entry | None:
    entry = Entry(row.history_date, "milestone", row.history_user, subjects=[row.title],
                  note=row.history_change_reason or "")
    if row.history_type == "+":
        entry.verb = "added"
        entry.changes = [Change(str(_("Due")), EMPTY, _text(row.due_on))]
    elif row.history_type == "-":
        entry.verb = "removed"
    elif row.state != row.prev_state:
        entry.verb = {Milestone.State.DONE: "done", Milestone.State.WAIVED: "waived"}.get(row.state, "reopened")
        entry.note = {"done": row.evidence, "waived": row.waiver_reason}.get(entry.verb, entry.note)
        if entry.verb == "done":
            entry.changes = [Change(str(_("Done on")), EMPTY, _text(row.done_on))]
    else:
        entry.verb = "edited"
        entry.changes = _milestone_changes(row)
        if not entry.changes:
            return None
    return entry


def _milestone_changes(row) -> list[Change]:
    changes = []
    if row.title != row.prev_title:
        changes.append(Change(str(_("Title")), _text(row.prev_title), row.title))
    if row.due_on != row.prev_due_on:
        changes.append(Change(str(_("Due")), _text(row.prev_due_on), _text(row.due_on)))
    if row.owner_id != row.prev_owner_id:
        previous = f"{row.prev_owner_first or ''} {row.prev_owner_last or ''}".strip() or row.prev_owner_username
        changes.append(Change(str(_("Owner")), _text(previous), _text(row.owner)))
    return changes


def _group_added_milestones(entries: list[Entry]) -> list[Entry]:
    """Milestones added together (same moment, same person) read as one entry."""
    grouped: list[Entry] = []
    for entry in entries:
        last = grouped[-1] if grouped else None
        if (last and entry.kind == last.kind == "milestone" and entry.verb == last.verb == "added"
                and entry.at == last.at and entry.actor == last.actor):
            last.subjects.extend(entry.subjects)
            last.changes = []
        else:
            grouped.append(entry)
    return grouped
