"""Two people changing the same agreement at the same moment, through real HTTP requests to
gunicorn (4 workers, each with its own PostgreSQL connection): every form that changes an
agreement carries its version, so of two submissions based on the same version exactly one
is saved and the other answers 409 with the conflict message — never a lost update.

(tests/test_workflow_concurrency.py races the workflow function itself; this is the same
promise at the level a user sees.)
"""
from __future__ import annotations

import concurrent.futures
import datetime
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from agreements import workflow
from agreements.models import Agreement, Milestone, Status, TransitionLog
from tests.conftest import needs_postgres
from tests.factories import AgreementFactory, MilestoneFactory, UserFactory
from tests.services import WebServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONFLICT = "Somebody else changed this agreement while you were editing"  # the page and the milestone form
ALREADY = "is already"  # done vs waived at once: the milestone's own state is the conflict, said as such
BOTH_KEPT = {"milestone add"}  # adding changes no existing value: both additions are kept
PAIRS = 100
DUE = datetime.date(2027, 6, 30)
DONE_ON = datetime.date(2026, 1, 15)
PEOPLE = ("a", "b")  # the two browsers, in the order of `browsers`


@pytest.fixture
def web(transactional_db, tmp_path):
    needs_postgres("concurrent requests need PostgreSQL's row locks")
    with WebServer(tmp_path, workers=4) as server:
        yield server


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(len(PEOPLE)) as executor:
        yield executor


@dataclass
class Round:
    """One submission per person, all based on the same version, and how to read back whose
    change the database kept: "a", "b", "both" or None."""
    kind: str
    forms: dict[str, tuple[str, dict]]  # person -> (path, form data)
    saved: Callable[[], str | None]


def race(pool, *requests: Callable[[], tuple[int, str]]) -> list[tuple[int, str]]:
    """Send the requests from their own threads at the same moment."""
    barrier = threading.Barrier(len(requests))

    def go(request):
        barrier.wait()
        return request()

    return list(pool.map(go, requests))


def whose(values, pattern: str) -> str | None:
    """Which person's value (`pattern` formatted with "a" or "b") is among `values`."""
    found = [who for who in PEOPLE if pattern.format(who) in set(values)]
    return "both" if len(found) > 1 else (found[0] if found else None)


class Tally:
    def __init__(self) -> None:
        self.winners = self.conflicts = self.lost = 0
        self.problems: list[str] = []
        self.kinds: Counter = Counter()

    def record(self, kind: str, answers: list[tuple[int, str]], saved: str | None, version_moved: int) -> None:
        """Exactly one 302, whose change is the one saved, and the version moved once; the
        other answer is the 409 page with the conflict message. Anything else is a lost update."""
        self.kinds[kind] += 1
        statuses = [status for status, _ in answers]
        if kind in BOTH_KEPT:
            self.winners += statuses.count(302)
            if statuses != [302, 302] or saved != "both" or version_moved != 2:
                self.lost += 1
                self.problems.append(f"{kind}: answers {statuses}, saved {saved!r}, version moved by {version_moved}")
            return
        winner = PEOPLE[statuses.index(302)] if statuses.count(302) == 1 else None
        self.winners += statuses.count(302)
        self.conflicts += sum(1 for status, page in answers if status == 409 and (CONFLICT in page or ALREADY in page))
        if winner is None or saved != winner or version_moved != 1:
            self.lost += 1
            self.problems.append(f"{kind}: answers {statuses}, saved {saved!r}, version moved by {version_moved}")


def version(agreement: Agreement) -> int:
    return Agreement.objects.values_list("version", flat=True).get(pk=agreement.pk)


def played(pool, browsers, agreement: Agreement, build: Callable[[int], Round]) -> tuple:
    """Build a round on the agreement's current version, race it; the arguments of Tally.record."""
    before = version(agreement)
    current = build(before)
    answers = race(pool, *(partial(browser.post, *current.forms[who]) for who, browser in zip(PEOPLE, browsers)))
    return current.kind, answers, current.saved(), version(agreement) - before


def play(pool, browsers, agreement: Agreement, rounds: list[Callable[[int], Round]]) -> Tally:
    tally = Tally()
    for build in rounds:
        tally.record(*played(pool, browsers, agreement, build))
    return tally


# --- The officers' forms, in turn -----------------------------------------------------------

def edit_round(agreement: Agreement, shared: Milestone, n: int, at: int) -> Round:
    path = f"{agreement.get_absolute_url()}milestones/{shared.pk}/edit/"
    forms = {who: (path, {"title": f"Title by {who} #{n}", "due_on": DUE, "owner": "", "version": at})
             for who in PEOPLE}
    titles = Milestone.objects.filter(pk=shared.pk).values_list("title", flat=True)
    return Round("milestone edit", forms, lambda: whose(titles, f"Title by {{}} #{n}"))


def add_round(agreement: Agreement, n: int, at: int) -> Round:
    path = f"{agreement.get_absolute_url()}milestones/"
    forms = {who: (path, {"new-title": f"Added by {who} #{n}", "new-due_on": DUE, "new-owner": "",
                          "new-version": at}) for who in PEOPLE}
    titles = Milestone.objects.filter(agreement=agreement, title__endswith=f" #{n}").values_list("title", flat=True)
    return Round("milestone add", forms, lambda: whose(titles, f"Added by {{}} #{n}"))


