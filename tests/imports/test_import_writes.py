"""What a valid import writes: all of it in one go, attributed to the importer, idempotent."""
from __future__ import annotations

import datetime

import pytest
import time_machine

from agreements import workflow
from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Milestone, Organization, Party, TransitionLog
from tests.factories import AgreementFactory, MilestoneFactory
from tests.imports.import_files import KAZAKHSTAN, csv_bytes, milestone, row, upload, workbook

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def run(user, rows, milestones=None, **options):
    if milestones is None:
        return import_agreements(user, upload(csv_bytes(rows)), **options)
    return import_agreements(user, upload(workbook(rows, milestones), "summit.xlsx"), **options)


# --- Creating -------------------------------------------------------------------------------

def test_new_agreements_get_the_next_free_reference_of_their_signature_year(data_entry):
    AgreementFactory(reference="CAJ-2025-007")
    AgreementFactory(reference="CAJ-2025-012-A")  # not of the scheme: ignored
    report = run(data_entry, [row(title="A"), row(title="B", signed_on="2026-01-20"), row(title="C")])
    assert report.ok, report.lines()
    assert [o.reference for o in report.outcomes] == ["CAJ-2025-008", "CAJ-2026-001", "CAJ-2025-009"]
    assert Agreement.objects.get(reference="CAJ-2026-001").title == "B"


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.timezone.utc))
def test_a_draft_without_a_signature_date_takes_this_years_number(data_entry):
    report = run(data_entry, [row(status="draft", signed_on="")])
    assert report.outcomes[0].reference == "CAJ-2027-001"


def test_a_created_agreement_holds_what_the_row_says(data_entry, officer):
    run(data_entry, [row(value="2500000000", currency="JPY", end_date="2030-12-31", confidentiality="restricted",
                         summary="Line one\nLine two", status="in_progress")])
    agreement = Agreement.objects.get()
    assert (agreement.kind, agreement.pillar.code, agreement.owner, agreement.signed_at) == ("moc", "green-resilience",
                                                                                             officer, "Tokyo")
    assert (str(agreement.value), agreement.currency, agreement.end_date) == ("2500000000.00", "JPY",
                                                                              datetime.date(2030, 12, 31))
    assert (agreement.confidentiality, agreement.summary, agreement.status) == ("restricted", "Line one\nLine two",
                                                                                "in_progress")
    assert agreement.lead_organization.name == "Ministry of Economy, Trade and Industry"
    assert [p.organization.name for p in agreement.parties.order_by("id")] == [
        "Ministry of Economy, Trade and Industry", KAZAKHSTAN]


def test_the_history_records_the_importing_user(data_entry):
    run(data_entry, [row(status="in_progress")], [milestone(reference=row()["title"])])
    agreement = Agreement.objects.get()
    record = agreement.history.get()
    assert (record.history_user, record.history_type, record.history_change_reason) == (data_entry, "+",
                                                                                         "Import of summit.xlsx")
    assert [a.focusarea.code for a in record.focus_areas.all()] == ["energy-resources"]
    assert {p.history_user for p in Party.history.all()} == {data_entry}
    assert Milestone.history.get().history_user == data_entry
    logs = list(TransitionLog.objects.filter(agreement=agreement).order_by("id"))
    assert [(log.action, log.by) for log in logs] == [("sign", data_entry), ("start", data_entry)]
    assert logs[0].at.date() == datetime.date(2025, 12, 19)
    assert "Recorded by the import of summit.xlsx, row 2" in logs[0].comment


def test_milestones_of_a_new_agreement_name_it_by_title_and_default_to_its_owner(data_entry, officer):
    rows = [row(title="Loan agreement for the Tashkent ring road"), row(title="Other")]
    report = run(data_entry, rows, [milestone(reference="loan agreement for the TASHKENT ring road"),
                                    milestone(reference="Other", title="Done", state="done", done_on="2026-02-01")])
    assert report.ok, report.lines()
    first = Milestone.objects.get(title="Feasibility study delivered")
    assert (first.agreement.title, first.owner, first.state) == (rows[0]["title"], officer, "planned")
    assert Milestone.objects.get(title="Done").done_on == datetime.date(2026, 2, 1)


# --- All or nothing, dry run, idempotency ---------------------------------------------------

def test_one_wrong_row_and_nothing_at_all_is_written(data_entry):
    rows = [row(title=f"Agreement {n}", parties="New Partner LLP (KZ); Ministry of Energy of the Republic of "
                                               "Kazakhstan (KZ)") for n in range(5)]
    rows.append(row(title="Wrong", pillar="Space exploration"))
    report = run(data_entry, rows, [milestone(reference="Agreement 1")], create_organizations=True)
    assert [str(p) for p in report.problems] == ["row 7, column pillar: “Space exploration” is not a known pillar."]
    assert not Agreement.objects.exists() and not Milestone.objects.exists() and not TransitionLog.objects.exists()
    assert not Organization.objects.filter(name="New Partner LLP").exists()
    assert not Agreement.history.exists() and not Party.objects.exists()


