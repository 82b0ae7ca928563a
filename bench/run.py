#!/usr/bin/env python
"""python bench/run.py [--agreements 20000] [--quick] [--json PATH] [--skip-load] …

On the local PostgreSQL: creates two databases (<prefix>_demo at the summit's size and <prefix>_n
with N agreements), counts SQL queries per page on both, serves the large one with gunicorn under
production settings and measures page latency against a trivial floor and against the Django
admin, times the background jobs, runs a load of signed-in users, then writes JSON
(bench/results/latest.json) and prints a table. The databases are dropped at the end, also when
the run fails or is interrupted (unless --keep-databases).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # run as a script: import `bench.*`, and never shadow a stdlib module

import psycopg  # noqa: E402

from bench import databases, load, report  # noqa: E402
from bench.environment import production_env, setup_django, start_collectstatic, wait_for  # noqa: E402
from bench.server import free_port, gunicorn  # noqa: E402

FIRST_PORT, PORT_SPAN = 8107, 13  # gunicorn takes the first free port of 8107-8120


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--agreements", type=int, help="agreements in the large database (20000; 1000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a small, fast run: fewer agreements, requests and users")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json", help="where to write the results")
    parser.add_argument("--skip-load", action="store_true", help="no load run")
    parser.add_argument("--skip-jobs", action="store_true", help="no sweep, export, import or streamed files")
    parser.add_argument("--load-plan-only", action="store_true",
                        help="sign the load users in and probe the mix, but do not start locust (smoke test)")
    parser.add_argument("--requests", type=int, help="measured requests per page (200; 30 with --quick)")
    parser.add_argument("--warmup", type=int, help="warm-up rounds over all pages (20; 5 with --quick)")
    parser.add_argument("--users", type=int, help="simultaneous users of the load run (50; 10 with --quick)")
    parser.add_argument("--load-seconds", type=int, help="length of the load run (60; 15 with --quick)")
    parser.add_argument("--think-time", type=float, default=1.0,
                        help="mean pause between a user's requests, uniform ±50%% (0: none, a saturation run)")
    parser.add_argument("--mix-file", type=Path, help="JSON list of load tasks replacing bench.load.MIX")
    parser.add_argument("--postgres", help="server URL without database (default: BENCH_POSTGRES_URL, "
                                           "DATABASE_URL's server, or postgres://postgres@127.0.0.1:5432)")
    parser.add_argument("--db-prefix", default="tracker_bench", help="database names: <prefix>_demo, <prefix>_n")
    parser.add_argument("--port", type=int, default=FIRST_PORT, help="first port to try for gunicorn (then the next 13)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)")
    parser.add_argument("--keep-databases", action="store_true", help="leave the databases for inspection")
    options = parser.parse_args(argv)
    quick = options.quick
    defaults = {"agreements": (20000, 1000), "requests": (200, 30), "warmup": (20, 5), "users": (50, 10),
                "load_seconds": (60, 15)}
    for name, (full, small) in defaults.items():
        if getattr(options, name) is None:
            setattr(options, name, small if quick else full)
    return options


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    server = databases.server_url(options.postgres)
    names = {"demo": f"{options.db_prefix}_demo", "n": f"{options.db_prefix}_n"}
    try:
        databases.server_version(server)
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable at {server} ({error}). Start it, or pass --postgres URL.", file=sys.stderr)
        return 2
    if not (options.skip_load or options.load_plan_only):
        load.ensure_locust()
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        workdir = Path(tmp)
        env = production_env(f"{server}/{names['n']}", workdir)
        setup_django(env)
        try:
            results = run(options, server, names, env, workdir)
        finally:
            if not options.keep_databases:
                drop_databases(server, names)
    report.write_json(results, options.json)
    print()
    print(report.summary(results))
    print(f"\nJSON: {options.json}")
    return 0


def drop_databases(server: str, names: dict[str, str]) -> None:
    for name in names.values():
        try:
            databases.drop(server, name)
        except psycopg.Error as error:  # never hide why the run itself stopped
            print(f"Could not drop {name}: {error}", file=sys.stderr)


def run(options: argparse.Namespace, server: str, names: dict[str, str], env: dict[str, str], workdir: Path) -> dict:
    results: dict = {"options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()},
                     "machine": report.machine(databases.server_version(server))}
    results["seed"] = prepare_databases(server, names, env, options.agreements)
    password = secrets.token_urlsafe(16)
    for name in names.values():
        databases.set_password_for_everyone(name, password)
    pages = page_list(names)
    results["pages"] = [vars(page) for page in pages]
    step("Counting queries per page (in-process) on both databases")
    results["queries"] = count_queries(names, pages)
    results.update(measure_served(options, env, pages, password, names["n"], workdir))
    results["jobs"] = {} if options.skip_jobs else {**run_jobs(names, workdir), **stream_jobs(env)}
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def prepare_databases(server: str, names: dict[str, str], env: dict[str, str], agreements: int) -> dict:
    step(f"Creating {names['demo']} and {names['n']}, collecting static files")
    collecting = start_collectstatic(env)
    databases.recreate(server, names["demo"])
    databases.migrate(names["demo"])
    databases.recreate(server, names["n"], template=names["demo"])
    seeded = seed(names, agreements)
    wait_for(collecting, "collectstatic")
    return seeded


def measure_served(options: argparse.Namespace, env: dict[str, str], pages, password: str, database: str,
                   workdir: Path) -> dict:
    """Latency, then load, against one gunicorn serving the large database."""
    port = free_port(options.port, options.port + PORT_SPAN)
    step(f"Starting gunicorn ({options.workers} workers × {options.threads} threads, production settings) "
         f"on 127.0.0.1:{port}")
    results = {}
    with gunicorn(env, port, workdir / "gunicorn.log", options.workers, options.threads):
        results["latency"], results["ratios"] = measure_latency(options, port, pages, password)
        if not options.skip_load:
            results["load"] = run_load(options, port, password, database, workdir)
    return results


def seed(names: dict[str, str], agreements: int) -> dict:
    step(f"Seeding {names['demo']} (the summit, seed_demo default)")
    demo = databases.seed(names["demo"], None)
    step(f"Seeding {names['n']} (seed_demo --agreements {agreements})")
    large = databases.seed(names["n"], agreements)
    step(f"  {large['agreements']} agreements, {large['milestones']} milestones in {large['seconds']} s")
    return {"demo": demo, "n": large}


def page_list(names: dict[str, str]):
    from agreements.models import User
    from bench.pages import admin_query, pages, sample_reference

    with databases.use(names["n"]):
        return pages(sample_reference(), admin_query(User.objects.get(username="manager")))


def count_queries(names: dict[str, str], pages) -> dict:
    from agreements.models import User
    from bench.pages import COUNTED_ROLES, counted_roles
    from bench.queries import compare, count_pages

    by_role = {role: [p for p in pages if role in counted_roles(p)] for role in COUNTED_ROLES}
    counted: dict[str, dict] = {}
    for db in ("demo", "n"):
        with databases.use(names[db]):
            counted[db] = {role: count_pages(User.objects.get(username=role), role_pages)
                           for role, role_pages in by_role.items()}
    result: dict[str, dict] = {}
    for role in by_role:
        for key, entry in compare(counted["demo"][role], counted["n"][role]).items():
            result.setdefault(key, {})[role] = entry
    return result


def measure_latency(options: argparse.Namespace, port: int, pages, password: str) -> tuple[dict, dict]:
    from bench.latency import measure, ratios
    from bench.webclient import WebClient, sign_in

    step(f"Measuring latency: {options.requests} requests per page after {options.warmup} warm-up rounds")
    clients = {}
    for role in dict.fromkeys(page.role for page in pages):  # the demo logins are named for their role
        clients[role] = WebClient("127.0.0.1", port)
        sign_in(clients[role], role, password)
    latency = measure(clients, pages, options.requests, options.warmup)
    for client in clients.values():
        client.close()
    return latency, ratios(latency)


def run_load(options: argparse.Namespace, port: int, password: str, database: str, workdir: Path) -> dict:
    step(f"Load: signing in {options.users} users through the login form, probing the mix")
    with databases.use(database):
        plan = load.plan(port, options.users, password, load.load_mix(options.mix_file), options.think_time)
        before = load.progress_updates()
    plan_path = workdir / "load-plan.json"
    plan_path.write_text(json.dumps(plan))
    outline = {"users": options.users, "seconds": options.load_seconds, "think_time_s": options.think_time,
               "tasks": [task["name"] for task in plan["tasks"]], "skipped": plan["skipped"],
               "machine_load_average_before": [round(x, 2) for x in os.getloadavg()]}
    if options.load_plan_only:
        return {**outline, "result": f"plan only: {len(plan['sessions'])} users signed in, "
                                     f"{len(plan['tasks'])} tasks, {len(plan['skipped'])} skipped"}
    from bench import cpu

    step(f"Load: {options.users} users for {options.load_seconds} s (locust, headless)")
    cpu_before, started = cpu.snapshot(port), time.monotonic()
    figures = load.run_locust(plan_path, port, options.users, options.load_seconds, workdir)
    figures["cores_used"] = cpu.used(cpu_before, cpu.snapshot(port), time.monotonic() - started)
    with databases.use(database):
        written = load.progress_updates() - before
    return {**outline, **figures, "notes": load_notes(figures, written, options.users)}


def load_notes(figures: dict, written: int, users: int) -> list[str]:
    """Cross-check the posts against the database. Locust does not record the requests still in
    flight when the run time ends (at most one per user), though the server completes them."""
    notes = []
    posted = figures["by_task"].get("post progress update")
    if posted is not None:
        accepted = posted["requests"] - posted["errors"]
        consistent = accepted <= written <= accepted + users
        notes.append(f"progress updates accepted {accepted} (locust), rows written {written} (database)"
                     + ("" if consistent else " — MISMATCH: updates lost or written twice"))
    if figures.get("client_cpu_warning"):
        notes.append("locust warned its own CPU was saturated: the figures understate the server")
    return notes


def run_jobs(names: dict[str, str], workdir: Path) -> dict:
    """The sweep at three sizes (the summit, N, and the demo database once the 10,000-row import
    has grown it), so its query count can be compared and its growth seen."""
    from bench import jobs

    step("Timing the reminder sweep, send_reminders --dry-run, the exports and the import")
    with databases.use(names["n"]):
        results = {"reminder sweep (N)": jobs.reminder_sweep(), "send_reminders --dry-run (N)": jobs.send_reminders_dry_run()}
        exported = jobs.export_files(workdir)
    with databases.use(names["demo"]):
        results["reminder sweep (demo size)"] = jobs.reminder_sweep()
        results[f"export of {jobs.IMPORT_ROWS} agreements (N)"] = exported
        if "result" in exported:
            results["import of the exported files (into demo)"] = {"result": "n/a (no exported file to import)"}
        else:
            results["import of the exported files (into demo)"] = jobs.import_files(workdir)
            results["reminder sweep (demo after the import)"] = jobs.reminder_sweep()
    return results


def stream_jobs(env: dict[str, str]) -> dict:
    """The IATI file of every agreement and a manager's ICS feed of every open milestone at N: time
    and the peak memory of a process doing nothing else (bounded memory: the peak must not grow with N)."""
    from bench import streams

    step("Timing the IATI export and the ICS feed at N (time, peak memory)")
    return {"IATI export, every agreement (N)": streams.measure("iati", env),
            "ICS feed of a manager, all open milestones (N)": streams.measure("ics", env)}


if __name__ == "__main__":
    sys.exit(main())
