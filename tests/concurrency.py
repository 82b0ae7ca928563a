"""Several callers at the same moment, each on its own database connection (the way two
people's requests arrive), for the tests of locks and conflicts."""
from __future__ import annotations

import threading
from typing import Any, Callable

from django.db import connection

TIMEOUT = 60


def at_once(*calls: Callable[[Callable[[], Any]], Any]) -> list:
    """Run each call in its own thread and return what each returned, in order. A call gets
    `start` and calls it where the race begins (after its own preparation): all are released
    together. Any exception in a thread fails the test; a thread that fails before `start`
    breaks the barrier instead of leaving the others waiting, and nothing waits for ever."""
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call) -> None:
        try:
            results[index] = call(barrier.wait)
        except BaseException as error:  # reported below, in the test's own thread
            barrier.abort()
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a concurrent call did not finish"
    if errors:
        raise errors[0]
    return results
