"""The same ballot sent twice at the same moment (a double click, a retry while the first is in flight), each
request on its own database connection: one entry in the record, the same receipt for both."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from tests.union.voting.helpers import open_election

from mandate.union.models import RecordEvent
from mandate.union.voting import casting

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_at_once_one_entry_one_receipt(union_org) -> None:
    if connection.vendor == "sqlite":  # the in-memory test database's shared cache locks whole tables
        pytest.skip("two connections at once: run on PostgreSQL (DATABASE_URL)")
    eb = open_election(union_org, members=2)
    ballot = eb.ballot_json(eb.electors[0].membership_number, {"strike": 1, "action_short_of_strike": 0})
    info = casting.election_info(eb.ballot)
    assert info is not None
    start = threading.Barrier(2)
    receipts: list[casting.Receipt] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            start.wait()
            receipts.append(casting.cast(eb.ballot, info, ballot))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(receipts) == 2 and receipts[0].tracking_code == receipts[1].tracking_code
    assert receipts[0].seq == receipts[1].seq and sorted(r.again for r in receipts) == [False, True]
    assert RecordEvent.objects.filter(election=eb.election, kind="ballot").count() == 1
