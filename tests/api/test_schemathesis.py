"""Schemathesis against the live schema of a running server: the tracker's own /api/v1/schema/,
served by pytest-django's live server on a seeded demo database, fuzzed with a manager's
read-write token through every phase (examples, coverage, fuzzing, and stateful sequences
following the links schemathesis infers from the responses and path parameters).

Passes with at least 1,000 generated requests, 0 server errors and 0 responses that break the
schema (status codes, content types, headers and bodies as documented); the figures are printed.
Outside CI a missing schemathesis skips; with CI=true it fails."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from agreements.models import ApiToken, User
from tests.conftest import skip_or_fail

MIN_REQUESTS = 1000
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")


def schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    if not found:
        skip_or_fail("schemathesis is not installed (pip install -r requirements-dev.txt)")
    return found


@pytest.mark.django_db(transaction=True)
def test_schemathesis_against_the_live_schema(live_server, settings, tmp_path):
    binary = schemathesis()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": "1000000/minute"}}  # fuzzing is not abuse
    call_command("seed_demo", agreements=40, seed=7)
    manager = User.objects.filter(groups__name="Manager", is_active=True).order_by("pk").first()
    _token, secret = ApiToken.issue(manager, name="schemathesis", access="write")
    report = Path(os.environ.get("SCHEMATHESIS_REPORT", tmp_path / "report.json"))
    started = time.monotonic()
    run = subprocess.run(
        [binary, "run", f"{live_server.url}/api/v1/schema/", "--checks", CHECKS,
         "-H", f"Authorization: Bearer {secret}", "--max-examples", os.environ.get("SCHEMATHESIS_EXAMPLES", "25"),
         "--seed", "17", "--workers", "1", "--no-color", "--report", "json", "--report-json-path", str(report),
         "--request-timeout", "30"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its cache stays out of the work tree
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    seconds = time.monotonic() - started
    output = run.stdout + run.stderr
    figures = summary(output, report)
    print(f"\nschemathesis: {figures['requests']} requests to {figures['operations']} operations, "
          f"{figures['checks']} checks ({len(CHECKS.split(','))} on each response), {figures['failures']} failures, "
          f"phases {figures['phases']}, in {seconds:.0f} s (exit {run.returncode})")
    assert run.returncode == 0, output[-8000:]
    assert figures["failures"] == 0
    assert figures["phases"]["stateful"] == "success", "the stateful phase (links between operations) did not run"
    assert figures["requests"] >= MIN_REQUESTS, f"only {figures['requests']} requests generated"


def summary(output: str, report: Path) -> dict:
    """Requests, failures and phases from schemathesis's JSON run report."""
    if not report.exists():
        raise AssertionError(f"schemathesis wrote no report:\n{output[-4000:]}")
    data = json.loads(report.read_text())
    cases = data["test_cases"]
    return {"requests": cases["generated"], "checks": cases["generated"] * len(CHECKS.split(",")),
            "failures": cases["with_failures"] + cases["errored"] + len(data["failures"]) + len(data["errors"]),
            "operations": data["operations"]["tested"],
            "phases": {name: phase["status"] for name, phase in data["phases"].items()}}
