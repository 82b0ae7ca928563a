"""The benchmark (bench/run.py) still runs start to finish, at a tiny size, so it cannot rot.

One run of the real entry point in a subprocess (it configures its own Django with production
settings and its own databases); the tests below read what it printed and wrote. The figures
themselves are not asserted — speed is reported by the benchmark, never timed in tests — but
the query counts are: a page whose count grows with the data breaks a rule of the house.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bench import databases
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def postgres_server() -> str:
    """The benchmark measures the production engine on databases of its own, whatever the suite's
    engine: on SQLite it uses the local PostgreSQL server when there is one (CI's SQLite pass has
    it) and skips only when there is none; with DATABASE_URL on PostgreSQL it must be reachable."""
    server = databases.server_url()
    try:
        databases.server_version(server)
    except psycopg.OperationalError as error:
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            skip_or_fail(f"PostgreSQL is not reachable at {server}: {error}")
        pytest.skip(f"needs PostgreSQL: the benchmark runs on a PostgreSQL server, none at {server} "
                    f"(set BENCH_POSTGRES_URL)")
    return server


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    server = postgres_server()
    # Overridable so engineers sharing the machine keep to their own database names and ports.
    prefix = f"{os.environ.get('BENCH_SMOKE_DB_PREFIX', 'tracker_bench_smoke')}_{os.getpid()}"
    output = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, "bench/run.py", "--quick", "--agreements", "300", "--requests", "5", "--warmup", "1",
               "--users", "3", "--load-plan-only", "--json", str(output), "--db-prefix", prefix,
               "--postgres", server, "--port", os.environ.get("BENCH_SMOKE_PORT", "8115")]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, f"bench/run.py failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
    return {"server": server, "prefix": prefix, "stdout": completed.stdout, "results": json.loads(output.read_text())}


def test_it_prints_the_table_with_every_page_and_the_machine(bench_run):
    printed = bench_run["stdout"]
    assert "Machine:" in printed and "PostgreSQL" in printed
    for page in bench_run["results"]["pages"]:
        assert page["label"] in printed
    assert "Our filtered list ÷ admin changelist" in printed


def test_it_seeds_the_summit_and_the_larger_database(bench_run):
    seed = bench_run["results"]["seed"]
    from agreements.demo import record

    earlier = len(record.earlier_documents())  # the public record's agreements from before the summit
    assert seed["demo"]["agreements"] == 158 + earlier
    assert seed["n"]["agreements"] == 300 + earlier
    assert seed["n"]["milestones"] > seed["demo"]["milestones"]


def test_every_page_is_timed_without_errors(bench_run):
    """The harness reports a page "n/a" when a branch has not built it; here every page exists."""
    results = bench_run["results"]
    assert len(results["pages"]) == 17  # with the API's list, the first views after a change and the dashboard counted afresh
    for page in results["pages"]:
        figures = results["latency"][page["key"]]
        assert "reason" not in figures, (page, figures)
        assert figures["requests"] == 5 and figures["errors"] == 0, (page, figures)
        assert 0 < figures["median_ms"] <= figures["p95_ms"]
    assert results["ratios"]["floor"] == 1.0


def test_the_list_is_compared_with_the_admin_changelist_on_the_same_filter(bench_run):
    results = bench_run["results"]
    admin = next(page for page in results["pages"] if page["key"] == "admin_filtered")
    assert "status__exact=in_progress" in admin["path"] and "pillar__id__exact=" in admin["path"]
    assert results["latency"]["admin_filtered"]["errors"] == 0
    assert results["ratios"]["list_vs_admin"] > 0


def test_query_counts_do_not_grow_with_the_data(bench_run):
    for key, by_role in bench_run["results"]["queries"].items():
        for role, counts in by_role.items():
            expected = 403 if key.startswith("reports") and role == "officer" else 200  # reports: managers, viewers
            assert counts["demo"]["status"] == counts["n"]["status"] == expected, (key, role, counts)
            if expected == 200:
                assert counts["equal"] is True, (key, role, counts)


def test_load_users_sign_in_through_the_login_form(bench_run):
    load = bench_run["results"]["load"]
    assert load["result"].startswith("plan only: 3 users signed in")
    assert "list (filters)" in load["tasks"]


def test_every_job_is_timed(bench_run):
    jobs = bench_run["results"]["jobs"]
    assert len(jobs) >= 6
    for name, figures in jobs.items():
        assert any(key.endswith("seconds") for key in figures), (name, figures)


def test_the_streamed_files_are_timed_with_their_peak_memory(bench_run):
    jobs = bench_run["results"]["jobs"]
    iati, ics = jobs["IATI export, every agreement (N)"], jobs["ICS feed of a manager, all open milestones (N)"]
    assert iati["streaming"] and ics["streaming"]
    assert iati["items"] >= 200 and ics["items"] > 0  # the agreements not restricted, every open milestone
    assert iati["peak_rss_mb"] >= iati["peak_rss_mb_before"] > 0


def test_it_drops_its_databases(bench_run):
    assert databases.existing(bench_run["server"], bench_run["prefix"]) == []


def test_the_sweep_makes_as_many_queries_at_every_size(bench_run):
    jobs = bench_run["results"]["jobs"]
    sweeps = {name: figures for name, figures in jobs.items() if name.startswith("reminder sweep")}
    assert len(sweeps) == 3  # the summit, N, and the summit grown by the import
    assert len({figures["queries"] for figures in sweeps.values()}) == 1, sweeps
    assert sweeps["reminder sweep (N)"]["decided"] > sweeps["reminder sweep (demo size)"]["decided"]
