"""The load run: many signed-in users at once on a realistic mix, played by locust (headless).

Before locust starts, every virtual user is signed in through the real login form (PBKDF2 costs
~0.3 s a sign-in, which would otherwise sit inside the measured minute), and each task of the
mix is probed: a page that answers 404 or a form whose URL is not routed yet is left out of the
mix and reported as skipped, so the run works on any branch.

The mix is a table (MIX below, or a JSON file with the same shape via --mix-file): per task a
method, a path template and a weight per role. Placeholders: {filter} a list query string,
{reference} any agreement the user may see, {own_reference} one the user owns (in progress),
{percent} and {health} for the progress form.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.environment import ROOT
from bench.webclient import WebClient, sign_in

REQUIREMENTS = ROOT / "bench" / "requirements.txt"
MANAGER_SHARE = 0.2  # one user in five is a manager, the rest officers

MIX: list[dict] = [
    {"name": "list (filters)", "method": "GET", "path": "/agreements/?{filter}", "weights": {"officer": 35, "manager": 35}},
    {"name": "agreement page", "method": "GET", "path": "/agreements/{reference}/", "weights": {"officer": 30, "manager": 25}},
    {"name": "post progress update", "method": "POST", "path": "/agreements/{own_reference}/progress/",
     "weights": {"officer": 10},
     "form": {"percent_complete": "{percent}", "health": "{health}",
              "summary": "Working group met; the feasibility study is on schedule.",
              "next_steps": "Draft terms of reference for the next phase.",
              # The health is random: when it is better than the data suggests, the form asks why
              # (README, "Honest health") and answers 400 without a reason.
              "health_reason": "The ministry confirmed the schedule at the working group."}},
    {"name": "my work (/)", "method": "GET", "path": "/", "weights": {"officer": 25, "manager": 10}},
    {"name": "dashboard (/reports/)", "method": "GET", "path": "/reports/", "weights": {"manager": 30}},
    {"name": "API agreement list", "method": "GET", "path": "/api/v1/agreements/?pillar=green-resilience&status=in_progress",
     "weights": {"officer": 5, "manager": 5}},
]

LIST_FILTERS = [
    "", "pillar=green-resilience", "pillar=green-resilience&status=in_progress", "pillar=connectivity",
    "status=in_progress&health=at_risk", "owner=me", "overdue=1", "country=UZ&pillar=human-resources",
    "q=JICA", "sort=-signed_on", "stale=1", "status=pending_closure", "page=2",
]


# A Python with locust of its own (a venv of bench/requirements.txt) instead of the app's venv.
LOCUST_PYTHON = os.environ.get("BENCH_LOCUST_PYTHON", sys.executable)


def ensure_locust() -> None:
    """Install bench/requirements.txt into this venv the first time a load run is asked for
    (unless BENCH_LOCUST_PYTHON names a Python that has it)."""
    if LOCUST_PYTHON == sys.executable and importlib.util.find_spec("locust") is None:
        print("Installing the load tool (bench/requirements.txt)…", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)


def load_mix(path: Path | None) -> list[dict]:
    return json.loads(path.read_text()) if path else MIX


# --- Accounts and sessions ----------------------------------------------------------------

def accounts(users: int) -> list[tuple[str, str]]:
    """(username, role) for each virtual user, cycling through the seeded officers and managers."""
    from agreements.models import User
    from agreements.policy import Role

    # Officers with work in progress: one whose agreements were handed over (seed_demo gives the
    # first seeded officer's to the demo login `officer`) would have nothing to post on.
    working = User.objects.filter(groups__name=Role.OFFICER, owned_agreements__status="in_progress").distinct()
    officers = list(working.order_by("username").values_list("username", flat=True))
    managers = list(User.objects.filter(groups__name=Role.MANAGER).order_by("username").values_list("username", flat=True))
    wanted_managers = round(users * MANAGER_SHARE) if managers else 0
    picked = [(managers[i % len(managers)], "manager") for i in range(wanted_managers)]
    return picked + [(officers[i % len(officers)], "officer") for i in range(users - wanted_managers)]


def own_references(username: str, limit: int = 100) -> list[str]:
    from agreements.models import Agreement

    owned = Agreement.objects.filter(owner__username=username, status="in_progress").order_by("reference")
    return list(owned.values_list("reference", flat=True)[:limit])


def visible_references(count: int = 500, seed: int = 7) -> list[str]:
    """Internal agreements (everybody may read them), a fixed random sample."""
    from agreements.models import Agreement

    references = list(Agreement.objects.filter(confidentiality="internal").values_list("reference", flat=True))
    return random.Random(seed).sample(references, min(count, len(references)))


def open_session(port: int, username: str, role: str, password: str) -> dict:
    client = WebClient("127.0.0.1", port)
    sign_in(client, username, password)
    client.close()
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return {"username": username, "role": role, "cookie": cookie, "csrf": client.cookies.get("csrftoken", ""),
            "own_references": own_references(username) if role == "officer" else []}


def open_sessions(port: int, users: list[tuple[str, str]], password: str) -> list[dict]:
    # Four at a time: enough to keep both workers busy hashing, without a thundering herd.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda account: open_session(port, *account, password), users))


# --- The mix: keep what exists on this branch ----------------------------------------------

def sample_values(session: dict, references: list[str]) -> dict[str, str]:
    own = session["own_references"] or references
    return {"filter": "pillar=green-resilience", "reference": references[0], "own_reference": own[0],
            "percent": "50", "health": "on_track"}


def probe_task(task: dict, sessions: list[dict], port: int, references: list[str]) -> str | None:
    """None when the task can run; otherwise why it is skipped."""
    role = next((r for r, w in task["weights"].items() if w > 0), None)
    session = next((s for s in sessions if s["role"] == role), None)
    if session is None:
        return f"no {role} among the users"
    path = task["path"].format(**sample_values(session, references))
    if task["method"] != "GET":
        return _routed(path)
    client = WebClient("127.0.0.1", port)
    client.cookies.update(dict(pair.split("=", 1) for pair in session["cookie"].split("; ")))
    status, _, _ = client.get(path)
    client.close()
    return None if status == 200 else f"n/a ({status}) on GET {path}"


def _routed(path: str) -> str | None:
    """POSTs are not probed over HTTP (that would write); ask the URL configuration instead."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return f"n/a (not built yet: no route for {path})"
    return None