def test_a_dry_run_reports_everything_and_writes_nothing(data_entry):
    report = run(data_entry, [row(), row(title="Second")], [milestone(reference="Second")], dry_run=True,
                 create_organizations=True)
    assert report.ok and report.dry_run
    assert report.counts() == {"created": 2, "updated": 0, "unchanged": 0}
    assert report.counts("milestones") == {"created": 1, "updated": 0, "unchanged": 0}
    assert report.summary().startswith("Dry run, nothing was written.")
    assert not Agreement.objects.exists() and not Milestone.objects.exists() and not Agreement.history.exists()
    assert not TransitionLog.objects.exists()


def test_importing_the_same_file_again_changes_nothing(data_entry):
    rows = [row(title=f"Agreement {n}", status=status) for n, status in enumerate(["signed", "in_progress", "draft"])]
    milestones = [milestone(reference="Agreement 1"), milestone(reference="Agreement 1", title="Second step")]
    assert run(data_entry, rows, milestones).ok
    history = Agreement.history.count() + Milestone.history.count() + Party.history.count()
    again = run(data_entry, rows, milestones)
    assert again.ok, again.lines()
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": 3}
    assert again.counts("milestones") == {"created": 0, "updated": 0, "unchanged": 2}
    assert Agreement.objects.count() == 3 and Milestone.objects.count() == 2
    assert Agreement.history.count() + Milestone.history.count() + Party.history.count() == history


def test_a_new_row_like_an_existing_agreement_but_different_is_refused_with_its_reference(data_entry):
    run(data_entry, [row()])
    reference = Agreement.objects.get().reference
    report = run(data_entry, [row(summary="Corrected summary")])
    assert [str(p) for p in report.problems] == [
        f"row 2, column reference: an agreement with this title and date of signature already exists: {reference}. "
        "To change it, put its reference in this row; to add another agreement, give this one a different title."]


def test_re_importing_an_agreement_the_importer_cannot_see_is_still_unchanged(data_entry):
    rows = [row(confidentiality="restricted")]
    assert run(data_entry, rows).ok  # owned by the officer: the data entry user no longer sees it
    report = run(data_entry, rows)
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": 1}
    assert report.outcomes[0].reference == ""  # and its reference is not shown
    assert Agreement.objects.count() == 1


# --- Updating existing agreements -----------------------------------------------------------

def exported(agreement, **overrides):
    """The row an export gives for `agreement` (so only the overrides differ)."""
    parties = "; ".join(f"{p.organization.name} ({p.organization.country.code}) [{p.role}]"
                        for p in agreement.parties.select_related("organization"))
    values = row(reference=agreement.reference, title=agreement.title, kind=agreement.kind,
                 pillar=agreement.pillar.code, focus_areas="", signed_on=agreement.signed_on.isoformat(), signed_at="",
                 parties=parties, lead_organization="", owner=agreement.owner.username,
                 confidentiality=agreement.confidentiality, status=agreement.status, summary=agreement.summary)
    values.update(overrides)
    return values


def test_an_update_changes_only_what_differs_and_records_who(data_entry, agreement):
    version = agreement.version
    report = run(data_entry, [exported(agreement, title="Corrected title", signed_at="Astana")])
    assert report.ok, report.lines()
    assert (report.outcomes[0].action, report.outcomes[0].changes) == ("updated", ["title", "signed_at"])
    agreement.refresh_from_db()
    assert (agreement.title, agreement.signed_at, agreement.version) == ("Corrected title", "Astana", version + 1)
    assert agreement.history.latest().history_user == data_entry


