"""What the run found, for people (a table) and for machines (JSON), and where it ran."""
from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from bench.environment import ROOT

# --- The machine ----------------------------------------------------------------------------

def _first(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    return commit + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine(postgres_version: str) -> dict:
    kib = _first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu": _first("/proc/cpuinfo", "model name"), "cores": os.cpu_count(),
        "ram_gib": round(int(kib) / 1024 / 1024, 1) if kib.isdigit() else None,
        "os": platform.platform(terse=True), "python": platform.python_version(), "postgresql": postgres_version,
        "django": _version("Django"), "gunicorn": _version("gunicorn"), "locust": _version("locust"),
        "commit": _commit(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


# --- JSON -----------------------------------------------------------------------------------

def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- The table ------------------------------------------------------------------------------

def _ms(figures: dict | None, key: str) -> str:
    if not figures:
        return "-"
    if key not in figures:
        return figures.get("reason", "-")
    return f"{figures[key]:.1f}"


def _queries(counts: dict | None, role: str) -> str:
    if not counts or role not in counts:
        return "-"
    entry = counts[role]
    demo, large = entry["demo"].get("queries"), entry["n"].get("queries")
    if demo is None or large is None:
        status = entry["n"].get("status") or entry["demo"].get("status")
        return f"n/a ({status})"
    return f"{demo}/{large}" + ("" if entry["equal"] else " DIFFERS")


def page_table(results: dict) -> list[str]:
    latency, ratios, queries = results.get("latency", {}), results.get("ratios", {}), results["queries"]
    header = (f"{'page':<31} {'queries manager':>16} {'queries officer':>16} {'queries viewer':>16} {'median ms':>10} "
              f"{'p95 ms':>10} {'× floor':>8}")
    lines = [header, "-" * len(header)]
    for page in results["pages"]:
        key = page["key"]
        figures = latency.get(key)
        ratio = ratios.get(key)
        lines.append(
            f"{page['label']:<31} {_queries(queries.get(key), 'manager'):>16} {_queries(queries.get(key), 'officer'):>16} "
            f"{_queries(queries.get(key), 'viewer'):>16} {_ms(figures, 'median_ms'):>10} {_ms(figures, 'p95_ms'):>10} "
            f"{(f'{ratio:.2f}' if ratio else '-'):>8}"
        )
    lines.append("")
    lines += [f"  {page['label']:<31} {page['path']}" for page in results["pages"]]
    return lines


def _job(figures: dict) -> str:
    if "result" in figures:
        return figures["result"]
    return ", ".join(f"{k} {v}" for k, v in figures.items())


def _load_line(m: dict) -> str:
    start, end = m["load_average_at_start"], m.get("load_average_at_end") or m["load_average_at_start"]
    busy = max(start[0], end[0]) > (m["cores"] or 1)
    return (f"Machine load average (1/5/15 min) at start {start}, at end {end}"
            + (" — above the core count: other work shared the CPUs, figures are noisier" if busy else ""))


def summary(results: dict) -> str:
    m, opts = results["machine"], results["options"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; PostgreSQL {m['postgresql']}; "
        f"Python {m['python']}; Django {m['django']}; gunicorn {m['gunicorn']} ({opts.get('workers', 2)} workers × {opts.get('threads', 1)} threads); commit {m['commit']}",
        _load_line(m),
        "Seed: " + "; ".join(f"{s['agreements']} agreements, {s['milestones']} milestones, {s['updates']} updates "
                             f"in {s['seconds']} s" for s in results["seed"].values()),
        f"Latency: {opts['requests']} requests per page after {opts['warmup']} warm-up rounds, one signed-in manager "
        f"(a viewer for the pages so marked), pages interleaved; queries: demo/N per role",
        "",
        *page_table(results),
        "",
    ]
    vs_admin = results.get("ratios", {}).get("list_vs_admin")
    lines.append(f"Our filtered list ÷ admin changelist (same filter): {vs_admin if vs_admin is not None else 'n/a'}")
    differing = [key for key, counts in results["queries"].items()
                 for role, entry in counts.items() if entry["equal"] is False]
    lines.append("Query counts demo vs N: " + ("all equal" if not differing else "DIFFER on " + ", ".join(sorted(set(differing)))))
    lines += ["", f"Jobs at N={opts['agreements']}:"]
    lines += [f"  {name:<40} {_job(figures)}" for name, figures in results["jobs"].items()]
    lines += ["", *load_lines(results.get("load"))]
    return "\n".join(lines)


def load_lines(load: dict | None) -> list[str]:
    if not load:
        return ["Load: not run"]
    if "result" in load:
        return [f"Load: {load['result']}"]
    lines = [f"Load: {load['users']} users, {load['seconds']} s, think time {load['think_time_s']} s: "
             f"{load.get('throughput_rps', '-')} req/s, median {load.get('median_ms', '-')} ms, "
             f"p95 {load.get('p95_ms', '-')} ms, errors {load.get('errors', '-')} of {load.get('requests', '-')}"]
    for name, figures in load.get("by_task", {}).items():
        lines.append(f"  {name:<30} {figures['requests']:>7} req  median {figures['median_ms']:>6.0f} ms  "
                     f"p95 {figures['p95_ms']:>6.0f} ms  errors {figures['errors']}")
    for name, reason in load.get("skipped", {}).items():
        lines.append(f"  skipped: {name} — {reason}")
    for failure in load.get("failures", [])[:5]:
        lines.append(f"  failure: {failure['task']}: {failure['error']} ×{failure['count']}")
    if load.get("cores_used"):
        lines.append("  cores used on average (2 = both cores all along): "
                     + ", ".join(f"{name} {share}" for name, share in load["cores_used"].items()))
    for note in load.get("notes", []):
        lines.append(f"  note: {note}")
    return lines
