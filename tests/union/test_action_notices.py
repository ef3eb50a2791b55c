"""Notices of industrial action from a counted mandate: content from the frozen electorate, each refusal under
both regimes, s.232A, suspension and resumption, the signed package and the proof of receipt."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.union.action_helpers import counted_ballot

from mandate.platform import exchange as ex
from mandate.platform.models import Document
from mandate.union import action as act
from mandate.union.models import ActionNotice, Employer, Mandate, Member, SentPackage

pytestmark = pytest.mark.django_db


@pytest.fixture
def era_mandates(union_org) -> dict[str, Mandate]:
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    return {m.kind: m for m in Mandate.objects.filter(ballot=b)}


@pytest.fixture
def tua_mandates(union_org) -> dict[str, Mandate]:
    b = counted_ballot(union_org, date(2025, 12, 1), date(2025, 12, 15))
    return {m.kind: m for m in Mandate.objects.filter(ballot=b)}


def test_a_notice_from_the_frozen_electorate_is_a_signed_package(era_mandates):
    m = era_mandates["action_short_of_strike"]
    assert m.last_day == date(2027, 11, 15)
    n = act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, forms=["Overtime ban", "Work to rule"],
                                expected_receipt=date(2026, 11, 20), sent_on=date(2026, 11, 18), actor="official")
    assert (n.regime, n.latest_receipt) == ("ERA1", date(2026, 11, 21))
    f = n.facts
    assert f["total"] == 39 and f["number_per_workplace"] == {"Newport": 39}
    assert "number_per_category" not in f  # ERA 2025 s.74 removed the per-category numbers
    assert f["forms_of_action"] == ["Overtime ban", "Work to rule"] and f["continuous"] is True
    text = json.dumps(f)
    for member in Member.objects.all():  # no member's name or number crosses to the employer
        assert member.name not in text and member.membership_number not in text
    key = bytes.fromhex(act.signing_key(m.union).public_key)
    opened = ex.open_package(bytes(n.package.package), {key: "PCS"})
    assert opened.facts == f and opened.pdf.startswith(b"%PDF-")
    assert opened.digest == n.package.digest
    assert "Notice of industrial action" in n.package.document.html and "1 December 2026" in n.package.document.html


def test_refusals_under_the_era_regime(era_mandates):
    m = era_mandates["strike"]
    with pytest.raises(act.ActionRefused) as late:
        act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 22),
                                sent_on=date(2026, 11, 20))
    assert "late" in late.value.problems[0] and "21 November 2026" in late.value.problems[0]
    with pytest.raises(act.ActionRefused) as beyond:
        act.issue_action_notice(m, days=[date(2027, 11, 15), date(2027, 11, 16)], continuous=False,
                                expected_receipt=date(2027, 10, 1), sent_on=date(2027, 9, 30))
    assert "does not cover 16 November 2027" in beyond.value.problems[0]
    assert ActionNotice.objects.count() == 0 and SentPackage.objects.count() == 0  # a refusal issues nothing


def test_refusals_under_the_tua16_regime(tua_mandates):
    m = tua_mandates["strike"]
    assert m.last_day == date(2026, 6, 14)  # six months (s.234(1) as in TUA 2016)
    with pytest.raises(act.ActionRefused) as late:  # received 10 February 2026: 14 days needed
        act.issue_action_notice(m, days=[date(2026, 2, 20)], continuous=True, expected_receipt=date(2026, 2, 10),
                                sent_on=date(2026, 2, 9))
    assert "TUA16: 14 days" in late.value.problems[0] and "6 February 2026" in late.value.problems[0]
    with pytest.raises(act.ActionRefused, match="does not cover 15 June 2026"):
        act.issue_action_notice(m, days=[date(2026, 6, 15)], continuous=True, expected_receipt=date(2026, 5, 1),
                                sent_on=date(2026, 5, 1))
    ok = act.issue_action_notice(m, days=[date(2026, 2, 20)], continuous=True, expected_receipt=date(2026, 2, 6),
                                 sent_on=date(2026, 2, 5))
    assert ok.regime == "TUA16" and ok.facts["number_per_category"]  # per-category numbers before ERA 2025


def test_a_member_who_was_not_given_a_vote_blocks_the_call(era_mandates):
    m = era_mandates["strike"]
    ons = Employer.objects.get(code="ons")
    Member.objects.create(union=m.union, membership_number="P999999", name="Left Out", home_address="x",
                          employer=ons, workplace=ons.workplaces.get(code="newport"), job_category="Statistician",
                          joined_on=date(2020, 1, 1))
    with pytest.raises(act.ActionRefused, match=r"s\.232A") as caught:
        act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                                sent_on=date(2026, 11, 18))
    assert "P999999" in caught.value.problems[0]
    # a member who joined after the ballot was not a member at the time: not a s.232A failure
    Member.objects.filter(membership_number="P999999").update(joined_on=date(2026, 11, 17))
    act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                            sent_on=date(2026, 11, 18))


def test_suspension_and_resumption(era_mandates):
    m = era_mandates["strike"]
    n = act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                                sent_on=date(2026, 11, 18))
    with pytest.raises(act.ActionRefused, match="agreed date of resumption"):
        act.issue_suspension(n, suspended_from=date(2026, 12, 10), reason="agreed_suspension",
                             sent_on=date(2026, 12, 8), expected_receipt=date(2026, 12, 9))
    s = act.issue_suspension(n, suspended_from=date(2026, 12, 10), reason="union_decision", sent_on=date(2026, 12, 8),
                             expected_receipt=date(2026, 12, 9))
    with pytest.raises(act.ActionRefused, match="late"):  # a fresh notice is needed: 10 days before resuming
        act.issue_resumption(s, resumes_on=date(2027, 1, 5), sent_on=date(2026, 12, 27),
                             expected_receipt=date(2026, 12, 28))
    r = act.issue_resumption(s, resumes_on=date(2027, 1, 5), sent_on=date(2026, 12, 20),
                             expected_receipt=date(2026, 12, 22))
    assert r.facts["fresh_notice_required"] is True and r.latest_receipt == date(2026, 12, 26)
    agreed = act.issue_suspension(n, suspended_from=date(2026, 12, 10), reason="agreed_suspension",
                                  resumes_on=date(2026, 12, 20), sent_on=date(2026, 12, 8),
                                  expected_receipt=date(2026, 12, 9))
    late_ok = act.issue_resumption(agreed, resumes_on=date(2026, 12, 20), sent_on=date(2026, 12, 19),
                                   expected_receipt=date(2026, 12, 19))
    assert late_ok.facts["fresh_notice_required"] is False  # s.234A(7B)


def test_proof_of_receipt_and_replays(era_mandates):
    m = era_mandates["strike"]
    n = act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                                sent_on=date(2026, 11, 18))
    hr_seed = bytes(range(32))
    receipt = ex.make_receipt(package_sha256=n.package.digest, received_on=date(2026, 11, 19), recipient="ONS",
                              seed=hr_seed)
    with pytest.raises(ex.PackageRefused, match="not recorded here"):
        act.import_receipt(m.union, receipt)
    act.record_employer_key(m.employer, ex.public_key(hr_seed).hex(), actor="official")
    act.record_employer_key(m.employer, ex.public_key(hr_seed).hex(), actor="official")  # twice: once
    pkg = act.import_receipt(m.union, receipt, actor="official")
    assert pkg.received_on == date(2026, 11, 19)
    assert Document.objects.get(pk=pkg.document.pk).received_on == date(2026, 11, 19)
    with pytest.raises(ex.PackageRefused, match="replay"):
        act.import_receipt(m.union, receipt)
    other = ex.make_receipt(package_sha256=n.package.digest, received_on=date(2026, 11, 20), recipient="ONS",
                            seed=hr_seed)
    with pytest.raises(ex.PackageRefused, match="already recorded"):
        act.import_receipt(m.union, other)
    stranger = ex.make_receipt(package_sha256="0" * 64, received_on=date(2026, 11, 19), recipient="ONS", seed=hr_seed)
    with pytest.raises(ex.PackageRefused, match="did not send"):
        act.import_receipt(m.union, stranger)
    assert SentPackage.objects.get(pk=pkg.pk).received_on == date(2026, 11, 19)


def test_hand_entered_mandates_have_no_electorate_to_notify(union_org):
    from tests.union.helpers import strike_and_asos_mandates

    m = strike_and_asos_mandates(union_org, date(2026, 11, 2), date(2026, 11, 16))[0]
    with pytest.raises(act.ActionRefused, match="entered by hand"):
        act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                                sent_on=date(2026, 11, 18))


def test_twice_is_once_and_dates_outside_the_rulebook_are_refused(era_mandates):
    m = era_mandates["strike"]
    args = dict(days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2026, 11, 20),
                sent_on=date(2026, 11, 18))
    first = act.issue_action_notice(m, **args)
    assert act.issue_action_notice(m, **args).pk == first.pk and ActionNotice.objects.count() == 1
    with pytest.raises(act.ActionRefused, match="Out of scope"):
        act.issue_action_notice(m, days=[date(2026, 12, 1)], continuous=True, expected_receipt=date(2010, 1, 1),
                                sent_on=date(2010, 1, 1))
    with pytest.raises(act.ActionRefused):
        act.issue_action_notice(m, days=[date(1, 1, 2)], continuous=True, expected_receipt=date(2026, 11, 20),
                                sent_on=date(2026, 11, 18))
