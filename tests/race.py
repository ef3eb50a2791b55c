"""Run one callable in several threads released at the same moment (two writers at once, on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def race(target: Callable[[], object], n: int = 2) -> list[object]:
    """Each thread's result, or the exception it raised (the refusal is the result being compared)."""
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - the refusal is the result being compared
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
