"""CPU seconds used by the processes of a load run (gunicorn on our port, PostgreSQL, locust: our exited children),
read from /proc before and after: how much of the machine's cores each one took.

PostgreSQL's backends come and go with connections (the app closes each after
DATABASE_CONN_MAX_AGE, 60 s, so several end during a minute of load); the postmaster's
reaped-children times (cutime, cstime) keep what the finished ones used. Every process of the
server is found by its name (`postgres`, the kernel's comm), not its command line: the postmaster's
is the binary's full path, and reading only command lines that start with "postgres" missed it,
and with it every backend that ended during the run (0.1 cores reported where `top` showed 0.6).
Other work on the same server (someone else's tests) is counted in its share too: the machine's
whole busy time is given for scale.
"""
from __future__ import annotations

import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, str, float] | None:
    """(command line, name, CPU seconds of the process and its reaped children)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 1:].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return cmdline, name, (utime + stime + cutime + cstime) / TICKS


def snapshot(port: int) -> dict[str, float]:
    """CPU seconds so far per group: gunicorn (master and workers), postgres, locust; and the
    machine's busy time in total (all cores, /proc/stat)."""
    groups = {"gunicorn": 0.0, "postgres": 0.0, "locust": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        found = _stat(pid)
        if found is None:
            continue
        cmdline, name, seconds = found
        if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline:
            groups["gunicorn"] += seconds
        elif name == "postgres":
            groups["postgres"] += seconds
    # locust runs as our child and has exited by the second snapshot: its times are ours to reap.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    groups["locust"] = children.ru_utime + children.ru_stime
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    idle = int(cpu[3]) + int(cpu[4])
    groups["machine busy"] = (sum(int(x) for x in cpu[:8]) - idle) / TICKS
    return groups


def used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used on average per group over `seconds` (1.0 = one core busy all along)."""
    return {name: round((after[name] - before[name]) / seconds, 2) for name in after}
