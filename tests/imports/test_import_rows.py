"""Every problem of every row is listed as "row N, column X: what is wrong", and nothing is written."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from agreements.imports.importer import import_agreements
from agreements.models import Agreement, Organization
from tests.factories import AgreementFactory, UserFactory
from tests.imports.import_files import (
    HEADER,
    MILESTONE_HEADER,
    csv_bytes,
    milestone,
    row,
    rows_of,
    upload,
    workbook,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("import_orgs", "officer")


def run(user, rows, milestones=None, **options):
    if milestones is None:
        return import_agreements(user, upload(csv_bytes(rows)), **options)
    return import_agreements(user, upload(workbook(rows, milestones), "summit.xlsx"), **options)


def problems(report) -> list[str]:
    assert not report.ok, "expected problems"
    return report.lines()


def test_all_problems_of_all_rows_are_listed_in_order(data_entry):
    report = run(data_entry, [
        row(title="Fine"),
        row(title="", kind="treaty of friendship", signed_on="19.13.2025"),
        row(title="Also fine"),
        row(title="Bad value", value="1,5", currency="JP¥", end_date="2020-01-01"),
    ])
    assert problems(report) == [
        "row 3, column title: is required.",
        "row 3, column kind: “treaty of friendship” is not a known kind of agreement.",
        "row 3, column signed_on: “19.13.2025” is not a real date.",
        "row 5, column value: “1,5” is not a plain number; write it like 1500000 or 2500000.50.",
        "row 5, column currency: “JP¥” is not an ISO 4217 currency code such as JPY or USD. Did you mean “JPY”?",
    ]
    assert not Agreement.objects.exists()
    assert "nothing was written" in report.summary()


def test_rule_problems_are_reported_on_the_column_to_fix(data_entry):
    report = run(data_entry, [row(value="100", currency=""), row(title="Ends early", end_date="2025-01-01")])
    assert problems(report) == [
        "row 2, column currency: give the currency of the value (e.g. JPY).",
        "row 3, column end_date: ends before it was signed (2025-12-19).",
    ]


def test_codes_and_labels_are_accepted_in_any_case(data_entry):
    report = run(data_entry, [row(kind="MEMORANDUM OF UNDERSTANDING", pillar="green and resilience",
                                  focus_areas="Renewable energy transition; CLIMATE-MITIGATION", status="In Progress",
                                  confidentiality="Internal (every signed-in user)")])
    assert report.ok, report.lines()
    agreement = Agreement.objects.get()
    assert (agreement.kind, agreement.pillar.code, agreement.status) == ("mou", "green-resilience", "in_progress")
    areas = sorted(agreement.focus_areas.values_list("code", flat=True))
    assert areas == ["climate-mitigation", "renewable-transition"]


@pytest.mark.parametrize("text, expected", [
    ("1500000000", Decimal("1500000000")), ("1 500 000", Decimal("1500000")), ("1,500,000.50", Decimal("1500000.50")),
    ("2500000.5", Decimal("2500000.50")),
])
def test_amounts_are_read_as_people_write_them(data_entry, text, expected):
    assert run(data_entry, [row(value=text, currency="jpy")]).ok
    agreement = Agreement.objects.get()
    assert (agreement.value, agreement.currency) == (expected, "JPY")


@pytest.mark.parametrize("text, message", [
    ("-5", "cannot be negative."), ("12.345", "has more than two decimals."), ("lots", "is not a plain number"),
])
def test_wrong_amounts_are_explained(data_entry, text, message):
    assert message in problems(run(data_entry, [row(value=text, currency="JPY")]))[0]


@pytest.mark.parametrize("text, message", [
    ("2025-02-30", "“2025-02-30” is not a real date."), ("31.02.2025", "“31.02.2025” is not a real date."),
    ("12/19/2025", "“12/19/2025” puts the month first (19 cannot be a month); write it as YYYY-MM-DD or day first "
                   "(19.12.2025)."),
    ("05/06/2025", "“05/06/2025” could be 2025-06-05 or 2025-05-06: no other date in the file shows whether the day "
                   "or the month comes first."),
    ("next week", "is not a date in the form YYYY-MM-DD (e.g. 2025-12-19) or day.month.year (19.12.2025)."),
    ("1925-12-19", "the year 1925 looks wrong."),
])
def test_wrong_dates_are_explained(data_entry, text, message):
    assert message in problems(run(data_entry, [row(signed_on=text)]))[0]


def test_parties_are_read_with_roles_and_names_with_parentheses(data_entry):
    Organization.objects.create(name="Japan International Cooperation Agency (JICA)", country="JP")
    parties = ("Japan International Cooperation Agency (JICA) (JP) [Implementing partner]; "
               "Ministry of Energy of the Republic of Kazakhstan (kz); "
               "Ministry of Economy, Trade and Industry (JP) [financier]")
    assert run(data_entry, [row(parties=parties)]).ok, "parties not read"
    found = {(p.organization.name, p.role) for p in Agreement.objects.get().parties.select_related("organization")}
    assert found == {("Japan International Cooperation Agency (JICA)", "implementing"),
                     ("Ministry of Energy of the Republic of Kazakhstan", "signatory"),
                     ("Ministry of Economy, Trade and Industry", "financier")}


def test_wrong_party_entries_are_explained(data_entry):
    lines = problems(run(data_entry, [
        row(parties="METI Japan [; Ministry of Energy of the Republic of Kazakhstan (KZ)"),
        row(title="Two", parties="Ministry of Economy, Trade and Industry (XX); Somebody (KZ) [sponsor]"),
        row(title="Three", lead_organization="Ministry of Economy, Trade and Industry (JP) [signatory]"),
    ]))
    assert lines[0] == ("row 2, column parties: “METI Japan [” should look like “Japan International Cooperation "
                        "Agency (JP) [implementing]”.")
    assert lines[1].startswith("row 3, column parties: “XX” is not an ISO 3166 country code")
    assert "“sponsor” is not a known party role." in lines[1]
    assert lines[2].startswith("row 4, column lead_organization:") and "has no role" in lines[2]


def test_unknown_organizations_are_an_error_unless_creation_is_asked_for(data_entry):
    rows = [row(parties="Uzbekistan Airways (UZ); Ministry of Economy, Trade and Industry (JP)",
                lead_organization="Uzbekistan Airways (UZ)")]
    lines = problems(run(data_entry, rows))
    unknown = ("unknown organization “Uzbekistan Airways (UZ)”. Add it in the admin first, or import with "
               "“create missing organizations” (--create-organizations).")
    assert lines == [f"row 2, column parties: {unknown}", f"row 2, column lead_organization: {unknown}"]
    report = run(data_entry, rows, create_organizations=True)
    assert report.ok and report.organizations_created == ["Uzbekistan Airways (UZ)"]
    agreement = Agreement.objects.get()
    assert agreement.lead_organization.name == "Uzbekistan Airways"
    assert agreement.parties.filter(organization=agreement.lead_organization).exists()


def test_organizations_match_whatever_the_case_and_by_short_name(data_entry, import_orgs):
    import_orgs[1].short_name = "MinEnergy KZ"
    import_orgs[1].save()
    assert run(data_entry, [row(parties="ministry of economy, trade and industry (jp); MinEnergy KZ (KZ)")]).ok
    assert Organization.objects.count() == 2


def test_owner_by_username_or_email_and_refusals(data_entry, officer):
    UserFactory(username="gone", is_active=False)
    lines = problems(run(data_entry, [row(owner="nobody"), row(title="Two", owner="gone"),
                                      row(title="Three", owner=officer.email.upper())]))
    assert lines == ["row 2, column owner: no user “nobody”: give a username or an e-mail address.",
                     "row 3, column owner: the user “gone” is deactivated."]


def test_a_new_signed_agreement_must_meet_the_conditions_of_signing(data_entry):
    lines = problems(run(data_entry, [
        row(parties="Ministry of Economy, Trade and Industry (JP)"),
        row(title="No owner", owner=""),
        row(title="No date", signed_on=""),
        row(title="A draft may lack all of it", status="draft", owner="", signed_on="", parties=""),
    ]))
    assert lines == [
        "row 2, column parties: Signing needs at least two parties: 1 is recorded.",
        "row 3, column owner: Signing needs an owner.",
        "row 4, column signed_on: Signing needs the date of signature.",
    ]


def test_a_new_completed_agreement_needs_its_milestones_done(data_entry):
    rows = [row(status="completed")]
    lines = problems(run(data_entry, rows, [milestone(reference=rows[0]["title"])]))
    assert lines == ["row 2, column status: Closure needs every milestone done or waived: 1 is still planned."]
    done = milestone(reference=rows[0]["title"], state="done", done_on="2026-05-01")
    assert run(data_entry, rows, [done]).ok


@time_machine.travel(datetime.datetime(2026, 1, 10, 9, tzinfo=datetime.timezone.utc))
def test_a_signature_in_the_future_is_refused(data_entry):
    assert problems(run(data_entry, [row(signed_on="2026-03-01")])) == [
        "row 2, column signed_on: the date of signature is in the future."]


def test_a_missing_tracker_reference_is_a_typo_and_a_restricted_one_says_so_never_blank_it(data_entry, restricted):
    lines = problems(run(data_entry, [row(reference="CAJ-2031-999"), row(reference=restricted.reference, title="x")]))
    assert lines == [
        "row 2, column reference: there is no agreement “CAJ-2031-999”. References of the form CAJ-<year>-NNN are "
        "given by the tracker, so this one is probably mistyped: check it against the agreement's page. (A new "
        "agreement takes a blank reference or the file's own numbering.)",
        f"row 3, column reference: “{restricted.reference}” is a restricted agreement that you may not change (only "
        "its owner, its team and managers may). Remove this row from the file, or ask a manager to import it. Do not "
        "blank the reference: that would create a second copy."]
    assert not any("blank to create" in line for line in lines)
    assert Agreement.objects.count() == 1


@pytest.mark.parametrize("who", ["viewer", "officer"])
def test_only_data_entry_and_managers_may_import(request, who):
    user = request.getfixturevalue(who)
    report = run(user, [row()])
    assert problems(report) == ["Only data entry staff and managers may import agreements."]
    assert not Agreement.objects.exists()


def test_a_manager_may_import(manager):
    assert run(manager, [row()]).ok


def test_texts_longer_than_their_field_are_refused(data_entry):
    assert problems(run(data_entry, [row(title="x" * 301)])) == [
        "row 2, column title: is 301 characters long; at most 300 fit."]


def test_an_existing_agreement_cannot_go_back_to_draft(manager, agreement, move_to):
    move_to(agreement, "completed")
    assert problems(run(manager, [row(reference=agreement.reference, status="draft")])) == [
        "row 2, column status: a completed agreement cannot become draft."]


def test_milestone_problems_name_the_milestones_sheet(data_entry, agreement):
    report = run(data_entry, [row()], [
        milestone(reference="CAJ-2099-001"),
        milestone(reference=agreement.reference, state="done"),
        milestone(reference=agreement.reference, title="Waived", state="waived"),
        milestone(reference=agreement.reference, title="Planned", done_on="2026-01-01"),
        milestone(reference=agreement.reference, title="", due_on=""),
    ])
    assert problems(report) == [
        "milestones row 2, column reference: there is no agreement “CAJ-2099-001” that you can see, and no new "
        "agreement with this title in the agreements sheet.",
        "milestones row 6, column title: is required.",
        "milestones row 3, column done_on: give the date the milestone was done.",
        "milestones row 4, column waiver_reason: say why the milestone is waived.",
        "milestones row 5, column done_on: only a done milestone has a done date.",
    ]


def test_milestones_of_a_restricted_agreement_say_it_may_not_be_changed(data_entry, restricted):
    report = run(data_entry, [row()], [milestone(reference=restricted.reference)])
    assert problems(report) == [
        f"milestones row 2, column reference: “{restricted.reference}” is a restricted agreement that you may not "
        "change (only its owner, its team and managers may). Remove this row, or ask a manager to import it."]


def test_a_milestones_sheet_missing_a_column_is_named(data_entry):
    header = [name for name in MILESTONE_HEADER if name != "due_on"]
    data = xlsx_bytes({"agreements": rows_of([row()], HEADER), "milestones": [header]})
    report = import_agreements(data_entry, upload(data, "a.xlsx"))
    assert problems(report) == ["milestones row 1, column due_on: this required column is missing from the header row."]


def test_problems_beyond_a_thousand_are_counted_not_listed(data_entry):
    report = run(data_entry, [row(title=f"T{n}", kind="?", pillar="?") for n in range(600)])
    assert len(report.problems) == 1000 and report.problems_left_out == 200
    assert report.lines()[-1] == "… and 200 more problems."


def test_an_existing_agreement_is_matched_whatever_the_case_of_its_reference(data_entry):
    agreement = AgreementFactory(reference="CAJ-2025-011")
    report = run(data_entry, [row(reference="caj-2025-011", title=agreement.title)])
    assert report.ok, report.lines()
    assert report.outcomes[0].reference == "CAJ-2025-011"
