"""The dashboard's figures, cached until a write or the clock changes them.

At 20,000 agreements the figures take ~270 ms of aggregates over ~200,000 rows; the same user
opening the same view again gets them from the cache. The key holds everything the figures
depend on, so a cached entry is never wrong, only unused:

- the data version: database triggers give `DataVersion.token` a new value in the same
  transaction as any write to a table the reports read (migration 0005) — forms, admin,
  import, bulk UPDATEs alike; a commit makes the old entries unreachable;
- the user (what they may see), the canonical filters, the user's today and the language;
- the minute: "no update for 30 days" and "no owner update for 60 days" move with the clock,
  so they are at most a minute behind it.

Not used inside a transaction: there the token does not yet reflect the transaction's own
uncommitted writes (PostgreSQL writes it at commit), so the figures are computed afresh.
Nor while a table lacks its trigger (agreements.data_version.complete): a figure that could be
stale is computed instead. `REPORTS_CACHE_SECONDS=0` switches the cache off.

Other people's writes may wait up to `REPORTS_STALE_SECONDS` (30 by default; 0 = never): a reader
who passes `not_before` accepts figures counted since that moment even if the data changed after,
so a busy hour computes the dashboard once per half-minute rather than after every progress update
(at 20,000 agreements ~1 s each; README "Performance", sixth pass). The reader's own writes never
wait: agreements.web.own_writes moves `not_before` past them, and the page says when its figures
were counted and offers to count again (`Counted.current`)."""
from __future__ import annotations

import datetime
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from agreements import data_version as triggers
from agreements.models import DataVersion
from agreements.reports import collector

KEY_VERSION = 3  # raise when the cached panels change shape


def data_version() -> str | None:
    """The current token, or None while no write has set one (then nothing is cached)."""
    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def _hashed(prefix: str, parts: list[str]) -> str:
    return f"{prefix}:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _usable(seconds: int) -> bool:
    """May anything be cached now? Not when switched off, inside a transaction, or while a table
    lacks its trigger (the rules in this module's docstring)."""
    return bool(seconds) and not connection.in_atomic_block and triggers.complete(connection.alias)


def cache_key(user, params: dict[str, list[str]], today: datetime.date, part: str = "") -> str:
    """The entry for these panels; the data version and the minute they were counted on are kept
    in the entry (`remember` compares them), so a newer count replaces an older one."""
    return _hashed("reports", [str(KEY_VERSION), part, str(user.pk), today.isoformat(),
                               translation.get_language() or "", urlencode(sorted(params.items()), doseq=True)])


@dataclass(frozen=True)
class Counted:
    """Panels and when they were counted: `at` is the clock (time.time()) as counting began;
    `current` says no write has been committed since — else they are at most
    `REPORTS_STALE_SECONDS` behind, and the page says so; `serial` names the count among every
    other of the same panels while it is in the cache (None outside it: in a transaction, say, a
    count is never seen again, so nothing is kept for it)."""
    panels: dict
    at: float
    current: bool = True
    serial: str | None = None

    @property
    def counted_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.at, tz=datetime.timezone.utc)


def remember(user, params: dict[str, list[str]], today: datetime.date, compute: Callable[[], dict],
             part: str = "", not_before: float | None = None) -> Counted:
    """`compute()`'s panels for this user, filters and day, from the cache when still valid:
    counted on the current data version in the current minute, or — when the reader accepts it —
    counted after `not_before` (a time.time()). `part` names another set of panels kept
    under the same rules (the page's honest-health and roll-up panels beside the board's figures).
    Computed with the cycle collector held off (agreements.reports.collector)."""
    def computed() -> dict:
        with collector.held_off():
            return compute()

    began = time.time()
    seconds = settings.REPORTS_CACHE_SECONDS
    if not _usable(seconds):
        return Counted(computed(), began)
    token = data_version()
    if token is None:
        return Counted(computed(), began)
    key, minute = cache_key(user, params, today, part), timezone.now().strftime("%Y%m%d%H%M")
    kept = cache.get(key)
    if kept is not None:
        kept_token, kept_minute, kept_at, serial, panels = kept
        accepted = not_before is not None and kept_at > not_before
        if kept_token == token and (kept_minute == minute or accepted):  # no write since: only the clock moved
            return Counted(panels, kept_at, serial=serial)
        if accepted:
            return Counted(panels, kept_at, current=False, serial=serial)
    panels, serial = computed(), uuid.uuid4().hex
    # Counted on `token` (read before the counting: a commit during it makes the entry newer than
    # its token, never older) and `minute`; the minute ends any use of it within 60 s.
    cache.set(key, (token, minute, began, serial, panels), min(seconds, 60))
    return Counted(panels, began, serial=serial)


def count_key(user, params: dict[str, list[str]], today: datetime.date, *counts: Counted) -> str | None:
    """A key for what is rendered from these counts alone (the dashboard's panels, without the page
    around them), or None when one of them is not kept. Each count has a serial of its own, so a
    fragment of an older count is never reached again once the figures it shows are replaced
    (agreements.web.dashboard)."""
    if not counts or any(count.serial is None for count in counts):
        return None
    return _hashed("counted", [cache_key(user, params, today, "fragment"), timezone.get_current_timezone_name(),
                               *(count.serial for count in counts)])


def accepted_since(wrote_at: float | None, fresh: bool = False) -> float | None:
    """The `not_before` for a reader of the dashboard: figures up to REPORTS_STALE_SECONDS old, but
    none whose counting began before the reader's own last write was answered (`wrote_at`), and
    only a fresh count when they asked to count again (`fresh`) or the setting is 0."""
    stale = settings.REPORTS_STALE_SECONDS
    if fresh or stale <= 0:
        return None
    since = time.time() - stale
    return since if wrote_at is None else max(since, wrote_at)


def read_key(request, kind: str, credential: str) -> str | None:
    """A key for what this GET returns while the data version stands, or None when it must be
    computed — the same rules as the figures above, for whole answers: the page cache's
    (agreements.web.page_cache) and the API's (agreements.api.response_cache). `credential` ends the
    entry with the sign-in it was made under (the session's auth hash, the API token); the scheme,
    host and full path are in it because the answers echo them (links, the language form's `next`)."""
    if request.method != "GET" or not _usable(settings.PAGE_CACHE_SECONDS):
        return None
    # Read before the answer's own queries: a commit in between makes the answer newer than its key, never older.
    token = data_version()
    if token is None:
        return None
    return _hashed(kind, [kind, token, str(request.user.pk), credential, translation.get_language() or "",
                          timezone.get_current_timezone_name(), timezone.now().strftime("%Y%m%d%H%M"), request.scheme,
                          request.get_host(), request.get_full_path()])
