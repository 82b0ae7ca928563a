"""Bulk import of agreements and their milestones from the template (CSV or XLSX).

`import_agreements(user, upload, milestones=None, dry_run=..., create_organizations=...)`
is the one entry point; the `import_agreements` command and the admin's import pages
are interfaces onto it.

**All or nothing.** Reading (`agreements.imports.files`) and checking every row of both
sheets (`agreements.imports.plan`, `agreements.imports.milestones`) come first and collect
every problem. Only a file without problems is written, in one transaction. A dry run is
the real thing rolled back at the end, so what it reports (generated references,
workflow refusals included) is what the import would do.

**Who.** Only users the policy lets edit records (data entry, managers) may import, and
only agreements they can see are matched. Every history row written meanwhile
(django-simple-history, including those of workflow transitions) records the importing
user, as does every TransitionLog row.

**Status — the decision.** The file may give a status:

- A *new* agreement's status is a historical fact being recorded (it was signed at the
  summit, it is in progress since): its path from draft is replayed through
  `workflow.replay()` / `workflow.path_to()`, which only allows edges of the workflow
  table. The importer's *rights* for each step are not checked (data entry staff record
  what managers decided on paper), but the *conditions* that are facts about the data are
  (two parties, an owner and a date to be signed; milestones done or waived to be closed).
  The log rows say they were recorded by the import, by whom.
- An *existing* agreement whose status differs is a decision being taken now: it goes
  through `workflow.transition()` step by step as the importing user, so rights and
  conditions apply exactly as on the agreement page. A data entry user cannot approve a
  closure or terminate by spreadsheet; each refusal is a row problem and, as every
  problem, stops the whole import.

Speed: rows are created with bulk inserts (history included), so 2,000 agreements take
about a second on PostgreSQL; see the README for measured figures.
"""
from __future__ import annotations

import datetime
import time
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from agreements import policy, references, workflow
from agreements.batches import CHUNK, chunks
from agreements.imports import sources
from agreements.imports.columns import (
    AGREEMENT_COLUMNS,
    AGREEMENT_READ_ONLY,
    MILESTONE_COLUMNS,
    MILESTONE_READ_ONLY,
    names,
)
from agreements.imports.changes import Describer, agreement_changes, milestone_changes
from agreements.imports.files import FileRefused, Sheet, Upload, find_header, read_sheets
from agreements.imports.milestones import plan_milestones
from agreements.imports.plan import AgreementRow, MilestoneRow, Plan, check_new_conditions, plan_agreements, start_plan
from agreements.imports.report import ImportReport, Outcome, Problem
from agreements.models import Agreement, Milestone, Organization, Party, Status, TransitionLog

FIELD_NAMES = ("title", "kind", "pillar", "signed_on", "signed_at", "lead_organization", "owner", "value", "currency",
               "end_date", "confidentiality", "summary", "confidence")  # columns that are plain fields of Agreement


def import_agreements(user, agreements: Upload, milestones: Upload | None = None, *, dry_run: bool = False,
                      create_organizations: bool = False, encoding: str = "auto") -> ImportReport:
    """Check, then (unless a dry run or anything is wrong) write, all in one transaction."""
    started = time.perf_counter()
    report = ImportReport(source=agreements.name, dry_run=dry_run)
    if not policy.can_edit_record(user):
        report.add(Problem(_("Only data entry staff and managers may import agreements.")))
        return report
    try:
        sheets = read_sources(agreements, milestones, encoding, report)
        _run(user, sheets, report, create_organizations=create_organizations)
    except FileRefused as refused:
        report.add(Problem(" ".join(refused.messages)))
    except (IntegrityError, OperationalError) as error:
        report.add(Problem(_("The database refused the import, so nothing was written (%(error)s). Try again: another "
                             "import or edit may have been changing the same agreements at that moment.")
                           % {"error": str(error).strip().splitlines()[0][:200]}))
    report.seconds = time.perf_counter() - started
    return report


