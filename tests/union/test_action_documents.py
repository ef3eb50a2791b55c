"""Every statutory document the union sends, as a signed package both ways: the notice of ballot (s.226A), the
sample voting paper, the s.231A result, the notice of industrial action, of suspension and of resumption. Each
is imported by the workplace wing, verified, dated, shown with the deadlines it starts and acknowledged, and
the acknowledgement becomes the union's proof of receipt; tampered, unsigned, wrong-kind and replayed packages
are refused with the reason and nothing written."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from tests.union.action_helpers import counted_ballot

from mandate.platform import exchange as ex
from mandate.platform.models import AuditEntry
from mandate.union import action as act
from mandate.union import action_documents as docs
from mandate.union import services
from mandate.union.models import Mandate, SentPackage
from mandate.workplace import received as wp
from mandate.workplace.models import ReceivedPackage

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(union_org, employer_org):
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    services.issue_results(b, sent_on=date(2026, 11, 17), today=date(2026, 11, 17))
    public, _ = act.public_key_of(union_org)
    wp.record_sender_key(employer_org, "PCS", public, actor="hr")
    act.record_employer_key(b.mandates.first().employer, wp.receipt_key(employer_org).public_key)
    strike = Mandate.objects.get(ballot=b, kind="strike")
    notice = act.issue_action_notice(strike, days=[date(2026, 12, 1)], continuous=True,
                                     expected_receipt=date(2026, 11, 19), sent_on=date(2026, 11, 18))
    suspension = act.issue_suspension(notice, suspended_from=date(2027, 1, 10), reason="union_decision",
                                      sent_on=date(2027, 1, 5), expected_receipt=date(2027, 1, 6))
    resumption = act.issue_resumption(suspension, resumes_on=date(2027, 2, 1), sent_on=date(2027, 1, 15),
                                      expected_receipt=date(2027, 1, 16))
    packages = {doc.kind: docs.package_document(union_org, doc) for doc, *_ in docs.packageable(union_org)}
    for n in (notice, suspension, resumption):
        packages[n.package.document.kind] = n.package
    return {"ballot": b, "union": union_org, "org": employer_org, "packages": packages}


RECEIVED = {"s226a-notice": date(2026, 10, 21), "sample-paper": date(2026, 10, 21),
            "s231a-result": date(2026, 11, 17), "s234a-notice": date(2026, 11, 19),
            "action-suspension": date(2027, 1, 6), "action-resumption": date(2027, 1, 16)}
DEADLINES = {  # one deadline each kind must show, from the rulebook's dates for this ballot
    "s226a-notice": (date(2026, 10, 26), "latest day the notice of ballot had to be received"),
    "sample-paper": (date(2026, 10, 30), "latest day the sample voting paper had to be received"),
    "s231a-result": (date(2027, 11, 15), "last day of the mandate for strike, Newport (Office for National Statistics)"),
    "s234a-notice": (date(2026, 11, 21), "latest day the notice had to be received"),
    "action-suspension": (date(2027, 1, 10), "action suspended from"),
    "action-resumption": (date(2027, 2, 1), "action resumes"),
}


def _round_trip(world, kind):
    package = world["packages"][kind]
    raw = bytes(package.package)
    got = wp.import_package(world["org"], raw, received_on=RECEIVED[kind], today=date(2027, 2, 1), expected_kind=kind)
    assert got.kind == kind and got.pdf.startswith(b"%PDF-")
    c = wp.clocks(got)
    assert (DEADLINES[kind][0], DEADLINES[kind][1]) in [(d.day, d.what) for d in c.deadlines], c.deadlines
    assert not c.problems, c.problems
    text = json.dumps(got.facts)
    for elector in world["ballot"].electors.all()[:10]:  # no member's name or number crosses to the employer
        assert elector.name not in text and elector.membership_number not in text
    # the acknowledgement is the union's proof of receipt
    proof = act.import_receipt(world["union"], wp.acknowledge(got))
    assert proof.pk == package.pk and proof.received_on == RECEIVED[kind]
    # replayed: the same package again, and the same acknowledgement again
    with pytest.raises(ex.PackageRefused, match="already imported"):
        wp.import_package(world["org"], raw, received_on=RECEIVED[kind], today=date(2027, 2, 1))
    with pytest.raises(ex.PackageRefused, match="replay"):
        act.import_receipt(world["union"], got.acknowledgement)
    # tampered: a fact changed, or the PDF changed
    body = json.loads(raw)
    body["facts"]["union"] = "Someone else"
    with pytest.raises(ex.PackageRefused, match="signature does not verify"):
        wp.import_package(world["org"], json.dumps(body), received_on=RECEIVED[kind], today=date(2027, 2, 1))
    body = json.loads(raw)
    pdf = bytearray(base64.b64decode(body["pdf"]))
    pdf[-20] ^= 1
    body["pdf"] = base64.b64encode(bytes(pdf)).decode()
    with pytest.raises(ex.PackageRefused, match="not the one that was signed"):
        wp.import_package(world["org"], json.dumps(body), received_on=RECEIVED[kind], today=date(2027, 2, 1))
    # unsigned
    body = json.loads(raw)
    del body["signature"]
    with pytest.raises(ex.PackageRefused, match="unsigned"):
        wp.import_package(world["org"], json.dumps(body), received_on=RECEIVED[kind], today=date(2027, 2, 1))
    # wrong kind: HR expected another document
    other = "s234a-notice" if kind != "s234a-notice" else "s226a-notice"
    ReceivedPackage.objects.filter(kind=kind).delete()
    with pytest.raises(ex.PackageRefused, match="You chose to import a"):
        wp.import_package(world["org"], raw, received_on=RECEIVED[kind], today=date(2027, 2, 1), expected_kind=other)
    assert not ReceivedPackage.objects.filter(kind=kind).exists()


def test_each_kind_round_trip(world):
    """One ballot for all six kinds (a counted ballot is slow to make): each kind in turn."""
    for kind in sorted(RECEIVED):
        _round_trip(world, kind)


def test_a_signed_package_of_an_unknown_kind_or_without_its_facts_is_refused(world):
    seed = bytes(world["union"].signing_key.seed)
    pdf = b"%PDF-1.7\n%%EOF\n"
    odd = ex.make_package(kind="membership-list", title="x", issuer="PCS", facts={}, pdf=pdf, seed=seed)
    with pytest.raises(ex.PackageRefused, match="not a document a union sends"):
        wp.import_package(world["org"], odd, received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    hollow = ex.make_package(kind="s231a-result", title="Result", issuer="PCS", facts={"opening_day": "2026-11-02"},
                             pdf=pdf, seed=seed)
    with pytest.raises(ex.PackageRefused, match="lacks that document's facts .*date_of_ballot, units"):
        wp.import_package(world["org"], hollow, received_on=date(2026, 11, 19), today=date(2026, 11, 19))
    assert ReceivedPackage.objects.count() == 0


def test_the_result_package_carries_the_figures_and_no_record_for_a_postal_ballot(world):
    b = world["ballot"]
    facts = ex.open_package(bytes(world["packages"]["s231a-result"].package),
                            {bytes.fromhex(act.public_key_of(world["union"])[0]): "PCS"}).facts
    assert docs.election_record_of(b) is None and facts["election_record"] is None
    newport = next(u for u in facts["units"] if u["name"].startswith("Newport"))
    electors = b.electors.filter(unit__name=newport["name"]).count()
    assert newport["entitled"] == electors and newport["votes_cast"] == 30
    assert newport["questions"]["strike"]["yes"] == 30 and newport["turnout_threshold_met"] is True
    assert {m["last_day"] for m in facts["mandates"]} == {"2027-11-15"}


def test_a_late_notice_of_ballot_and_sample_are_shown_late(world):
    for kind in ("s226a-notice", "sample-paper"):
        got = wp.import_package(world["org"], bytes(world["packages"][kind].package), received_on=date(2026, 10, 31),
                                today=date(2026, 11, 1))
        assert any("came late" in p for p in wp.clocks(got).problems), kind


def test_only_a_standing_document_is_packaged_once(world):
    doc = world["packages"]["s226a-notice"].document
    again = docs.package_document(world["union"], doc)
    assert again.pk == world["packages"]["s226a-notice"].pk
    assert SentPackage.objects.filter(document=doc).count() == 1
    assert AuditEntry.objects.filter(action="exchange.package_signed", object_id=str(doc.pk)).count() == 1


def test_the_union_page_lists_the_ballot_documents_with_package_links(world, client, make_user):
    client.force_login(make_user("branch_rep", "pcs"))
    page = client.get("/union/action/").content.decode()
    assert "Notice of ballot to Office for National Statistics" in page and "Result of the ballot, for" in page
    doc = world["packages"]["sample-paper"].document
    response = client.get(f"/union/action/documents/{doc.pk}.package.json")
    assert response.status_code == 200 and json.loads(response.content)["kind"] == "sample-paper"