def close_round(agreement: Agreement, n: int, at: int) -> Round:
    """One marks the milestone added in the previous round done, the other waives it."""
    milestone = Milestone.objects.filter(agreement=agreement, title__endswith=f" #{n - 1}").order_by("pk").first()
    base, pk = f"{agreement.get_absolute_url()}milestones/{milestone.pk}", milestone.pk
    forms = {"a": (f"{base}/done/", {f"done-{pk}-done_on": DONE_ON, f"done-{pk}-evidence": f"Minutes #{n}",
                                     f"done-{pk}-version": at}),
             "b": (f"{base}/waive/", {f"waive-{pk}-waiver_reason": f"Dropped #{n}", f"waive-{pk}-version": at})}
    states = Milestone.objects.filter(pk=pk).values_list("state", flat=True)
    return Round("milestone done / waive", forms,
                 lambda: {Milestone.State.DONE: "a", Milestone.State.WAIVED: "b"}.get(states.first()))


def transition_round(agreement: Agreement, n: int, at: int) -> Round:
    """Both put it on hold (or both resume it), each with their own comment."""
    working = Agreement.objects.get(pk=agreement.pk).status == Status.IN_PROGRESS
    to = Status.ON_HOLD if working else Status.IN_PROGRESS
    path = f"{agreement.get_absolute_url()}transitions/{to}/"
    forms = {who: (path, {f"t-{to}-comment": f"{who} #{n}", f"t-{to}-version": at}) for who in PEOPLE}
    comments = TransitionLog.objects.filter(agreement=agreement, comment__endswith=f" #{n}").values_list(
        "comment", flat=True)
    return Round("transition", forms, lambda: whose(comments, f"{{}} #{n}"))


def officer_rounds(agreement: Agreement, shared: Milestone) -> list[Callable[[int], Round]]:
    kinds = (partial(edit_round, agreement, shared), partial(add_round, agreement),
             partial(close_round, agreement), partial(transition_round, agreement))
    return [partial(kinds[n % len(kinds)], n) for n in range(PAIRS)]


def test_two_officers_saving_at_once_a_hundred_times_lose_no_update(web, pool, agreement, teammate, officer, move_to,
                                                                    settings):
    move_to(agreement, Status.IN_PROGRESS)
    shared = MilestoneFactory(agreement=agreement, owner=officer, due_on=DUE, title="Shared")
    browsers = [web.browser(officer, settings), web.browser(teammate, settings)]

    tally = play(pool, browsers, agreement, officer_rounds(agreement, shared))

    print(f"\n[faults] {PAIRS} concurrent update pairs (two officers, same agreement, same version): "
          f"{tally.winners} winners, {tally.conflicts} conflicts, {tally.lost} lost "
          f"({', '.join(f'{kind} {count}' for kind, count in tally.kinds.items())})")
    assert tally.problems == []
    adds = tally.kinds["milestone add"]
    assert (tally.winners, tally.conflicts, tally.lost) == (PAIRS + adds, PAIRS - adds, 0)


# --- The managers' forms ----------------------------------------------------------------------

def approve_round(agreement: Agreement, managers: dict[int, str], at: int) -> Round:
    form = (f"{agreement.get_absolute_url()}transitions/{Status.COMPLETED}/",
            {f"t-{Status.COMPLETED}-comment": "", f"t-{Status.COMPLETED}-version": at,
             f"t-{Status.COMPLETED}-percent_complete": 100, f"t-{Status.COMPLETED}-health": "on_track"})
    approvers = TransitionLog.objects.filter(agreement=agreement, to_status=Status.COMPLETED).values_list(
        "by_id", flat=True)
    return Round("approve", dict.fromkeys(PEOPLE, form),
                 lambda: whose([managers[pk] for pk in approvers], "{}"))


def reassign_round(agreement: Agreement, owners: dict[str, object], at: int) -> Round:
    """Each hands the agreement to a different person (neither of whom owns it now)."""
    path = f"{agreement.get_absolute_url()}reassign/"
    forms = {who: (path, {"owner": owners[who].pk, "version": at, "hand_over_milestones": "on"}) for who in PEOPLE}
    owner = Agreement.objects.filter(pk=agreement.pk).values_list("owner_id", flat=True)
    return Round("reassign", forms, lambda: {person.pk: who for who, person in owners.items()}.get(owner.first()))


def test_two_managers_approving_or_reassigning_at_once_one_wins_each_time(web, pool, manager, second_manager, move_to,
                                                                          settings):
    requester = UserFactory(username="requester", role="Manager")
    closures = [move_to(AgreementFactory(), Status.IN_PROGRESS) for _ in range(20)]
    for agreement in closures:
        workflow.transition(agreement, Status.PENDING_CLOSURE, by=requester)
    handed = move_to(AgreementFactory(), Status.IN_PROGRESS)
    people = [UserFactory(username=f"new_owner{n}", role="Officer") for n in range(4)]
    browsers = [web.browser(manager, settings), web.browser(second_manager, settings)]
    managers = {manager.pk: "a", second_manager.pk: "b"}

    approvals = Tally()
    for agreement in closures:
        approvals.record(*played(pool, browsers, agreement, partial(approve_round, agreement, managers)))
    reassignments = play(pool, browsers, handed, [
        partial(reassign_round, handed, dict(zip(PEOPLE, people[n % 2 * 2:n % 2 * 2 + 2]))) for n in range(10)])

    print(f"\n[faults] {len(closures)} closures approved by two managers at once: {approvals.winners} winners, "
          f"{approvals.conflicts} conflicts; 10 concurrent reassignments: {reassignments.winners} winners, "
          f"{reassignments.conflicts} conflicts, {reassignments.lost} lost")
    assert approvals.problems == [] and reassignments.problems == []
    assert (approvals.winners, approvals.conflicts, reassignments.winners, reassignments.conflicts) == (20, 20, 10, 10)
    assert Agreement.objects.filter(pk__in=[a.pk for a in closures], status=Status.COMPLETED).count() == 20