def read_sources(agreements: Upload, milestones: Upload | None, encoding: str,
                 report: ImportReport) -> tuple[Sheet, Sheet | None]:
    known = names(AGREEMENT_COLUMNS) + names(AGREEMENT_READ_ONLY)
    found = read_sheets(agreements, ("agreements", "milestones"), known_columns=known, encoding=encoding,
                        required_columns=[c.name for c in AGREEMENT_COLUMNS if c.required])
    sheet, milestone_sheet = found["agreements"], found.get("milestones")
    if milestone_sheet is not None:
        find_header(milestone_sheet, {c.name for c in MILESTONE_COLUMNS if c.required},
                    set(names(MILESTONE_COLUMNS) + names(MILESTONE_READ_ONLY)), agreements.name)
    if milestone_sheet is not None and not milestone_sheet.header:
        milestone_sheet = None  # the template's milestones sheet, left empty
    if milestones is not None:
        if milestone_sheet is not None:
            raise FileRefused(_("%(workbook)s has a milestones sheet and a milestones file was given too (%(file)s); "
                                "use one of them.") % {"workbook": agreements.name, "file": milestones.name})
        known = names(MILESTONE_COLUMNS) + names(MILESTONE_READ_ONLY)
        milestone_sheet = read_sheets(milestones, ("milestones",), known_columns=known, encoding=encoding,
                                      required_columns=[c.name for c in MILESTONE_COLUMNS if c.required])["milestones"]
    report.notes = sheet.notes + (milestone_sheet.notes if milestone_sheet else [])
    return sheet, milestone_sheet


def _run(user, sheets: tuple[Sheet, Sheet | None], report: ImportReport, *, create_organizations: bool) -> None:
    sheet, milestone_sheet = sheets
    with recorded_as(user), transaction.atomic():
        plan = build_plan(user, sheet, milestone_sheet, create_organizations=create_organizations)
        if plan.lookups.day_first_read:
            report.notes.append(_("Dates such as 20.12.2025 were read as day.month.year."))
        for problem in plan.problems:
            report.add(problem)
        if report.ok:
            write(plan, report)
        if report.ok:
            report.outcomes = outcomes(plan)
        if not report.ok or report.dry_run:
            transaction.set_rollback(True)


def build_plan(user, sheet: Sheet, milestone_sheet: Sheet | None, *, create_organizations: bool = False) -> Plan:
    plan, index, m_index = start_plan(user, sheet, milestone_sheet, create_organizations=create_organizations)
    if plan.problems:
        return plan
    plan_agreements(plan, sheet, index)
    if milestone_sheet is not None:
        plan_milestones(plan, milestone_sheet, m_index)
    check_new_conditions(plan)
    return plan


@contextmanager
def recorded_as(user):
    """Attribute every history row written inside to `user`, also outside a web request
    (django-simple-history reads the user from the request its middleware stores)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


def outcomes(plan: Plan) -> list[Outcome]:
    """Per row what happens; for an update, each changed column old → new (agreements.imports.changes)."""
    describer = Describer(plan.lookups)
    found = [Outcome("agreements", row.row, row.reference, row.action, row.changes, row.note,
                     own_reference=row.own_reference, fields=agreement_changes(describer, row))
             for row in plan.agreements]
    for row in plan.milestones:
        target = row.target.reference or row.target.values.get("title", "")
        fields = milestone_changes(describer, row, row.before) if row.action == "updated" else []
        found.append(Outcome("milestones", row.row, target, row.action, row.changes,
                             title=row.values.get("title", ""), fields=fields))
    return found


# --- Writing (only a plan without problems gets here) -------------------------------------------

class Writer:
    def __init__(self, plan: Plan, report: ImportReport) -> None:
        self.plan, self.report, self.user = plan, report, plan.user
        self.now = timezone.now()
        self.reason = (_("Import of %(file)s") % {"file": report.source})[:100]
        self.organizations: dict = {}

    def org(self, key):
        """An organization id; new organizations were created first and are looked up by key."""
        return self.organizations.get(key, key) if isinstance(key, tuple) else key

    def history_kwargs(self) -> dict:
        return {"default_user": self.user, "default_change_reason": self.reason, "default_date": self.now}


def write(plan: Plan, report: ImportReport) -> None:
    writer = Writer(plan, report)
    _create_organizations(writer)
    created = [row for row in plan.agreements if row.action == "created"]
    changed = [row for row in plan.agreements if row.action == "updated"]
    _create_agreements(writer, created)
    edited = _update_agreements(writer, changed)
    _write_milestones(writer, plan.milestones)
    _record_history(writer, [row.created for row in created], update=False)
    _record_history(writer, edited, update=True)
    _walk_statuses(writer, [row for row in changed if row.status_path])


def _create_organizations(writer: Writer) -> None:
    wanted = writer.plan.lookups.new_organizations
    if not wanted:
        return
    created = Organization.objects.bulk_create(
        [Organization(name=name, country=country) for name, country in wanted.values()], batch_size=CHUNK)
    for key, organization in zip(wanted, created):
        writer.organizations[key] = organization.pk
    writer.report.organizations_created = [f"{o.name} ({o.country})" for o in created]


def _assign(writer: Writer, agreement: Agreement, names, value_of) -> None:
    """The row's values of plain Agreement fields onto `agreement` (organizations by their ids)."""
    for name in names:
        value = value_of(name)
        setattr(agreement, Agreement._meta.get_field(name).attname,
                writer.org(value) if name == "lead_organization" else value)


