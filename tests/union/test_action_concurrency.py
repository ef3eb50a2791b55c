"""Twice at the same moment, against the real database: two threads issuing the same notice make one notice;
two threads importing the same acknowledgement record one proof of receipt and refuse the other as a replay."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from tests.race import race
from tests.union.action_helpers import counted_ballot

from mandate.platform import exchange as ex
from mandate.union import action as act
from mandate.union.models import ActionNotice, Mandate

pytestmark = pytest.mark.django_db(transaction=True)


_race = race


def test_concurrent_notice_and_acknowledgement(union_org):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    m = Mandate.objects.get(ballot=b, kind="strike")
    act.signing_key(union_org)
    results = _race(lambda: act.issue_action_notice(Mandate.objects.get(pk=m.pk), days=[date(2026, 12, 1)],
                                                    continuous=True, expected_receipt=date(2026, 11, 20),
                                                    sent_on=date(2026, 11, 18)).pk)
    assert len(set(results)) == 1 and ActionNotice.objects.count() == 1, results
    notice = ActionNotice.objects.get()
    seed = bytes(range(32))
    act.record_employer_key(m.employer, ex.public_key(seed).hex())
    receipt = ex.make_receipt(package_sha256=notice.package.digest, received_on=date(2026, 11, 19),
                              recipient="ONS", seed=seed)
    results = _race(lambda: act.import_receipt(union_org, receipt).received_on)
    assert sorted(map(type, results), key=str) == sorted([date, ex.PackageRefused], key=str), results
    assert any(isinstance(r, ex.PackageRefused) and "replay" in str(r) for r in results)
