"""Agreement references: CAJ-<year of signature>-NNN, the next free number each time.

Two imports running at once must not hand out the same number. The guard:

- PostgreSQL: `pg_advisory_xact_lock` on one fixed key, taken before reading the highest
  number and held until the importing transaction commits or rolls back. A second
  allocator waits at the lock, then (READ COMMITTED: each statement sees what committed
  before it started) reads a highest number that includes the first import's rows.
- SQLite: the project opens write transactions with BEGIN IMMEDIATE (settings), so only
  one writer is inside a transaction at a time; allocation is serialised by the database.
- Always: the unique constraint on `Agreement.reference` is the last word; anything that
  slips past the lock (a reference typed by hand in the admin at the same instant) fails
  the insert and the whole import rolls back with a "try again" message.

Numbers are never reused: the next one is the highest + 1, so a deleted reference stays
retired (it may be quoted in letters and minutes).
"""
from __future__ import annotations

import re

from django.db import connection

from agreements.models import Agreement

PREFIX = "CAJ"
NUMBER_RE = re.compile(r"^CAJ-(\d{4})-(\d+)$")
LOCK_KEY = 0x43414A52  # "CAJR": one key for all reference allocation


def format_reference(year: int, number: int) -> str:
    return f"{PREFIX}-{year}-{number:03d}"


def lock_allocation() -> None:
    """Serialise allocators until the end of the current transaction (see the module docstring)."""
    if not connection.in_atomic_block:
        raise RuntimeError("Reference allocation must run inside the transaction that inserts the agreements.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def highest_number(year: int) -> int:
    used = Agreement.objects.filter(reference__startswith=f"{PREFIX}-{year}-").values_list("reference", flat=True)
    numbers = (int(match.group(2)) for reference in used if (match := NUMBER_RE.match(reference)))
    return max(numbers, default=0)


def allocate(years: list[int]) -> list[str]:
    """One new reference per entry of `years`, in order. Call inside the inserting transaction."""
    lock_allocation()
    next_number = {year: highest_number(year) + 1 for year in set(years)}
    references = []
    for year in years:
        references.append(format_reference(year, next_number[year]))
        next_number[year] += 1
    return references
