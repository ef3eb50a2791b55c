"""The whole journey from the command line: register -> ballot -> returns (~70%) -> close and count -> mandates."""

from __future__ import annotations

import json

import pytest
from tests.union.helpers import register_csv, returns_csv
from typer.testing import CliRunner

from mandate.cli import app

runner = CliRunner()

SPEC = """
union = "pcs"
dispute = "ons-attendance"
code = "ons-2026-11"
title = "PCS ONS members: industrial action ballot on the attendance policy"
opening_day = 2026-11-02
closing_day = 2026-11-16
employers = ["ons"]
units = "separate"
scrutineer = "Civica Election Services"
scrutineer_username = "scrutineer-pcs"
return_address = "Civica Election Services, The Election Centre, 33 Clarendon Road, London N8 0NW"
caller = "The General Secretary of PCS"

[dispute_details]
title = "ONS office attendance"
matters = "The requirement to spend 40% of working time in the office."
opened_on = 2024-04-01

[questions.strike]
[questions.action_short_of_strike]
action_types = "Refusing to comply with the 40% attendance requirement\\nOvertime ban"

[notices]
sent_on = 2026-10-20
received_on = 2026-10-22
"""


def run(*args: str) -> tuple[int, object]:
    result = runner.invoke(app, ["ballot", *args])
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, result.output


