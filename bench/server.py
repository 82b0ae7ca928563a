"""The app under gunicorn, as deployed (see README, "Deploying"), on a port of our own."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.environment import ROOT


def free_port(preferred: int, last: int) -> int:
    """The first port from `preferred` to `last` nobody listens on."""
    for port in range(preferred, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port between {preferred} and {last}")


@contextmanager
def gunicorn(env: dict[str, str], port: int, log_path: Path, workers: int = 2, threads: int = 1) -> Iterator[int]:
    """Run gunicorn for the duration of the block; yields the port once it answers. More than one
    thread makes gunicorn use its gthread workers (sync otherwise)."""
    command = [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        wait_until_answering(process, port, log_path)
        yield port
    finally:
        stop(process)


def wait_until_answering(process: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        if answers(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout} s:\n{tail(log_path)}")


def answers(port: int) -> bool:
    """Any HTTP answer counts: the socket alone accepts before the workers have booted."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def stop(process: subprocess.Popen) -> None:
    """SIGTERM lets the master stop its workers gracefully; SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
