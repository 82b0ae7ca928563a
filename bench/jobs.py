"""Background work at scale: the reminder sweep, `send_reminders --dry-run`, the exports, and
the import of a 10,000-row file (with its milestones).

Each step runs when its piece exists on the branch measured and otherwise says "n/a (not built
yet)", so the harness runs anywhere. The names are those the app exposes:
`agreements.reminders.sweep(now)`, the `send_reminders` and `import_agreements` commands,
`agreements.exports.agreements_csv_response` / `milestones_csv_response` / `xlsx_response`.
"""
from __future__ import annotations

import csv
import importlib
import inspect
import io
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

from django.core.management import CommandError, call_command, get_commands
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

NOT_BUILT = "n/a (not built yet)"
SWEEP_FUNCTIONS = ("sweep",)  # agreements.reminders.sweep(now, *, enqueue=True) -> SweepResult
IMPORT_ROWS = 10_000
IMPORT_USER = "manager"  # may import, and sees every agreement (a data entry user would not match restricted ones)


def optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name:
            return None
        raise  # the module exists but is broken: say so loudly


def first_callable(module: ModuleType, names: tuple[str, ...]) -> Callable | None:
    return next((getattr(module, n) for n in names if callable(getattr(module, n, None))), None)


def call_with_time(function: Callable):
    """Pass `now`/`today` when the function takes them (the sweep's clock is a parameter)."""
    parameters = inspect.signature(function).parameters
    kwargs = {}
    if "now" in parameters:
        kwargs["now"] = timezone.now()
    if "today" in parameters:
        kwargs["today"] = timezone.localdate()
    return function(**kwargs)


def worst_case_policy() -> None:
    """Every recipient due at once: the local hour 0 in every zone, the digest today (as
    bench/reminder_sweep.py does). Called inside the rolled-back transaction only."""
    from agreements.models import ReminderPolicy

    ReminderPolicy.objects.update_or_create(pk=ReminderPolicy.SINGLETON_ID,
                                            defaults={"local_hour": 0, "digest_weekday": timezone.now().weekday()})


def reminder_sweep() -> dict:
    """Time the first sweep (the worst case: everything due now, nothing recorded yet: a one-off
    backlog) and count its queries, then time the next one (all recorded already: what beat runs
    every 15 minutes). The writes are rolled back afterwards, which also discards the send tasks
    queued with on_commit: a benchmark mails nobody."""
    module = optional_module("agreements.reminders.deciding")
    sweep = module and first_callable(module, SWEEP_FUNCTIONS)
    if sweep is None:
        return {"result": NOT_BUILT}
    from agreements.models import Agreement, Milestone

    with transaction.atomic():
        worst_case_policy()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call_with_time(sweep)
            seconds = time.perf_counter() - started
        started = time.perf_counter()
        call_with_time(sweep)
        steady = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"seconds": round(seconds, 3), "queries": len(captured), "steady_state_seconds": round(steady, 3),
            "agreements": Agreement.objects.count(),
            "milestones": Milestone.objects.count(), "decided": getattr(result, "decided", _size(result)),
            "emails": len(getattr(result, "groups", []) or []), "function": f"{sweep.__module__}.{sweep.__name__}"}


def _size(value) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return None


def send_reminders_dry_run() -> dict:
    if "send_reminders" not in get_commands():
        return {"result": NOT_BUILT}
    output = io.StringIO()
    started = time.perf_counter()
    call_command("send_reminders", dry_run=True, stdout=output)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "output_lines": len(output.getvalue().splitlines())}


# --- Export and import ---------------------------------------------------------------------

def first_agreements(rows: int = IMPORT_ROWS):
    from agreements.models import Agreement

    pks = Agreement.objects.order_by("pk").values_list("pk", flat=True)
    last = pks[min(rows, pks.count()) - 1]
    return Agreement.objects.filter(pk__lte=last).order_by("reference")


def export_files(folder: Path, rows: int = IMPORT_ROWS) -> dict:
    """The first `rows` agreements and their milestones through the app's own exports (the
    import template, so the files import as they are), CSV and XLSX, each timed."""
    exports = optional_module("agreements.imports.exports")
    if exports is None or not hasattr(exports, "agreements_csv_response"):
        return {"result": f"{NOT_BUILT}: no agreements.exports.agreements_csv_response"}
    queryset = first_agreements(rows)
    figures = {"rows": queryset.count()}
    for name, exporter in (("agreements.csv", exports.agreements_csv_response),
                           ("milestones.csv", exports.milestones_csv_response),
                           ("agreements.xlsx", exports.xlsx_response)):
        started = time.perf_counter()
        size = write_response(exporter(queryset), folder / name)
        figures[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
        figures[f"{name}_bytes"] = size
    return figures


def write_response(response, path: Path) -> int:
    """Drain a streamed or file response into `path`, as a browser downloading it would."""
    with path.open("wb") as stream:
        for chunk in response.streaming_content if response.streaming else [response.content]:
            stream.write(chunk.encode() if isinstance(chunk, str) else chunk)
    response.close()
    return path.stat().st_size


def as_new_agreements(folder: Path) -> int:
    """Turn the exported files into what a ministry would import into this database: rows whose
    reference it does not hold become new agreements (blank reference — the importer numbers
    them — and a title made unique with the old reference, since the milestones file names a new
    agreement by its exact title); the others stay updates of the agreements they name."""
    from agreements.models import Agreement

    known = set(Agreement.objects.values_list("reference", flat=True))
    new_titles: dict[str, str] = {}

    def rewrite(name: str, change) -> None:
        path = folder / name
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]) if rows else ["reference"])
            writer.writeheader()
            writer.writerows(map(change, rows))

    def agreement(row: dict) -> dict:
        if row["reference"] not in known:
            new_titles[row["reference"]] = row["title"] = f"{row['title']} [{row['reference']}]"
            row["reference"] = ""
        return row

    def milestone(row: dict) -> dict:
        row["reference"] = new_titles.get(row["reference"], row["reference"])
        return row

    rewrite("agreements.csv", agreement)
    rewrite("milestones.csv", milestone)
    return len(new_titles)


def import_files(folder: Path) -> dict:
    """Dry run, then the real import, of the exported CSVs into the demo-size database."""
    if "import_agreements" not in get_commands():
        return {"result": NOT_BUILT}
    timings: dict = {"new_agreements": as_new_agreements(folder)}
    arguments = {"milestones": str(folder / "milestones.csv"), "user": IMPORT_USER}
    for label, options in (("dry_run", {"dry_run": True}), ("import", {})):
        output = io.StringIO()
        started = time.perf_counter()
        try:
            call_command("import_agreements", str(folder / "agreements.csv"), stdout=output, stderr=output,
                         **arguments, **options)
        except CommandError as refused:  # reported, not raised: the figures measured so far are kept
            return {"result": f"FAILED ({label}): {refused}; {output.getvalue().strip()[:300]}"}
        timings[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
        timings[f"{label}_says"] = (output.getvalue().strip().splitlines() or [""])[-1][:160]
    return timings