def plan(port: int, users: int, password: str, mix: list[dict], think_time: float) -> dict:
    sessions = open_sessions(port, accounts(users), password)
    references = visible_references()
    tasks, skipped = [], {}
    for task in mix:
        reason = probe_task(task, sessions, port, references)
        if reason:
            skipped[task["name"]] = reason
        else:
            tasks.append(task)
    think = [think_time / 2, think_time * 1.5]
    return {"sessions": sessions, "tasks": tasks, "skipped": skipped, "references": references,
            "list_filters": LIST_FILTERS, "think_time": think}


# --- Running locust and reading its figures ------------------------------------------------

def run_locust(plan_path: Path, port: int, users: int, seconds: int, workdir: Path) -> dict:
    prefix = workdir / "locust"
    command = [LOCUST_PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
               "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
               "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
               "--stop-timeout", "10", "--loglevel", "WARNING"]
    log_path = workdir / "locust.log"
    with open(log_path, "wb") as log:
        subprocess.run(command, cwd=ROOT, env={**os.environ, "BENCH_LOAD_PLAN": str(plan_path)},
                       stdout=log, stderr=log, timeout=seconds + 120)
    result = read_stats(Path(f"{prefix}_stats.csv"))
    result["failures"] = read_failures(Path(f"{prefix}_failures.csv"))
    log_text = log_path.read_text(errors="replace")
    result["client_cpu_warning"] = "CPU usage" in log_text
    return result


def read_stats(path: Path) -> dict:
    rows = {row["Name"]: row for row in csv.DictReader(path.open())}
    total = rows.pop("Aggregated")
    return {**_figures(total), "by_task": {name: _figures(row) for name, row in rows.items()}}


def _figures(row: dict) -> dict:
    return {"requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
            "throughput_rps": round(float(row["Requests/s"]), 1), "median_ms": float(row["50%"]),
            "p95_ms": float(row["95%"])}


def read_failures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [{"task": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
            for row in csv.DictReader(path.open())]


def progress_updates() -> int:
    from agreements.models import ProgressUpdate

    return ProgressUpdate.objects.count()