def test_a_column_left_out_of_the_file_is_left_alone(data_entry, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(summary="Kept as it is")
    header = [name for name in exported(agreement) if name != "summary"]
    data = csv_bytes([exported(agreement, title="New title")], header)
    assert import_agreements(data_entry, upload(data)).ok
    agreement.refresh_from_db()
    assert (agreement.title, agreement.summary) == ("New title", "Kept as it is")


def test_parties_and_focus_areas_are_replaced_by_the_file(data_entry, agreement, import_orgs):
    removed = list(agreement.parties.all())
    parties = f"{import_orgs[0].name} (JP) [financier]; {import_orgs[1].name} (KZ)"
    report = run(data_entry, [exported(agreement, parties=parties, focus_areas="climate-mitigation")])
    assert report.outcomes[0].changes == ["focus_areas", "parties"]
    assert {(p.organization, p.role) for p in agreement.parties.all()} == {(import_orgs[0], "financier"),
                                                                           (import_orgs[1], "signatory")}
    assert list(agreement.focus_areas.values_list("code", flat=True)) == ["climate-mitigation"]
    deletions = Party.history.filter(history_type="-")
    assert {d.id for d in deletions} == {p.pk for p in removed} and {d.history_user for d in deletions} == {data_entry}
    assert [a.focusarea.code for a in agreement.history.latest().focus_areas.all()] == ["climate-mitigation"]


def test_milestones_are_matched_by_title_and_updated(data_entry, agreement):
    kept = MilestoneFactory(agreement=agreement, title="Not in the file", due_on=datetime.date(2026, 3, 1))
    moved = MilestoneFactory(agreement=agreement, title="Feasibility study delivered", due_on=datetime.date(2026, 4, 1))
    report = run(data_entry, [exported(agreement)], [
        milestone(reference=agreement.reference, due_on="2026-09-30", state="done", done_on="2026-09-01"),
        milestone(reference=agreement.reference, title="Brand new", owner="team_officer"),
    ])
    assert report.ok, report.lines()
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": 1}
    moved.refresh_from_db()
    assert (moved.due_on, moved.state, moved.done_on) == (datetime.date(2026, 9, 30), "done", datetime.date(2026, 9, 1))
    assert moved.history.latest().history_user == data_entry
    assert Milestone.objects.get(title="Brand new").owner.username == "team_officer"
    assert Milestone.objects.filter(pk=kept.pk).exists()


# --- Status of existing agreements goes through the workflow --------------------------------

def test_data_entry_cannot_start_an_agreement_by_import_and_nothing_is_written(data_entry, agreement, move_to):
    move_to(agreement, "signed")
    report = run(data_entry, [exported(agreement, title="Also changed", status="in_progress")])
    assert [str(p) for p in report.problems] == [
        "row 2, column status: cannot move it from signed to in progress: Only the owner, the team or a manager may "
        "do this."]
    agreement.refresh_from_db()
    assert (agreement.status, agreement.title) != ("in_progress", "Also changed")
    assert agreement.title != "Also changed"


def test_data_entry_cannot_approve_a_closure_by_import(data_entry, agreement, move_to):
    move_to(agreement, "pending_closure")
    report = run(data_entry, [exported(agreement, status="completed")])
    assert [str(p) for p in report.problems] == [
        "row 2, column status: cannot move it from pending closure to completed: Only a manager may do this."]
    agreement.refresh_from_db()
    assert agreement.status == "pending_closure"


def test_the_manager_who_requested_a_closure_cannot_approve_it_by_import(manager, agreement):
    for status in ("signed", "in_progress", "pending_closure"):
        workflow.transition(agreement, status, by=manager)
    report = run(manager, [exported(agreement, status="completed")])
    assert "Approval needs a second manager" in str(report.problems[0])


def test_a_manager_moves_an_agreement_step_by_step_through_the_workflow(manager, agreement, move_to):
    move_to(agreement, "signed")
    report = run(manager, [exported(agreement, status="on_hold")])
    assert report.ok, report.lines()
    agreement.refresh_from_db()
    assert agreement.status == "on_hold"
    steps = list(agreement.transitions.order_by("id").values_list("action", "by__username"))[-2:]
    assert steps == [("start", "manager_one"), ("hold", "manager_one")]
    assert "Status changed by the import of agreements.csv, row 2." in agreement.transitions.latest("id").comment


def test_a_dry_run_of_a_status_change_reports_the_refusal_too(data_entry, agreement, move_to):
    move_to(agreement, "signed")
    report = run(data_entry, [exported(agreement, status="in_progress")], dry_run=True)
    assert "cannot move it from signed to in progress" in str(report.problems[0])


def test_a_reference_taken_at_the_last_moment_rolls_everything_back(data_entry, monkeypatch):
    """The unique constraint is the last guard behind the allocation lock."""
    AgreementFactory(reference="CAJ-2025-001")
    monkeypatch.setattr("agreements.imports.importer.references.allocate", lambda years: ["CAJ-2025-001"] * len(years))
    report = run(data_entry, [row(parties="Brand New LLP (KZ); Ministry of Energy of the Republic of Kazakhstan (KZ)")],
                 create_organizations=True)
    assert "The database refused the import, so nothing was written" in str(report.problems[0])
    assert Agreement.objects.count() == 1 and not Organization.objects.filter(name="Brand New LLP").exists()