def _new_agreement(writer: Writer, row: AgreementRow, reference: str) -> Agreement:
    agreement = Agreement(reference=reference, status_changed_at=writer.now)
    _assign(writer, agreement, FIELD_NAMES, row.resulting)
    comment = _("Recorded by the import of %(file)s, row %(row)d (status given in the file).") % {
        "file": writer.report.source, "row": row.row}
    signed_at = _signature_time(row.resulting("signed_on"), writer.now)
    steps = [(status, signed_at if status == Status.SIGNED else writer.now, writer.user, comment)
             for status in row.status_path]
    row.logs = workflow.replay(agreement, steps)
    return agreement


def _signature_time(day: datetime.date | None, now: datetime.datetime) -> datetime.datetime:
    if day is None:
        return now
    return min(now, datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.timezone.utc))


def _create_agreements(writer: Writer, rows: list[AgreementRow]) -> None:
    if not rows:
        return
    numbered = [row for row in rows if not row.own_reference]
    for row, reference in zip(numbered, references.allocate([row.year for row in numbered])):
        row.created, row.reference = _new_agreement(writer, row, reference), reference
    for row in rows:
        if row.own_reference:  # the file's own numbering, kept as written
            row.created = _new_agreement(writer, row, row.reference)
    created = Agreement.objects.bulk_create([row.created for row in rows], batch_size=CHUNK)
    if any(agreement.pk is None for agreement in created):  # databases that return no ids from bulk inserts
        ids = dict(Agreement.objects.filter(reference__in=[r.reference for r in rows]).values_list("reference", "pk"))
        for row in rows:
            row.created.pk = ids[row.reference]
    through = Agreement.focus_areas.through
    through.objects.bulk_create([through(agreement_id=row.created.pk, focusarea_id=area)
                                 for row in rows for area in row.resulting("focus_areas")], batch_size=CHUNK)
    parties = [Party(agreement_id=row.created.pk, organization_id=writer.org(org), role=role)
               for row in rows for org, role in row.resulting("parties")]
    bulk_create_with_history(parties, Party, batch_size=CHUNK, **writer.history_kwargs())
    sources.replace_sources({row.created.pk: row.resulting("sources") for row in rows if row.resulting("sources")})
    logs = []
    for row in rows:
        for log in row.logs:
            log.agreement_id = row.created.pk
            logs.append(log)
    TransitionLog.objects.bulk_create(logs, batch_size=CHUNK)


def _update_agreements(writer: Writer, rows: list[AgreementRow]) -> list[Agreement]:
    """Fields in one bulk update; focus areas and parties by difference. Returns the edited ones."""
    edited, fields = [], set()
    for row in rows:
        agreement, changes = row.existing, set(row.changes) - {"status"}
        _assign(writer, agreement, changes & set(FIELD_NAMES), row.values.__getitem__)
        fields |= changes & set(FIELD_NAMES)
        if changes:
            agreement.version += 1
            agreement.updated_at = writer.now
            edited.append(agreement)
    if edited:
        Agreement.objects.bulk_update(edited, sorted(fields | {"version", "updated_at"}), batch_size=CHUNK)
    _replace_focus_areas([row for row in rows if "focus_areas" in row.changes])
    _change_parties(writer, [row for row in rows if "parties" in row.changes])
    sources.replace_sources({row.existing.pk: row.values["sources"] for row in rows if "sources" in row.changes})
    return edited


