"""Lists of ids cut into IN-lists every database accepts (SQLite's and PostgreSQL's parameter limits)."""
from __future__ import annotations

from typing import Iterable

CHUNK = 500  # IN-lists stay well under every database's parameter limit


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
