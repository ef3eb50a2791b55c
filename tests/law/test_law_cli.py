"""`mandate law` on the command line: readable reports, the issue-3 JSON, exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mandate.cli.law import app

ISSUE_INPUT = {
    "opened": "2025-03-03", "closed": "2025-03-31",
    "important_public_services": False, "union_believes_not_ips": False,
    "units": [{"name": "ONS", "entitled": 1150, "votes_cast": 817,
               "questions": {"strike": {"yes": 550, "no": 255, "spoilt": 12},
                             "action_short_of_strike": {"yes": 740, "no": 70, "spoilt": 7}}}],
}
runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin, terminal_width=200)


def test_assess_json_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ons.json"
    path.write_text(json.dumps(ISSUE_INPUT))
    result = run("assess", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["regime"] == "TUA16"
    assert answer["units"][0]["turnout"] == 0.7104
    assert answer["units"][0]["questions"]["strike"] == {"majority": True, "ips_40_percent_met": None,
                                                         "supported": True}
    assert answer["mandate"] == {"last_day": "2025-09-30", "review": False}


def test_assess_report_from_standard_input() -> None:
    result = run("assess", "-", stdin=json.dumps(ISSUE_INPUT))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "TUA16" in out and "30 September 2025" in out and "71.04%" in out
    assert "3 March 2025" in out and "31 March 2025" in out
    assert "s.234(1)(a)" in out and "legislation.gov.uk" in out
    assert "2025-09-30" not in out  # people read dates in words


def test_assess_detail_adds_figures() -> None:
    result = run("assess", "-", "--json", "--detail", stdin=json.dumps(ISSUE_INPUT))
    unit = json.loads(result.stdout)["units"][0]
    assert unit["entitled"] == 1150 and unit["questions"]["strike"]["yes"] == 550


def test_inconsistent_figures_exit_2_naming_unit_question_and_figures() -> None:
    bad = json.loads(json.dumps(ISSUE_INPUT))
    bad["units"][0]["questions"]["strike"]["spoilt"] = 13
    result = run("assess", "-", "--json", stdin=json.dumps(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "ONS" in err and "strike" in err and "spoilt 13" in err and "votes_cast 817" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("stdin", "needle"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**ISSUE_INPUT, "opened": "2025-02-30"}), "opened"),
        (json.dumps({k: v for k, v in ISSUE_INPUT.items() if k != "closed"}), "closed: missing"),
        (json.dumps({**ISSUE_INPUT, "units": [{"name": "ONS", "entitled": 10, "votes_cast": 5}]}),
         "units[0].questions: missing"),
        (json.dumps({**ISSUE_INPUT, "units": [{**ISSUE_INPUT["units"][0], "entitled": "many"}]}),
         "units[0].entitled"),
        (json.dumps({**ISSUE_INPUT, "important_public_services": "no"}), "important_public_services"),
        (json.dumps({**ISSUE_INPUT, "opened": "2016-01-04", "closed": "2016-01-30"}),
         "Out of scope: 4 January 2016"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(stdin: str, needle: str) -> None:
    result = run("assess", "-", stdin=stdin)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_missing_file_exit_2(tmp_path: Path) -> None:
    result = run("assess", str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_timeline_json() -> None:
    result = run("timeline", "--opening", "2026-02-20", "--closing", "2026-03-10", "--entitled", "1150",
                 "--action", "2026-03-25", "--action", "2027-04-01", "--json")
    assert result.exit_code == 0, result.stderr
    t = json.loads(result.stdout)
    assert t["ballot_notice"]["latest_receipt"] == "2026-02-13"
    assert t["sample_voting_paper"]["latest_receipt"] == "2026-02-17"
    assert t["scrutineer"]["required"] is True and t["scrutineer"]["report_deadline"] == "2026-04-06"
    assert t["mandate"]["last_day"] == "2027-03-09"
    assert [a["within_mandate"] for a in t["action_days"]] == [True, False]
    assert t["action_notice"]["period_days"] == 10


def test_timeline_report() -> None:
    result = run("timeline", "--opening", "2026-02-20", "--closing", "2026-03-10", "--action", "2026-03-01")
    assert result.exit_code == 0, result.stderr
    assert "13 February 2026" in result.stdout and "9 March 2027" in result.stdout
    assert "before the ballot closed" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--opening", "20-02-2026", "--closing", "2026-03-10"], "--opening"),
        (["--opening", "2026-02-20", "--closing", "2026-03-10", "--action", "soon"], "--action[1]"),
        (["--opening", "2026-03-20", "--closing", "2026-03-10"], "before opening"),
    ],
)
def test_timeline_bad_input_exit_2(args: list[str], needle: str) -> None:
    result = run("timeline", *args)
    assert result.exit_code == 2 and needle in result.stderr and "Traceback" not in result.stderr


def test_voting_paper_and_parameters_commands() -> None:
    r = run("voting-paper", "--opening", "2026-03-02")
    assert r.exit_code == 0 and "the dismissal will be unfair." in r.stdout
    p = run("parameters", "--json")
    rows = json.loads(p.stdout)["parameters"]
    turnout = [row for row in rows if row["parameter"] == "turnout_threshold"]
    assert any(row["declared_to"] == "ERA2" and row["uncertain"] == "era2-commencement" for row in turnout)
    table = runner.invoke(app, ["parameters"], env={"COLUMNS": "400"})
    assert table.exit_code == 0 and "Legislation parameters" in table.stdout
    # every dated value is a row, its dates as people read them or the event it waits for
    assert table.stdout.count("turnout_threshold") == len(turnout)
    assert "1 March 2017" in table.stdout and "when ERA2 commences" in table.stdout


def test_installed_command_exit_status_and_stderr() -> None:
    bad = json.loads(json.dumps(ISSUE_INPUT))
    bad["units"][0]["votes_cast"] = 1200
    proc = subprocess.run([sys.executable, "-c", "from mandate.cli import main; main()", "law", "assess", "-"],
                          input=json.dumps(bad), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "ONS" in proc.stderr and "votes_cast 1200" in proc.stderr and "entitled 1150" in proc.stderr
    assert proc.stdout == ""


def test_timeline_with_an_agreed_nine_months_and_court_excluded_days() -> None:
    """A TUA16 mandate with the employer's agreement to 9 months covers action in December 2026."""
    base = ["timeline", "--opening", "2026-02-16", "--closing", "2026-03-09", "--action", "2026-12-01", "--json"]
    plain = json.loads(run(*base).stdout)
    assert plain["mandate"]["last_day"] == "2026-09-08" and plain["action_days"][0]["within_mandate"] is False
    agreed = json.loads(run(*base, "--agreed-months", "9").stdout)
    assert agreed["mandate"] == {"last_day": "2026-12-08", "review": False, "months": 9, "court_excluded_days": 0}
    assert agreed["action_days"][0]["within_mandate"] is True
    court = json.loads(run(*base, "--excluded-days", "90").stdout)
    assert court["mandate"]["last_day"] == "2026-12-07" and court["action_days"][0]["within_mandate"] is True
    orders = json.loads(run(*base, "--court-order", "2026-04-01:2026-04-30",
                            "--court-order", "2026-06-01:2026-07-30").stdout)
    assert orders["mandate"]["court_excluded_days"] == 30 + 60
    assert orders["mandate"]["last_day"] == "2026-12-07"
    report = run(*base[:-1], "--agreed-months", "9")
    words = " ".join(report.stdout.split())
    assert "9 months as agreed with the employer" in words and "8 December 2026" in words
    # ERA1: no extension by agreement; the agreement is ignored with a warning.
    era = json.loads(run("timeline", "--opening", "2026-03-02", "--closing", "2026-03-23", "--agreed-months", "9",
                         "--json").stdout)
    assert era["mandate"]["last_day"] == "2027-03-22"
    assert any(w["code"] == "agreed-months-ignored" for w in era["warnings"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--agreed-months", "10"], "--agreed-months must be between 6 and 9"),
        (["--agreed-months", "0"], "--agreed-months"),
        (["--excluded-days", "-3"], "--excluded-days: cannot be negative"),
        (["--excluded-days", "3", "--court-order", "2026-04-01:2026-04-02"], "one or the other"),
        (["--court-order", "2026-04-01"], "--court-order[1]: expected FROM:TO"),
        (["--court-order", "2026-04-31:2026-05-01"], "--court-order[1] (from)"),
        (["--court-order", "2026-05-02:2026-05-01"], "ends (1 May 2026) before it starts"),
        (["--court-order", "2026-03-01:2026-03-10"], "before the date of the ballot (9 March 2026)"),
        (["--court-order", "2026-04-01:2026-04-10", "--court-order", "2026-04-10:2026-04-12"], "overlap"),
        (["--method", "pigeon"], "--method: 'pigeon' is not a means of voting"),
    ],
)
def test_timeline_mandate_options_refused_in_words(args: list[str], needle: str) -> None:
    result = run("timeline", "--opening", "2026-02-16", "--closing", "2026-03-09", *args)
    assert result.exit_code == 2, result.stdout
    assert needle in result.stderr and "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_timeline_and_voting_paper_list_a_methods_conditions(tmp_path: Path) -> None:
    env = {"MANDATE_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    t = runner.invoke(app, ["timeline", "--opening", "2026-12-07", "--closing", "2026-12-21", "--method",
                            "workplace"], env=env)
    assert t.exit_code == 0, t.stderr
    assert "Workplace voting: NOT permissible" in t.stdout and "no commencement is recorded" in t.stdout
    assert "agreement of the union, the scrutineer and the employer" in t.stdout
    v = runner.invoke(app, ["voting-paper", "--opening", "2026-12-07", "--method", "postal"], env=env)
    assert v.exit_code == 0 and "Postal voting: permissible" in v.stdout and "prepaid envelope" in v.stdout
    assert "Permissible means of voting: postal voting" in v.stdout