@pytest.mark.django_db
def test_cli_journey(union_org, tmp_path):
    from mandate.platform.models import Document
    from mandate.union.models import Ballot, Mandate

    reg = tmp_path / "register.csv"
    reg.write_text(register_csv({"newport": 70, "titchfield": 30}))
    code, out = run("import-register", "pcs", str(reg), "--json")
    assert code == 0, out
    assert out["created"] == 100 and out["updated"] == 0

    spec = tmp_path / "ballot.toml"
    spec.write_text(SPEC)
    code, out = run("create", str(spec), "--json", "--no-papers")
    assert code == 0, out
    # 3 members from the fixture + 100 imported
    assert out["electors"] == 103
    assert {u["name"]: u["entitled"] for u in out["units"]} == {
        "Newport (Office for National Statistics)": 72, "Titchfield (Office for National Statistics)": 31}
    assert out["timeline"]["notice_by"] == "2026-10-26" and out["timeline"]["sample_by"] == "2026-10-30"

    code, out = run("open", "pcs", "ons-2026-11", "--json")
    assert code == 1 and "voting papers" in " ".join(out["problems"])
    ballot = Ballot.objects.get(code="ons-2026-11")
    code, out = run("issue-papers", "pcs", "ons-2026-11", "--json")
    assert code == 0 and out["stage"] == "papers_issued", out
    code, out = run("issue-papers", "pcs", "ons-2026-11", "--json")
    assert code == 1 and "at 'Voting papers issued'" in out["error"]  # issued once
    code, out = run("open", "pcs", "ons-2026-11", "--json")
    assert code == 0, out

    # Newport ~80% back, Titchfield ~30%: overall about 70%
    chances = {e.paper_number: (0.85 if e.workplace.code == "newport" else 0.3)
               for e in ballot.electors.select_related("workplace")}
    text, lines = returns_csv(chances, ballot.opening_day, ballot.closing_day)
    bad = tmp_path / "bad.csv"
    bad.write_text(text + "999,2026-11-10,yes,yes\n")
    code, out = run("import-returns", "pcs", "ons-2026-11", str(bad), "--json")
    assert code == 1 and f"line {lines + 2}: paper number 999 was never issued" in out["problems"]
    assert ballot.returns.count() == 0  # refused whole

    good = tmp_path / "returns.csv"
    good.write_text(text)
    code, out = run("import-returns", "pcs", "ons-2026-11", str(good), "--json")
    assert code == 0 and out["counted"] == lines

    code, out = run("turnout", "pcs", "ons-2026-11", "--json", "--on", "2026-11-20")
    newport = next(r for r in out if r["unit"].startswith("Newport"))
    assert newport["projection"]["status"] == "final"
    # --on counts only the papers received by that day
    received = [line.split(",")[1] for line in text.splitlines()[1:]]
    code, out = run("turnout", "pcs", "ons-2026-11", "--json", "--on", "2026-11-08")
    assert sum(r["returned"] for r in out) == sum(day <= "2026-11-08" for day in received) < lines

    code, out = run("close", "pcs", "ons-2026-11", "--json", "--today", "2026-11-16")
    assert code == 1  # not before the closing day is over
    code, out = run("close", "pcs", "ons-2026-11", "--json", "--today", "2026-11-23")
    assert code == 0, out
    assert out["regime"] == "ERA1"
    rows = {(r["unit"].split(" ")[0], r["question"]): r for r in out["units"]}
    np_strike = rows[("Newport", "strike")]
    assert np_strike["yes"] + np_strike["no"] + np_strike["spoilt"] == np_strike["votes_cast"]
    assert np_strike["turnout_threshold_met"] is True and np_strike["supported"] is True
    assert rows[("Titchfield", "strike")]["turnout_threshold_met"] is False
    assert rows[("Titchfield", "strike")]["supported"] is False
    # ERA1: a 12-month mandate beginning with the date of the ballot (16 Nov 2026) ends on 15 Nov 2027
    assert {(m["unit"].split(" ")[0], m["kind"], m["last_day"]) for m in out["mandates"]} == {
        ("Newport", "strike", "2027-11-15"), ("Newport", "action_short_of_strike", "2027-11-15")}
    assert Mandate.objects.count() == 2

    code, out = run("import-returns", "pcs", "ons-2026-11", str(good), "--json")
    assert code == 1 and "counted" in out["error"]  # a counted result cannot change

    code, out = run("mandates", "pcs", "--json", "--on", "2026-11-23")
    assert [m["days_left"] for m in out] == [357, 357]
    code, text = run("mandates", "pcs", "--on", "2026-11-23")  # a table 80 characters wide: the action wraps
    assert code == 0 and "action short of" in text and "action_short" not in text
    assert text.count("│ 15 November     │ 357 ") == 2 and text.count("│ 2027 ") == 2

    code, out = run("issue-results", "pcs", "ons-2026-11", "--json", "--sent-on", "2026-11-23")
    assert code == 0 and {d["kind"] for d in out} == {"s231-result", "s231a-result"}
    member_result = Document.objects.get(kind="s231-result")
    assert member_result.pdf[:4] == b"%PDF"
    assert "Whether or not the number of votes cast in the ballot is at least 50%" in member_result.html

    code, out = run("result", "pcs", "ons-2026-11")
    assert code == 0 and "Newport" in out

    code, out = run("issue-results", "pcs", "ons-2026-11", "--json", "--sent-on", "2026-11-24")
    assert code == 1 and "issue the results only" in out["error"]  # results are issued once
    assert Document.objects.filter(kind="s231-result").count() == 1
    code, out = run("correct-results", "pcs", "ons-2026-11", "--json", "--sent-on", "2026-11-24",
                    "--reason", "The employer's copy named the wrong office")
    assert code == 0 and {d["kind"] for d in out["documents"]} == {"s231-result", "s231a-result"}, out
    code, out = run("status", "pcs", "ons-2026-11", "--json")
    assert out["stage"] == "results_issued"
    assert [s["step"] for s in out["steps"]][-2:] == ["issue_results", "correct_results"]


@pytest.mark.django_db
def test_cli_create_says_in_words_what_it_made(union_org, tmp_path):
    spec = tmp_path / "ballot.toml"
    spec.write_text(SPEC)
    code, text = run("create", str(spec), "--no-papers")
    assert code == 0, text
    assert " ".join(text.split()) == ("Created ballot ons-2026-11: 3 electors in 2 unit(s); notice of ballot by 26 October "
                            "2026, sample paper by 30 October 2026.")
