"""Two confirmations of the same reviewed import at once (a double click that sends both): real threads
against the test database (PostgreSQL when DATABASE_URL names it, else SQLite). Each new member is created
once, each missing member marked as left once, and neither request fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from tests.union.helpers import register_csv

from mandate.union import register_list
from mandate.union.models import Member
from mandate.union.register import ImportReport

pytestmark = pytest.mark.django_db(transaction=True)


def _together(work: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(work))
    out: list[Any] = [None] * len(work)

    def run(i: int) -> None:
        try:
            if connection.vendor == "sqlite":
                connection.cursor().execute("PRAGMA read_uncommitted = 1")  # the shared in-memory test database
            barrier.wait()
            out[i] = work[i]()
        except Exception as error:  # noqa: BLE001 - the outcome is the test's to judge
            out[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


@pytest.mark.parametrize("trial", range(3))
def test_two_confirmations_at_once_import_once(union_org, trial):
    text = register_csv({"newport": 30, "titchfield": 10}, start=1000 + trial)  # the fixture's 3 are missing
    review = register_list.review_import(union_org, text)
    assert review.report.created == 40 and len(review.would_leave) == 3
    outcomes = _together([lambda: register_list.confirm_import(union_org, text, "official")] * 2)
    assert all(isinstance(o, ImportReport) for o in outcomes), outcomes
    assert sorted(o.created for o in outcomes) == [0, 40]
    assert sorted(o.marked_left for o in outcomes) == [0, 3]
    assert Member.objects.filter(union=union_org).count() == 43
    assert Member.objects.filter(union=union_org, left_on__isnull=False).count() == 3
