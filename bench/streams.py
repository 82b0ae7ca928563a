"""The streamed files at N: the IATI export of every agreement a manager may see, and a manager's
ICS feed of every milestone ("all"). Each runs in a child process of its own, so its peak
resident memory (VmHWM) is the file's and not what the benchmark built before.

python -m bench.streams iati|ics  (DATABASE_URL and the production settings in the environment)
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from bench.environment import ROOT


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux keeps that across exec,
    so a child of the (large) benchmark process would start at its parent's peak."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)  # kB
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stream(kind: str) -> dict:
    from django.test import Client

    from agreements.models import CalendarFeed, User

    manager = User.objects.get(username="manager")
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    if kind == "iati":
        client.force_login(manager)
        path = "/api/v1/iati/activities.xml"
    else:
        _, secret = CalendarFeed.issue(manager, CalendarFeed.Scope.ALL)
        path = f"/calendars/{secret}.ics"
    client.get("/healthz")  # URLconf, apps and the connection loaded before the clock starts
    before = peak_rss_mb()
    started = time.perf_counter()
    response = client.get(path)
    if response.status_code != 200:
        return {"result": f"n/a (HTTP {response.status_code})"}
    size = items = 0
    marker = b"<iati-activity " if kind == "iati" else b"BEGIN:VEVENT"
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
        items += chunk.count(marker)
    return {"seconds": round(time.perf_counter() - started, 2), "bytes": size, "items": items,
            "streaming": response.streaming, "peak_rss_mb_before": before, "peak_rss_mb": peak_rss_mb()}


def measure(kind: str, env: dict[str, str]) -> dict:
    """Run `stream(kind)` in a fresh interpreter; its last output line is the JSON result."""
    done = subprocess.run([sys.executable, "-m", "bench.streams", kind], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return {"result": f"failed (exit {done.returncode}): {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    print(json.dumps(stream(sys.argv[1])))
