"""The load run's users (locust). Everything they need — signed-in sessions, the mix, the data
to pick from — comes from the plan that bench/load.py writes (BENCH_LOAD_PLAN); this file only
plays it. Run by bench/load.py; not meant to be started by hand.

Cookies go in a Cookie header of our own: the production cookies are `Secure` and this run
speaks plain HTTP to gunicorn on the loopback (see bench/webclient.py).
"""
from __future__ import annotations

import itertools
import json
import os
import random
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8").read())
SESSIONS = itertools.cycle(PLAN["sessions"])
THINK = PLAN["think_time"]
HEALTH = ["on_track", "on_track", "at_risk", "off_track"]


class SignedInUser(FastHttpUser):
    wait_time = between(*THINK) if THINK[1] > 0 else constant(0)

    def on_start(self) -> None:
        self.session = next(SESSIONS)
        self.rng = random.Random(self.session["username"] + str(id(self)))
        tasks = [t for t in PLAN["tasks"] if t["weights"].get(self.session["role"], 0) > 0]
        if not self.session["own_references"]:  # nothing of their own to post progress on
            tasks = [t for t in tasks if "{own_reference}" not in t["path"]]
        self.tasks_here = tasks
        self.weights = [t["weights"][self.session["role"]] for t in tasks]
        self.headers = {"Cookie": self.session["cookie"]}

    @task
    def act(self) -> None:
        if not self.tasks_here:
            return
        chosen = self.rng.choices(self.tasks_here, weights=self.weights)[0]
        values = self.values()
        path = chosen["path"].format(**values)
        if chosen["method"] == "POST":
            form = {name: value.format(**values) for name, value in chosen["form"].items()}
            form["csrfmiddlewaretoken"] = self.session["csrf"]
            self.send("POST", path, chosen["name"], (302, 303), urlencode(form))
        else:
            self.send("GET", path, chosen["name"], (200,))

    def values(self) -> dict[str, str]:
        own = self.session["own_references"]
        return {
            "filter": self.rng.choice(PLAN["list_filters"]),
            "reference": self.rng.choice(PLAN["references"] + own),
            "own_reference": self.rng.choice(own) if own else "",
            "percent": str(self.rng.randint(5, 95)),
            "health": self.rng.choice(HEALTH),
        }

    def send(self, method: str, path: str, name: str, expected: tuple[int, ...], body: str | None = None) -> None:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(method, path, name=name, data=body, headers=headers, allow_redirects=False,
                                 catch_response=True) as response:
            if response.status_code not in expected:
                response.failure(f"HTTP {response.status_code} (expected {'/'.join(map(str, expected))})")
