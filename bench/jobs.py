"""Background work at scale: the reminder sweep, `send_reminders --dry-run`, and the import of
a 10,000-row file.

These modules are built on other branches; each step runs when its piece exists on this
branch and otherwise says "n/a (not built yet)", so the harness runs anywhere. The names it
looks for are the interfaces of DESIGN.md (`agreements.reminders`, `send_reminders`,
`import_agreements`, `agreements.exports`); if one lands under another name, adapt the
constants below.
"""
from __future__ import annotations

import importlib
import inspect
import io
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

NOT_BUILT = "n/a (not built yet)"
SWEEP_FUNCTIONS = ("sweep", "run_sweep", "decide_reminders")
CSV_EXPORTERS = ("write_agreements_csv", "export_agreements_csv", "agreements_csv", "write_csv")
IMPORT_ROWS = 10_000


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


def reminder_sweep() -> dict:
    """Time one sweep and count its queries. Its writes are rolled back afterwards, which also
    discards the send tasks it queued with on_commit: a benchmark mails nobody."""
    module = optional_module("agreements.reminders")
    sweep = module and first_callable(module, SWEEP_FUNCTIONS)
    if sweep is None:
        return {"result": NOT_BUILT}
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            decided = call_with_time(sweep)
            seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"seconds": round(seconds, 3), "queries": len(captured), "decided": _size(decided),
            "function": f"{sweep.__module__}.{sweep.__name__}"}


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


# --- Import -------------------------------------------------------------------------------

def export_csv(path: Path, rows: int = IMPORT_ROWS) -> dict:
    """Write the first `rows` agreements through the app's own export (the import template)."""
    module = optional_module("agreements.exports")
    exporter = module and first_callable(module, CSV_EXPORTERS)
    if exporter is None:
        reason = "agreements.exports" if module is None else f"a CSV writer in agreements.exports ({', '.join(CSV_EXPORTERS)})"
        return {"result": f"{NOT_BUILT}: no {reason}"}
    from agreements.models import Agreement

    pks = Agreement.objects.order_by("pk").values_list("pk", flat=True)
    last = pks[min(rows, pks.count()) - 1]
    queryset = Agreement.objects.filter(pk__lte=last).order_by("pk")
    started = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as stream:
        returned = exporter(queryset, stream)
        if returned is not None and not isinstance(returned, int):
            stream.writelines(part.decode() if isinstance(part, bytes) else part for part in
                              ([returned] if isinstance(returned, (str, bytes)) else returned))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "rows": queryset.count(), "bytes": path.stat().st_size}


def import_file(path: Path) -> dict:
    """Dry run, then the real import, of the exported file (into the demo-size database)."""
    if "import_agreements" not in get_commands():
        return {"result": NOT_BUILT}
    timings = {}
    for label, options in (("dry_run", {"dry_run": True}), ("import", {})):
        output = io.StringIO()
        started = time.perf_counter()
        call_command("import_agreements", str(path), stdout=output, stderr=output, **options)
        timings[f"{label}_seconds"] = round(time.perf_counter() - started, 2)
        timings[f"{label}_says"] = (output.getvalue().strip().splitlines() or [""])[-1][:160]
    return timings
