"""Workplace voting: the prior agreement, stations with their own stock, the marked register (who, never which
paper), one vote per member across post and the box, sealed boxes counted as returns with the postal ones."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.union.helpers import register_csv
from tests.union.test_count_once import _together
from tests.union.test_union_permissible_means import record_the_order

from mandate.union import ballots as svc
from mandate.union import services
from mandate.union import workplace_voting as wv
from mandate.union.errors import BallotError
from mandate.union.models import Ballot, Dispute, Employer, MarkedRegisterEntry
from mandate.union.register import import_register

OPEN, CLOSE = date(2026, 11, 2), date(2026, 11, 16)
DURING, AFTER = date(2026, 11, 9), date(2026, 11, 17)


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    return tmp_path


def _ballot(union_org, method: str = "workplace", opening: date = OPEN, closing: date = CLOSE) -> Ballot:
    import_register(union_org, register_csv({"newport": 12, "titchfield": 6}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code=f"d-{method}", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    b = svc.create_ballot(union_org, dispute, code=f"b-{method}", title="Ballot", opening_day=opening,
                          closing_day=closing, employers=[ons], questions={"strike": {}},
                          scrutineer_name="Civica", return_address="PO Box 1", voting_method=method)
    svc.freeze_electorate(b)
    services.issue_notices(b, sent_on=opening - timedelta(days=13), received_on=opening - timedelta(days=11),
                           sample_received_on=opening - timedelta(days=7))
    return b


def _units(b: Ballot) -> tuple[str, str]:
    names = sorted(b.units.values_list("name", flat=True))
    return names[0], names[1]  # Newport, Titchfield


def _agree(b: Ballot, **changes) -> None:
    facts = {"union_agreed_by": "A. Official", "union_agreed_on": date(2026, 10, 1),
             "scrutineer_agreed_by": "Civica", "scrutineer_agreed_on": date(2026, 10, 2),
             "employer_agreed_by": "HR director, ONS", "employer_agreed_on": date(2026, 10, 5)}
    wv.record_agreement(b, **{**facts, **changes}, today=date(2026, 10, 20))


def _ready(union_org) -> Ballot:
    b = _ballot(union_org)
    newport, titchfield = _units(b)
    _agree(b)
    wv.add_station(b, unit=newport, code="npt-1", name="Newport canteen", place="Ground floor, Cardiff Road",
                   papers=20)
    wv.add_station(b, unit=titchfield, code="tfd-1", name="Titchfield library", place="Room 2", papers=10)
    services.issue_voting_papers(b)
    services.open_ballot(b, today=OPEN)
    return b


@pytest.mark.django_db
def test_workplace_voting_needs_the_order_the_agreement_and_a_station_per_unit(data_dir, union_org):
    b = _ballot(union_org)
    newport, _ = _units(b)
    services.issue_voting_papers(b)
    problems = svc.open_problems(b, today=OPEN)
    assert any("prior agreement of the union, the scrutineer and the employer" in p for p in problems)
    assert any("No ballot station is set up for" in p for p in problems)
    with pytest.raises(BallotError, match="workplace voting needs agreement in advance"):
        _agree(b, employer_agreed_on=OPEN)
    with pytest.raises(BallotError, match="after today"):
        _agree(b, scrutineer_agreed_on=date(2026, 10, 21))
    _agree(b)
    _agree(b)  # the same agreement again: one record
    assert b.__class__.objects.get(pk=b.pk).workplace_agreement.employer_agreed_by == "HR director, ONS"
    with pytest.raises(BallotError, match="cannot open"):
        services.open_ballot(b, today=OPEN)


@pytest.mark.django_db
def test_a_postal_ballot_has_no_stations(data_dir, union_org):
    b = _ballot(union_org, method="postal")
    with pytest.raises(BallotError, match="only for a ballot with workplace voting"):
        wv.add_station(b, unit=_units(b)[0], code="x", name="X", place="Y", papers=5)


@pytest.mark.django_db
def test_station_stock_is_numbered_apart_from_the_postal_papers(data_dir, union_org):
    b = _ready(union_org)
    postal = set(b.electors.values_list("paper_number", flat=True))
    stock = [range(s.first_number, s.last_number + 1) for s in b.stations.all()]
    assert all(not (set(r) & postal) for r in stock)
    assert not set(stock[0]) & set(stock[1])
    assert min(r.start for r in stock) > 10 * b.electors.count()  # room for replacement postal papers
    with pytest.raises(BallotError, match="you can set up a ballot station only when"):
        wv.add_station(b, unit=_units(b)[0], code="npt-2", name="Newport hall", place="Hall", papers=5)


@pytest.mark.django_db
def test_the_same_station_twice_is_one_station(data_dir, union_org):
    b = _ballot(union_org)
    newport = _units(b)[0]
    one = wv.add_station(b, unit=newport, code="npt-1", name="Newport canteen", place="Canteen", papers=20)
    again = wv.add_station(b, unit=newport, code="npt-1", name="Newport canteen", place="Canteen", papers=20)
    assert b.stations.count() == 1 and again.pk == one.pk
    with pytest.raises(BallotError, match="already set up with other facts"):
        wv.add_station(b, unit=newport, code="npt-1", name="Newport canteen", place="Elsewhere", papers=20)
    with pytest.raises(BallotError, match="has no unit Nowhere"):
        wv.add_station(b, unit="Nowhere", code="x-1", name="X", place="Y", papers=5)
    with pytest.raises(BallotError, match="between 1 and 100,000"):
        wv.add_station(b, unit=newport, code="x-2", name="X", place="Y", papers=0)
    with pytest.raises(BallotError, match="10,000 characters long"):
        wv.add_station(b, unit=newport, code="x-3", name="x" * 10_000, place="Y", papers=5)
    with pytest.raises(BallotError, match="one line of text"):
        wv.add_station(b, unit=newport, code="x-4", name="X\x00", place="Y", papers=5)


@pytest.mark.django_db
def test_one_paper_per_member_whatever_the_channel(data_dir, union_org):
    b = _ready(union_org)
    newport_members = list(b.electors.filter(workplace__code="newport").order_by("paper_number"))
    titch = b.electors.filter(workplace__code="titchfield").first()
    first, second, by_post = newport_members[0], newport_members[1], newport_members[2]

    issued = wv.issue_paper(b, "npt-1", first.membership_number, today=DURING)
    assert not issued.unchanged
    assert wv.issue_paper(b, "npt-1", first.membership_number, today=DURING).unchanged  # a double click
    with pytest.raises(BallotError, match="already took a paper at Newport canteen"):
        wv.issue_paper(b, "npt-1", first.membership_number, today=date(2026, 11, 10))
    with pytest.raises(BallotError, match="send them to a station for that unit"):
        wv.issue_paper(b, "npt-1", titch.membership_number, today=DURING)
    with pytest.raises(BallotError, match="not on this ballot's register"):
        wv.issue_paper(b, "npt-1", "P999999", today=DURING)
    with pytest.raises(BallotError, match="from 2 November 2026 to 16 November 2026"):
        wv.issue_paper(b, "npt-1", second.membership_number, today=AFTER)

    # Voted by post first: refused a paper at the station.
    svc.record_return(b, by_post.paper_number, {"strike": "no"}, date(2026, 11, 5), today=DURING)
    with pytest.raises(BallotError, match="already voted by post"):
        wv.issue_paper(b, "npt-1", by_post.membership_number, today=DURING)

    # Voted at the station first: the postal paper that comes later is set aside.
    later = svc.record_return(b, first.paper_number, {"strike": "yes"}, date(2026, 11, 12), today=date(2026, 11, 12))
    assert later.status == "duplicate" and "Newport canteen" in later.notes[0]
    assert MarkedRegisterEntry.objects.filter(ballot=b).count() == 1
    # The marked register holds no paper number and no time: who took a paper, never which.
    assert {f.name for f in MarkedRegisterEntry._meta.get_fields()} == {
        "id", "ballot", "station", "elector", "issued_on", "issued_by"}


@pytest.mark.django_db
def test_boxes_are_counted_with_the_postal_returns(data_dir, union_org):
    b = _ready(union_org)
    newport = list(b.electors.filter(workplace__code="newport").order_by("paper_number"))
    titch = list(b.electors.filter(workplace__code="titchfield").order_by("paper_number"))
    for e in newport[:7]:
        wv.issue_paper(b, "npt-1", e.membership_number, today=DURING)
    for e in titch[:2]:
        wv.issue_paper(b, "tfd-1", e.membership_number, today=DURING)
    # By post: two Newport members who did not vote in person, and one who did (set aside).
    for e, mark in ((newport[7], "yes"), (newport[8], "no"), (newport[0], "no")):
        svc.record_return(b, e.paper_number, {"strike": mark}, date(2026, 11, 9), today=DURING)
    npt = b.stations.get(code="npt-1")
    tfd = b.stations.get(code="tfd-1")
    with pytest.raises(BallotError, match="only while it is open|can record a ballot box's papers only"):
        wv.count_box(b, "npt-1", "paper_number,strike\n")
    wv.seal_box(b, "npt-1", "S-0001")
    wv.seal_box(b, "npt-1", "S-0001")  # again, the same seal: unchanged
    with pytest.raises(BallotError, match="sealed with seal S-0001, not S-9"):
        wv.seal_box(b, "npt-1", "S-9")
    with pytest.raises(BallotError, match="was sealed: no more papers"):
        wv.issue_paper(b, "npt-1", newport[9].membership_number, today=DURING)
    wv.seal_box(b, "tfd-1", "S-0002")
    svc.close_ballot(b, today=AFTER)

    box = "paper_number,strike\n" + "\n".join(
        f"{npt.first_number + i},{'yes' if i < 5 else 'no'}" for i in (3, 0, 6, 1, 4, 2, 5))  # shuffled
    with pytest.raises(svc.ReturnsImportError, match="not from Newport canteen's stock"):
        wv.count_box(b, "npt-1", box + f"\n{tfd.first_number},yes")
    with pytest.raises(BallotError, match="holds 8 papers but only 7 members were marked"):
        wv.count_box(b, "npt-1", box + f"\n{npt.first_number + 7},yes")
    assert wv.count_box(b, "npt-1", box)["counted"] == 7
    assert wv.count_box(b, "npt-1", box.replace("\n", "\r"))["unchanged"] == 7  # CR-only, the same papers
    wv.count_box(b, "tfd-1", f"paper_number,strike\n{tfd.first_number + 1},yes\n{tfd.first_number},blank\n")

    services.count(b, today=AFTER)
    rows = {r.unit.name: r for r in svc.result_rows(b)}
    newport_name, titch_name = _units(b)
    # Independently: Newport 7 in person (5 yes, 2 no) + 2 by post (1 yes, 1 no); member 0's postal set aside.
    assert (rows[newport_name].voted, rows[newport_name].yes, rows[newport_name].no) == (9, 6, 3)
    assert (rows[titch_name].voted, rows[titch_name].yes, rows[titch_name].spoiled) == (2, 1, 1)
    assert wv.stations(b)[0]["issued"] == 7 and wv.stations(b)[0]["counted"] == 7


@pytest.mark.django_db(transaction=True)
def test_two_clerks_marking_one_member_at_once_issue_one_paper(data_dir, union_org):
    b = _ready(union_org)
    member = b.electors.filter(workplace__code="newport").first()
    other = b.stations.get(code="npt-1")

    def clerk():
        return wv.issue_paper(Ballot.objects.get(pk=b.pk), other.code, member.membership_number, today=DURING)

    outcomes = _together([clerk] * 4)
    assert MarkedRegisterEntry.objects.filter(ballot=b).count() == 1
    # The first issues; the rest are the same click answered as once, never a second paper or an error.
    assert sorted(o.unchanged for o in outcomes) == [False, True, True, True], outcomes


@pytest.mark.django_db
def test_only_the_scrutineer_issues_papers(data_dir, union_org, make_user):
    b = _ready(union_org)
    official = make_user("union_official", scope=union_org.code)
    member = b.electors.first()
    with pytest.raises(BallotError, match="Only the ballot's appointed scrutineer can issue a paper"):
        wv.issue_paper(b, "npt-1", member.membership_number, actor=official, today=DURING)


@pytest.mark.django_db
def test_the_scripted_path_from_the_command_line(data_dir, union_org):
    import json

    from typer.testing import CliRunner

    from mandate.cli import app

    runner = CliRunner()

    def run(*args: str) -> tuple[int, object]:
        result = runner.invoke(app, ["ballot", "station", *args, "--json"])
        try:
            return result.exit_code, json.loads(result.stdout)
        except json.JSONDecodeError:
            return result.exit_code, result.output

    b = _ballot(union_org)
    newport, titchfield = _units(b)
    assert run("agree", "pcs", b.code, "--union-by", "A. Official", "--union-on", "2026-10-01",
               "--scrutineer-by", "Civica", "--scrutineer-on", "2026-10-02", "--employer-by", "HR, ONS",
               "--employer-on", "2026-10-05")[0] == 0
    code, out = run("add", "pcs", b.code, "--code", "npt", "--unit", newport, "--name", "Canteen",
                    "--place", "Ground floor", "--papers", "15")
    assert code == 0 and out["first_number"] >= 1000
    assert run("add", "pcs", b.code, "--code", "tfd", "--unit", titchfield, "--name", "Library",
               "--place", "Room 2", "--papers", "5")[0] == 0
    code, out = run("add", "pcs", b.code, "--code", "x", "--unit", "Nowhere", "--name", "X", "--place", "Y",
                    "--papers", "5")
    assert code == 1 and "has no unit Nowhere" in json.dumps(out)
    services.issue_voting_papers(b)
    services.open_ballot(b, today=OPEN)
    member = b.electors.filter(unit__name=newport).first()
    assert run("issue", "pcs", b.code, "npt", member.membership_number, "--on", "2026-11-09")[1]["unchanged"] is False
    assert run("issue", "pcs", b.code, "npt", member.membership_number, "--on", "2026-11-09")[1]["unchanged"] is True
    code, out = run("issue", "pcs", b.code, "npt", member.membership_number, "--on", "2026-11-10")
    assert code == 1 and "already took a paper" in json.dumps(out)
    assert run("seal", "pcs", b.code, "npt", "--seal", "S1")[0] == 0
    assert run("seal", "pcs", b.code, "tfd", "--seal", "S2")[0] == 0
    svc.close_ballot(b, today=AFTER)
    first = b.stations.get(code="npt").first_number
    box = data_dir / "box.csv"
    box.write_text(f"paper_number,strike\n{first},yes\n", encoding="utf-8")
    code, out = run("count", "pcs", b.code, "npt", str(box))
    assert code == 0 and out["counted"] == 1
    code, out = run("list", "pcs", b.code)
    assert [(r["station"], r["issued"], r["counted"], r["seal_number"]) for r in out] == [
        ("npt", 1, 1, "S1"), ("tfd", 0, 0, "S2")]
