"""On the employer's side: a received notice of industrial action that covers an attendance policy offers to
switch on dispute mode (one button, confirmed, audited, once); an electronic ballot's s.231A result is checked
against its public election record by the verifier, reported in the employer's words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import verify_record
from mandate.platform import exchange as ex
from mandate.platform.models import AuditEntry
from mandate.policy import examples
from mandate.workplace import received as svc
from mandate.workplace import received_record
from mandate.workplace.models import AttendancePolicy, Organisation

pytestmark = pytest.mark.django_db
UNION_SEED = bytes(range(32))
PDF = b"%PDF-1.7\nnotice\n%%EOF\n"


def _notice(workplaces: list[str]) -> bytes:
    facts = {"action": "action_short_of_strike", "continuous": True, "days": ["2026-12-01"],
             "mandate_last_day": "2027-11-15", "date_of_ballot": "2026-11-16", "total": 39,
             "categories": ["Statistician"], "workplaces": workplaces, "forms_of_action": ["Refusing the 60% rule"]}
    return ex.make_package(kind="s234a-notice", title="Notice of industrial action", issuer="PCS", facts=facts,
                           pdf=PDF, seed=UNION_SEED)


@pytest.fixture
def org(employer_org):
    svc.record_sender_key(employer_org, "PCS", ex.public_key(UNION_SEED).hex(), actor="hr")
    AttendancePolicy.objects.create(organisation=employer_org, toml=examples.text("ons-individual-40.toml"),
                                    is_default=True)
    return employer_org


def test_a_notice_for_a_site_of_the_policy_offers_dispute_mode_once(org, client, make_user):
    policy = AttendancePolicy.objects.get()
    got = svc.import_package(org, _notice(["Newport", "Titchfield"]), received_on=date(2026, 11, 19),
                             today=date(2026, 11, 19))
    assert svc.covered_policies(got) == [policy]
    elsewhere = svc.import_package(org, _notice(["Titchfield"]), received_on=date(2026, 11, 19),
                                   today=date(2026, 11, 19))
    assert svc.covered_policies(elsewhere) == []  # no site of this organisation named: nothing offered
    client.force_login(make_user("hr_admin", "ons"))
    url = f"/workplace/received/{got.pk}/"
    page = client.get(url).content.decode()
    assert f"Switch on dispute mode for {policy.name}" in page
    assert "Switch on dispute mode" not in client.get(f"/workplace/received/{elsewhere.pk}/").content.decode()
    # without the confirmation: refused, nothing changes
    refused = client.post(url + "dispute-mode/", {"policy": policy.pk})
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()
    assert not Organisation.objects.get(pk=org.pk).dispute_mode
    # a policy the notice does not cover (another organisation's id): refused
    assert client.post(url + "dispute-mode/", {"policy": 99999, "confirm": "on"}).status_code == 400
    done = client.post(url + "dispute-mode/", {"policy": policy.pk, "confirm": "on"}, follow=True)
    assert "Dispute mode is on for Office for National Statistics" in done.content.decode()
    assert Organisation.objects.get(pk=org.pk).dispute_mode
    again = client.post(url + "dispute-mode/", {"policy": policy.pk, "confirm": "on"}, follow=True)
    assert "already on" in again.content.decode()
    entries = AuditEntry.objects.filter(action="dispute_mode_on")
    assert entries.count() == 1 and entries.get().detail["received"] == got.pk
    assert "Dispute mode is on" in client.get(url).content.decode()


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("rec") / "election.jsonl"
    simulate(voters=12, units=1, questions=["strike"], trustees=3, threshold=2, revote_share=0.0,
             challenge_share=0.0, seed=5, out=out, workers=1)
    rep = verify_record(out, workers=1)
    assert rep.ok and rep.verified is not None
    return out, rep


def _result_facts(rep, *, votes_delta: int = 0, yes_delta: int = 0, entitled: int = 14) -> dict:
    unit = rep.verified.units[0]
    q = unit.questions[0].online
    return {"opening_day": "2026-11-02", "closing_day": "2026-11-16", "date_of_ballot": "2026-11-16",
            "election_record": {"fingerprint": rep.verified.fingerprint, "head": rep.head, "length": rep.events},
            "units": [{"name": unit.name, "entitled": entitled, "votes_cast": unit.ballots_counted + votes_delta,
                       "turnout_threshold_met": 2 * (unit.ballots_counted + votes_delta) >= entitled,
                       "questions": {"strike": {"yes": q.yes + yes_delta, "no": q.no,
                                                "majority": q.yes + yes_delta > q.no}}}],
            "mandates": []}


def test_the_verifier_confirms_the_result_in_the_employers_words(record):
    path, rep = record
    unit = rep.verified.units[0]
    good = received_record.check_result(_result_facts(rep), path, opening=date(2026, 11, 2))
    assert good.ok, good.lines
    assert good.lines[-1] == "The turnout and the majority in each unit are what the result says."
    share = f"{100 * unit.ballots_counted / 14:.1f}%"
    assert any(f"of the 14 entitled that is {share}" in line for line in good.lines)
    wrong_votes = received_record.check_result(_result_facts(rep, votes_delta=1), path, opening=date(2026, 11, 2))
    assert not wrong_votes.ok and any("the record proves" in line and "not what the record shows" in line
                                      for line in wrong_votes.lines)
    wrong_yes = received_record.check_result(_result_facts(rep, yes_delta=1), path, opening=date(2026, 11, 2))
    assert not wrong_yes.ok and any("They disagree" in line for line in wrong_yes.lines)
    other = _result_facts(rep)
    other["election_record"]["head"] = "0" * 64
    assert "not the record this result names" in received_record.check_result(other, path).lines[0]
    postal = received_record.check_result({**_result_facts(rep), "election_record": None}, path)
    assert not postal.ok and "postal ballot" in postal.lines[0]


def test_a_damaged_record_is_reported_not_trusted(record, tmp_path):
    path, rep = record
    lines = path.read_bytes().splitlines(keepends=True)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"".join(lines[:3] + lines[4:]))
    finding = received_record.check_result(_result_facts(rep), damaged)
    assert not finding.ok and finding.lines[0].startswith("The record file does not verify")


def test_the_result_page_checks_an_uploaded_record(org, record, client, make_user):
    path, rep = record
    raw = ex.make_package(kind="s231a-result", title="Result of the ballot", issuer="PCS", facts=_result_facts(rep),
                          pdf=PDF, seed=UNION_SEED)
    got = svc.import_package(org, raw, received_on=date(2026, 11, 17), today=date(2026, 11, 17))
    client.force_login(make_user("hr_admin", "ons"))
    assert "Check the result against the record" in client.get(f"/workplace/received/{got.pk}/").content.decode()
    with path.open("rb") as fh:
        page = client.post(f"/workplace/received/{got.pk}/record/", {"file": fh})
    assert page.status_code == 200
    assert "The turnout and the majority in each unit are what the result says." in page.content.decode()
    entry = AuditEntry.objects.get(action="exchange.record_checked")
    assert entry.detail["ok"] is True and entry.detail["head"] == rep.head
    assert client.post(f"/workplace/received/{got.pk}/record/", {}).status_code == 400
