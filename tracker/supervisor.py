"""`make run`: the web server, a Celery worker and Celery beat in one terminal.

A few dozen lines of plain Python instead of honcho/supervisord/foreman: nothing more to
install on a fresh machine. Each process runs in its own process group (so runserver's
auto-reloader child and the worker's pool children go with their parent), its output is
prefixed with its name, and:

- Ctrl-C (SIGINT) or SIGTERM stops all three: SIGTERM to each group (the worker finishes
  the task in hand — a warm shutdown), then SIGKILL for whatever is still there after
  STOP_SECONDS;
- if one of them exits on its own (a port already taken, a crash), the others are stopped
  too and the exit status says so, rather than leaving a web server without its worker.

Exactly one beat runs, as production requires (README, "Deploying").
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
STOP_SECONDS = 20
COLOURS = {"web": "\033[36m", "worker": "\033[35m", "beat": "\033[33m"}


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        "worker": [python, "-m", "celery", "-A", "tracker", "worker", "--loglevel", "INFO", "--concurrency", "2",
                   "--without-gossip", "--without-mingle"],
        "beat": [python, "-m", "celery", "-A", "tracker", "beat", "--loglevel", "INFO"],
    }


def relay(name: str, stream, colour: bool) -> None:
    prefix = f"{COLOURS[name]}{name:>6} |\033[0m " if colour else f"{name:>6} | "
    for line in iter(stream.readline, b""):
        sys.stdout.write(prefix + line.decode(errors="replace"))
        sys.stdout.flush()


def start(name: str, argv: list[str], colour: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    threading.Thread(target=relay, args=(name, process.stdout, colour), daemon=True).start()
    return process


def signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        # The parent only: the worker's pool children must finish their task (warm shutdown).
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within {STOP_SECONDS} s: killing it.", flush=True)
        signal_group(process, signal.SIGKILL)  # the group: stray children of an exited parent too
        process.wait()


def supervise(processes: dict[str, subprocess.Popen], stopping: threading.Event) -> int:
    """Wait until asked to stop (0) or until one process exits on its own (its status, or 1)."""
    while not stopping.wait(0.5):
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with status {process.returncode}; stopping the others.", flush=True)
                return process.returncode or 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    colour = sys.stdout.isatty()
    processes = {name: start(name, cmd, colour) for name, cmd in commands(args.host, args.port).items()}
    print(f"Serving on http://{args.host}:{args.port}/ with a Celery worker and beat. Ctrl-C stops all three.",
          flush=True)
    status = supervise(processes, stopping)
    print("Stopping web, worker and beat…", flush=True)
    stop(processes)
    return status


if __name__ == "__main__":
    sys.exit(main())
