"""Documents received from a union: verified against a recorded key, the date received recorded once, the
deadlines the rulebook reads from it, and the signed acknowledgement."""

from __future__ import annotations

import json
from datetime import date

import pytest

from mandate.platform import exchange as ex
from mandate.workplace import received as svc
from mandate.workplace.models import ReceivedPackage

pytestmark = pytest.mark.django_db
UNION_SEED = bytes(range(32))
PDF = b"%PDF-1.7\nnotice\n%%EOF\n"


def notice(days: list[str], last: str = "2027-11-15", ballot: str = "2026-11-16", **extra) -> bytes:
    facts = {"action": "strike", "continuous": len(days) == 1, "days": days, "mandate_last_day": last,
             "date_of_ballot": ballot, "total": 39, "categories": ["Statistician"],
             "number_per_workplace": {"Newport": 39}, "explanation": "from the frozen register", **extra}
    return ex.make_package(kind="s234a-notice", title="Notice of industrial action", issuer="PCS", facts=facts,
                           pdf=PDF, seed=UNION_SEED)


@pytest.fixture
def org(employer_org):
    svc.record_sender_key(employer_org, "PCS", ex.public_key(UNION_SEED).hex(), actor="hr")
    return employer_org


def test_import_records_the_date_and_the_clocks_it_starts(org):
    got = svc.import_package(org, notice(["2026-12-01"]), received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    c = svc.clocks(got)
    assert c.regime == "ERA1" and not c.problems
    assert [(d.day, d.section) for d in c.deadlines] == [
        (date(2026, 11, 21), "s.234A(4)"), (date(2026, 12, 1), "s.234A(3)(b)"), (date(2027, 11, 15), "s.234(1)")]
    with pytest.raises(ex.PackageRefused, match="already imported"):
        svc.import_package(org, notice(["2026-12-01"]), received_on=date(2026, 11, 20), today=date(2026, 11, 20))
    assert ReceivedPackage.objects.get().received_on == date(2026, 11, 19)


def test_a_late_notice_is_shown_late_under_each_regime(org):
    era = svc.import_package(org, notice(["2026-12-01"]), received_on=date(2026, 11, 22), today=date(2026, 11, 22))
    assert any("would be late" in p for p in svc.clocks(era).problems)
    tua = svc.import_package(org, notice(["2026-02-20"], last="2026-06-14", ballot="2025-12-15"),
                             received_on=date(2026, 2, 10), today=date(2026, 2, 10))
    c = svc.clocks(tua)
    assert c.regime == "TUA16" and any("14 days" in p for p in c.problems)


def test_refusals_unknown_key_tampered_future(org, employer_org):
    stranger = ex.make_package(kind="s234a-notice", title="t", issuer="X", facts={}, pdf=PDF, seed=bytes(32))
    with pytest.raises(ex.PackageRefused, match="not recorded here"):
        svc.import_package(org, stranger, received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    body = json.loads(notice(["2026-12-01"]))
    body["facts"]["total"] = 38
    with pytest.raises(ex.PackageRefused, match="signature does not verify"):
        svc.import_package(org, json.dumps(body), received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    with pytest.raises(ex.PackageRefused, match="future"):
        svc.import_package(org, notice(["2026-12-01"]), received_on=date(2026, 11, 20), today=date(2026, 11, 19))
    with pytest.raises(ex.PackageRefused, match="name"):
        svc.record_sender_key(org, "  ", ex.public_key(UNION_SEED).hex())
    assert ReceivedPackage.objects.count() == 0


def test_the_acknowledgement_is_signed_once_and_verifies(org):
    got = svc.import_package(org, notice(["2026-12-01"]), received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    first = svc.acknowledge(got, actor="hr")
    assert svc.acknowledge(got) == first  # asked twice: the same acknowledgement
    key = bytes.fromhex(svc.receipt_key(org).public_key)
    r = ex.open_receipt(first, {key: org.name})
    assert (r.package_sha256, r.received_on) == (got.digest, date(2026, 11, 19))
    assert ex.package_digest(notice(["2026-12-01"])) == got.digest


def test_odd_but_signed_facts_give_clocks_not_errors(org):
    odd = ex.make_package(kind="s234a-notice", title="Notice", issuer="PCS", pdf=PDF, seed=UNION_SEED,
                          facts={"days": 5, "forms_of_action": [1, None], "mandate_last_day": "not a date",
                                 "date_of_ballot": "2026-11-16"})
    got = svc.import_package(org, odd, received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    assert svc.clocks(got).deadlines == ()
    early = ex.make_package(kind="s234a-notice", title="Old", issuer="PCS", pdf=PDF, seed=UNION_SEED,
                            facts={"days": ["2010-01-20"], "mandate_last_day": "2010-06-01", "date_of_ballot": "2010-01-01"})
    old = svc.import_package(org, early, received_on=date(2010, 1, 1), today=date(2026, 11, 19))
    assert any("Out of scope" in p for p in svc.clocks(old).problems)