def _replace_focus_areas(rows: list[AgreementRow]) -> None:
    through = Agreement.focus_areas.through
    for chunk in chunks(rows):
        through.objects.filter(agreement_id__in=[row.existing.pk for row in chunk]).delete()
        through.objects.bulk_create([through(agreement_id=row.existing.pk, focusarea_id=area)
                                     for row in chunk for area in row.values["focus_areas"]])


def _change_parties(writer: Writer, rows: list[AgreementRow]) -> None:
    added, removed = [], []
    for row in rows:
        wanted = {(writer.org(org), role) for org, role in row.values["parties"]}
        have = row.existing.related.parties
        removed += [pk for key, pk in have.items() if key not in wanted]
        added += [Party(agreement_id=row.existing.pk, organization_id=writer.org(org), role=role)
                  for org, role in row.values["parties"] if (writer.org(org), role) not in have]
    for chunk in chunks(removed):
        for party in Party.objects.filter(pk__in=chunk):
            party.delete()  # one by one, so the history records each removal (and who made it)
    bulk_create_with_history(added, Party, batch_size=CHUNK, **writer.history_kwargs())


def _write_milestones(writer: Writer, rows: list[MilestoneRow]) -> None:
    new, changed, fields = [], [], set()
    for row in rows:
        values = row.values
        if row.action == "created":
            new.append(Milestone(agreement_id=row.target.agreement.pk, title=values["title"], due_on=values["due_on"],
                                 owner_id=values["owner"], state=values["state"], done_on=values["done_on"],
                                 waiver_reason=values["waiver_reason"]))
        elif row.action == "updated":
            for name in row.changes:
                setattr(row.existing, Milestone._meta.get_field(name).attname, values[name])
                fields.add(name)
            changed.append(row.existing)
    bulk_create_with_history(new, Milestone, batch_size=CHUNK, **writer.history_kwargs())
    if changed:
        bulk_update_with_history(changed, Milestone, sorted(fields), batch_size=CHUNK, **writer.history_kwargs())


def _record_history(writer: Writer, agreements: list[Agreement], *, update: bool) -> None:
    """History rows for bulk-written agreements, with their focus areas and team as they are
    now (django-simple-history's bulk helpers leave many-to-many snapshots out)."""
    if not agreements:
        return
    history = Agreement.history.bulk_history_create(agreements, update=update, batch_size=CHUNK,
                                                    **writer.history_kwargs())
    by_agreement = {record.id: record for record in history}
    for name in ("focus_areas", "team"):
        through = Agreement._meta.get_field(name).remote_field.through
        snapshot_model = getattr(Agreement.history.model, name).model
        attnames = [f.attname for f in through._meta.fields]
        rows = []
        for chunk in chunks(list(by_agreement)):
            for link in through.objects.filter(agreement_id__in=chunk):
                rows.append(snapshot_model(history=by_agreement[link.agreement_id],
                                           **{attname: getattr(link, attname) for attname in attnames}))
        snapshot_model.objects.bulk_create(rows, batch_size=CHUNK)


def _walk_statuses(writer: Writer, rows: list[AgreementRow]) -> None:
    """Existing agreements: each step through the workflow, as the importing user."""
    for row in rows:
        comment = _("Status changed by the import of %(file)s, row %(row)d.") % {
            "file": writer.report.source, "row": row.row}
        for status in row.status_path:
            before = row.existing.status
            try:
                workflow.transition(row.existing, status, by=writer.user, comment=comment, at=writer.now)
            except workflow.TransitionError as refusal:
                writer.report.add(Problem(
                    _("cannot move it from %(from)s to %(to)s: %(reason)s")
                    % {"from": Status(before).label.lower(), "to": Status(status).label.lower(),
                       "reason": " ".join(refusal.messages)}, row.row, "status"))
                break
