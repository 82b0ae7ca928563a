"""Python's cycle collector held off while a report's panels are computed."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def held_off() -> Iterator[None]:
    """Computing the dashboard makes ~100,000 short-lived objects (rows, suggestions, figures)
    while ~14,000 rows stay alive to the end; CPython's collector runs every 700 allocations and
    walks those live rows again each time they age a generation: 15–20% of a computed dashboard
    at 20,000 agreements (README, "Performance"). Reference counting still frees everything that
    is not in a cycle at once; the few cycles wait until the collector runs again, as usual, when
    the panels are made. Does nothing when the collector is already off (nested, or held off by
    another thread of the same process), so it never switches it on for someone else."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