def test_a_warning_is_printed_once() -> None:
    a = run("assess", "-", stdin=json.dumps({**ISSUE_INPUT, "opened": "2026-03-02", "closed": "2026-03-23"}))
    assert a.exit_code == 0
    assert " ".join(a.stdout.split()).count("No regulations commencing ERA 2025 s.68") == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--opening", "2026-03-02", "--closing", "2026-03-23", "--excluded-days", "99999999999"],
         "would end after 31 December 9999"),
        (["--opening", "9999-12-01", "--closing", "9999-12-30"], "would end after 31 December 9999"),
        (["--opening", "2017-03-01", "--closing", "2017-03-02", "--action", "2017-03-10"],
         "Out of scope: a notice of industrial action for action starting on 10 March 2017"),
        (["--opening", "2016-03-01", "--closing", "2016-03-02"], "Out of scope: 1 March 2016"),
    ],
)
def test_dates_beyond_what_the_rulebook_can_answer_are_refused_in_words(args: list[str], needle: str) -> None:
    result = run("timeline", *args)
    assert result.exit_code == 2 and needle in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_huge_court_exclusion_in_assess_is_refused_in_words() -> None:
    data = {**ISSUE_INPUT, "court_excluded_days": 99_999_999_999}
    result = run("assess", "-", stdin=json.dumps(data))
    assert result.exit_code == 2 and "would end after 31 December 9999" in result.stderr
