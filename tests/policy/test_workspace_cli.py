"""`mandate attendance desks` and `mandate attendance anchor-days` against their file contracts: JSON and
tables on small CSV files, and bad input refused in one line naming the file, line and field (exit 2, nothing
printed on standard output, no file written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mandate.cli import app

DESKS = "site_code,desks,mon,tue,wed,thu,fri\nNPT,10,,,,,\nDAR,3,,,,2,\n"
DEMAND = ("staff_id,home_site,mon,tue,wed,thu,fri\n"
          "A1,NPT,1,0.5,0,0,0\n"
          "A2,NPT,1,0.5,0,0,0\n"
          "B1,DAR,0.5,0.5,0.5,1,0\n"
          "B2,DAR,0.5,0.5,0.5,1,0\n"
          "B3,DAR,0.5,0.5,0.5,1,0\n")
# Mondays 2, 9, 16 and 23 November 2026; a Saturday (7th) is left out
HISTORY = ("staff_id,date,present\n"
           "A1,2026-11-02,1\nA1,2026-11-09,1\nA1,2026-11-16,1\nA1,2026-11-23,0\n"
           "A1,2026-11-03,0\nA1,2026-11-07,1\n"
           "B1,2026-11-02,1\n")
TEAMS = ("team,anchor_days,preferred_days,avoided_days,collaborates_with\n"
         "A,1,Tue;Wed,,B;C\n"
         "B,,,Tue,\n"
         "C,2,Mon;Thu,,\n")
PEOPLE = ("staff_id,home_site,team,working_days,exempt,commute_minutes,office_days\n"
          + "".join(f"A{i},NPT,A,Mon;Tue;Wed;Thu;Fri,,,\n" for i in range(5))
          + "A5,NPT,A,Mon;Wed,,100,\n"
          + "".join(f"B{i},NPT,B,Mon;Tue;Wed;Thu;Fri,false,,\n" for i in range(4))
          + "B4,NPT,B,Mon;Tue;Wed;Thu;Fri,true,,\n"
          + "".join(f"C{i},DAR,C,Mon;Tue;Wed;Thu;Fri,,0,\n" for i in range(3)))


def write(d: Path, **files: str) -> Path:
    for name, text in files.items():
        (d / f"{name}.csv").write_text(text)
    return d


def desks_args(d: Path, *extra: str, people: str = "demand") -> list[str]:
    return ["attendance", "desks", "--people", str(d / f"{people}.csv"), "--desks", str(d / "desks.csv"), *extra]


def anchor_args(d: Path, *extra: str) -> list[str]:
    return ["attendance", "anchor-days", "--teams", str(d / "teams.csv"), "--people", str(d / "people.csv"),
            "--desks", str(d / "desks.csv"), *extra]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return write(tmp_path, desks=DESKS, demand=DEMAND, history=HISTORY, teams=TEAMS, people=PEOPLE)


# --- desks ------------------------------------------------------------------------------------------------------

def test_desks_json(files: Path) -> None:
    res = CliRunner().invoke(app, desks_args(files, "--json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["service_level"] == 0.95 and doc["probabilities"] == "given in demand.csv"
    days = {(d["site_code"], d["weekday"]): d for d in doc["days"]}
    assert len(days) == 10
    assert days["NPT", "Mon"] == {"site_code": "NPT", "weekday": "Mon", "people": 2, "expected": 2.0,
                                  "desks_needed": 2, "desks": 10, "spare": 8, "shortfall": 0,
                                  "probability_exceeding": 0.0}
    # three people at 1/2: P(<= 2) = 7/8 < 0.95, so 3 desks; Darlington has 3
    assert days["DAR", "Mon"]["desks_needed"] == 3 and days["DAR", "Mon"]["expected"] == 1.5
    # three certain people on Thursday, two desks: short by one, and someone surely finds no desk
    thu = days["DAR", "Thu"]
    assert (thu["desks_needed"], thu["desks"], thu["shortfall"], thu["spare"], thu["probability_exceeding"]) == (
        3, 2, 1, 0, 1.0)
    # at 80%, P(<= 2) = 7/8 is enough
    res = CliRunner().invoke(app, desks_args(files, "--json", "--service-level", "0.8"))
    assert {(d["site_code"], d["weekday"]): d for d in json.loads(res.stdout)["days"]}["DAR", "Mon"][
        "desks_needed"] == 2


def test_desks_table(files: Path) -> None:
    res = CliRunner().invoke(app, desks_args(files), terminal_width=150)
    assert res.exit_code == 0, res.output
    assert "Desks needed for a 95% service level" in res.stdout
    assert "Thursday" in res.stdout and "1 site day short of desks." in res.stdout


def test_desks_from_history(files: Path) -> None:
    write(files, hpeople="staff_id,home_site,team,working_days,hours_per_day,start_date,end_date\n"
                         "A1,NPT,A,Mon;Tue;Wed;Thu,7.4,,\nB1,DAR,B,Mon;Tue;Wed;Thu;Fri,7.4,,\n")
    res = CliRunner().invoke(app, desks_args(files, "--json", "--history", str(files / "history.csv"),
                                             people="hpeople"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["probabilities"] == "estimated from history.csv (Beta(1, 1) prior)"
    days = {(d["site_code"], d["weekday"]): d for d in doc["days"]}
    # A1: 3 Mondays in of 4 -> 4/6; 0 Tuesdays of 1 -> 1/3; no Wednesday or Thursday -> 1/2; Friday not worked
    assert [days["NPT", w]["expected"] for w in ("Mon", "Tue", "Wed", "Thu", "Fri")] == [0.67, 0.33, 0.5, 0.5, 0.0]
    assert days["NPT", "Fri"]["people"] == 0
    # B1: 1 Monday of 1 -> 2/3
    assert days["DAR", "Mon"]["expected"] == 0.67


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("demand", "A2,NPT,1,0.5", "A2,NPT,1,1.5", "demand.csv, line 3, field 'tue': '1.5' is not a probability"),
    ("demand", "A2,NPT,1,0.5", "\nA2,NPT,1,1.5", "demand.csv, line 4, field 'tue'"),  # a blank line counts
    ("demand", "A2,NPT,1,0.5", '"A\n2",NPT,1,1.5', "demand.csv, line 3, field 'tue'"),  # a record's first line
    ("demand", "B1,DAR", "B1,GLA", "demand.csv, line 4, field 'home_site': 'GLA' is not a site in desks.csv"),
    ("demand", "A2,NPT", "A1,NPT", "demand.csv, line 3, field 'staff_id': 'A1' appears more than once"),
    ("demand", "B3,DAR,0.5,0.5,0.5,1,0", "B3,DAR,0.5,0.5,0.5,1,0,1", "demand.csv, line 6: the line has 8 fields"),
    ("demand", "staff_id,home_site,mon", "staff_id,site,mon", "demand.csv, line 1, field 'site'"),
    ("demand", ",fri\n", ",fri,sat\n", "demand.csv, line 1, field 'sat': is not a column of this file"),
    ("demand", ",fri\n", ",friday\n", "demand.csv, line 1, field 'friday'"),
    ("demand", ",fri\n", ",fri,working_days\n", "demand.csv, line 1, field 'working_days': is read only with a "
                                                 "history"),
    ("desks", "DAR,3", "DAR,three", "desks.csv, line 3, field 'desks': 'three' is not a number of desks"),
    ("desks", "DAR,3,,,,2,", "DAR,3,,,,-2,", "desks.csv, line 3, field 'thu': '-2' is not a number of desks"),
    ("desks", "DAR,3", "NPT,3", "desks.csv, line 3, field 'site_code': 'NPT' appears more than once"),
])
def test_desks_bad_input(files: Path, file: str, old: str, new: str, message: str) -> None:
    _refused_with_one_line(files, file, old, new, message, desks_args(files, "--json"))


def _refused_with_one_line(files: Path, file: str, old: str, new: str, message: str, args: list[str]) -> None:
    """Damage one file (``old`` to ``new``), run the command: exit 2, one line naming the fault, nothing written."""
    path = files / f"{file}.csv"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    before = sorted(files.iterdir())
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    assert res.stderr.startswith(f"mandate attendance: {message}") and res.stderr.count("\n") == 1
    assert sorted(files.iterdir()) == before


@pytest.mark.parametrize(("history", "people", "message"), [
    ("A1,2026-11-30,yes\n", None, "history.csv, line 9, field 'present': 'yes' must be 1 (in) or 0 (not in)"),
    ("A1,30/11/2026,1\n", None, "history.csv, line 9, field 'date': '30/11/2026' is not a valid date"),
    ("Z9,2026-11-30,1\n", None, "history.csv, line 9, field 'staff_id': 'Z9' is not a person"),
    ("A1,2026-11-02,0\n", None, "history.csv, line 9, field 'date': the person already has a row for 2026-11-02 "
                              "(line 2)"),
    ("", "staff_id,home_site,mon\nA1,NPT,1\n", "hpeople.csv, line 1, field 'mon': the probabilities come from "
                                               "the history"),
    ("", "staff_id,home_site,working_days\nA1,NPT,Mon;Funday\n", "hpeople.csv, line 2, field 'working_days'"),
])
def test_desks_bad_history(files: Path, history: str, people: str | None, message: str) -> None:
    write(files, history=HISTORY + history,
          hpeople=people or "staff_id,home_site\nA1,NPT\nB1,DAR\n")
    res = CliRunner().invoke(app, desks_args(files, "--history", str(files / "history.csv"), people="hpeople"))
    assert res.exit_code == 2
    assert res.stdout == "" and res.stderr.startswith(f"mandate attendance: {message}")


@pytest.mark.parametrize("level", ["1", "0", "1.5", "abc", "nan", "-0.1"])
def test_desks_bad_service_level(files: Path, level: str) -> None:
    res = CliRunner().invoke(app, desks_args(files, "--service-level", level))
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr == f"mandate attendance: --service-level {level!r} is not a probability above 0 and below 1 (for " \
                         "example 0.95)\n"


def test_desks_missing_and_unreadable_files(files: Path) -> None:
    res = CliRunner().invoke(app, ["attendance", "desks", "--people", str(files / "nope.csv"),
                                   "--desks", str(files / "desks.csv")])
    assert res.exit_code == 2 and "nope.csv: no such file" in res.stderr
    (files / "demand.csv").write_bytes(b"staff_id,home_site,mon,tue,wed,thu,fri\nA1,N\xff,1,1,1,1,1\n")
    res = CliRunner().invoke(app, desks_args(files))
    assert res.exit_code == 2 and res.stderr == "mandate attendance: demand.csv, line 2: is not UTF-8 text\n"


# --- anchor days ------------------------------------------------------------------------------------------------

def test_anchor_days_json(files: Path) -> None:
    res = CliRunner().invoke(app, anchor_args(files, "--json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "optimal"
    assert doc["anchors"] == {"A": ["Wed"], "B": ["Wed"], "C": ["Mon", "Wed"]}
    assert doc["objective"]["total"] == 530
    assert {t["term"]: t["weighted"] for t in doc["objective"]["terms"]} == {
        "collaboration": 0, "spread": 130, "commute": 100, "preference": 300}
    assert doc["binding"] == [{"site_code": "NPT", "weekday": "Wed", "headcount": 10, "capacity": 10},
                              {"site_code": "DAR", "weekday": "Mon", "headcount": 3, "capacity": 3},
                              {"site_code": "DAR", "weekday": "Wed", "headcount": 3, "capacity": 3}]
    assert doc["office_days"]["B4"] == [] and doc["office_days"]["A5"] == ["Wed"]
    assert doc["infeasibility"] is None


def test_anchor_days_table(files: Path) -> None:
    res = CliRunner().invoke(app, anchor_args(files), terminal_width=150)
    assert res.exit_code == 0, res.output
    assert "Plan: optimal (proved by the solver)." in res.stdout and "Objective: 530" in res.stdout
    assert "10 of 10 full" in res.stdout
    assert "NPT on Wednesday is full: 10 people for 10 desks (A 6, B 4)." in res.stdout


def test_anchor_days_weights_change_the_plan(files: Path) -> None:
    res = CliRunner().invoke(app, anchor_args(files, "--json", "--weight-preference", "0"))
    doc = json.loads(res.stdout)
    # A may anchor only a day all six of its people work (Mon or Wed, issue 18): A and B meet on one of them
    assert doc["objective"]["total"] == 230 and doc["anchors"]["A"] == doc["anchors"]["B"]
    assert doc["anchors"]["A"] in (["Mon"], ["Wed"])


def test_anchor_days_infeasible(files: Path) -> None:
    # a buffer of one: Darlington has 2 places a day (1 on Thursdays) for the 3 people of C, two days a week
    res = CliRunner().invoke(app, anchor_args(files, "--json", "--buffer", "1"))
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "infeasible" and doc["anchors"] == {}
    limits = doc["infeasibility"]["limits"]
    assert {lim["site_code"] for lim in limits} == {"DAR"} and len(limits) == 4  # any four of five days
    assert all(lim["teams"] == [{"team": "C", "people": 3}] for lim in limits)
    res = CliRunner().invoke(app, anchor_args(files, "--buffer", "1"), terminal_width=200)
    assert res.exit_code == 1
    assert "Plan: no plan fits the desks." in res.stdout
    assert "DAR on Thursday: 1 place (2 desks less a buffer of 1); teams whose people could be in that day: C 3." \
        in res.stdout


def test_anchor_days_reads_the_attendance_people_file(files: Path) -> None:
    write(files, people="staff_id,home_site,team,working_days,hours_per_day,start_date,end_date\n"
                        "A1,NPT,A,Mon;Tue;Sat,7.4,2026-01-05,\nC1,DAR,C,Mon;Thu,7.4,,\n")
    res = CliRunner().invoke(app, anchor_args(files, "--json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    # a day A1 works (Mon or Tue); Monday meets C, whose one person works Mon and Thu (600 saved against a
    # preference of 300)
    assert doc["anchors"]["A"] == ["Mon"] and doc["anchors"]["C"] == ["Mon", "Thu"]
    assert set(doc["office_days"]["A1"]) <= {"Mon", "Tue"}


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("teams", "B;C", "B;D", "teams.csv, line 2, field 'collaborates_with': 'D' is not a team in the teams file"),
    ("teams", "C,2,", "C,7,", "teams.csv, line 4, field 'anchor_days': '7' is not a number of anchor days (from 0 "
                              "to 5)"),
    ("teams", "B,,,Tue", "B,,,Sat", "teams.csv, line 3, field 'avoided_days': 'Sat' names a weekend day"),
    ("teams", "A,1,Tue;Wed,", "A,1,Tue;Wed,Wed", "teams.csv, line 2, field 'avoided_days': Wednesday is both"),
    ("teams", "B,,,Tue,\n", "A,,,Tue,\n", "teams.csv, line 3, field 'team': 'A' appears more than once"),
    ("people", "A5,NPT,A,Mon;Wed,,100,", "A5,NPT,A,Mon;Wed,,100,3",
     "people.csv, line 7, field 'office_days': 3 office days is more than the person's 2 working weekdays"),
    ("people", "A5,NPT,A,Mon;Wed,,100,", "A5,NPT,A,Mon;Wed,,-5,",
     "people.csv, line 7, field 'commute_minutes': '-5' is not a whole number of minutes (from 0 to 1440)"),
    ("people", "A5,NPT,A,Mon;Wed,,100,", "A5,NPT,A,Mon;Wed,,9223372036854775807,",  # would overflow CP-SAT
     "people.csv, line 7, field 'commute_minutes': '9223372036854775807' is not a whole number of minutes (from 0 "
     "to 1440)"),
    ("people", "B4,NPT,B,Mon;Tue;Wed;Thu;Fri,true", "B4,NPT,B,Mon;Tue;Wed;Thu;Fri,maybe",
     "people.csv, line 12, field 'exempt': 'maybe' must be true or false"),
    ("people", "C0,DAR,C", "C0,DAR,D", "people.csv, line 13, field 'team': 'D' is not a team in the teams file"),
    ("people", "C0,DAR,C", "C0,EDI,C", "people.csv, line 13, field 'home_site': 'EDI' is not a site in the desks"),
    ("people", "C0,DAR,C,Mon;Tue;Wed;Thu;Fri", "C0,DAR,C,", "people.csv, line 13, field 'working_days': the list"),
    ("people", "C0,DAR,C,Mon;Tue;Wed;Thu;Fri,", "C0,DAR,C,Mon;Tue;Wed;Thu;Fri,true,0,1\nC9,DAR,C,Mon,",
     "people.csv, line 13, field 'office_days': an exempt person"),
    ("desks", "NPT,10", "NPT,", "desks.csv, line 2, field 'desks': is empty: give a number of desks"),
])
def test_anchor_days_bad_input(files: Path, file: str, old: str, new: str, message: str) -> None:
    _refused_with_one_line(files, file, old, new, message, anchor_args(files, "--json"))


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--buffer", "-1", "--buffer '-1' is not a whole number of desks, 0 or more"),
    ("--buffer", "two", "--buffer 'two' is not a whole number of desks, 0 or more"),
    ("--anchor-days", "6", "--anchor-days '6' is not a number of anchor days from 0 to 5"),
    ("--time-limit", "0", "--time-limit '0' is not a time above 0"),
    ("--time-limit", "-0.0", "--time-limit '-0.0' is not a time above 0"),
    ("--time-limit", "inf", "--time-limit 'inf' is not a time above 0"),
    ("--weight-spread", "1.5", "--weight-spread '1.5' is not a whole number from 0 to 1000000"),
    # a weight this large overflowed CP-SAT's objective, reported as "no plan found within the time limit"
    ("--weight-spread", "9223372036854775807", "--weight-spread '9223372036854775807' is not a whole number from 0 "
                                               "to 1000000"),
    ("--weight-commute", "-1", "--weight-commute '-1' is not a whole number from 0 to 1000000"),
])
def test_anchor_days_bad_options(files: Path, option: str, value: str, message: str) -> None:
    res = CliRunner().invoke(app, anchor_args(files, option, value))
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr == f"mandate attendance: {message}\n"


def test_help_documents_the_columns() -> None:
    res = CliRunner().invoke(app, ["attendance", "anchor-days", "--help"], env={"COLUMNS": "250"})
    assert res.exit_code == 0
    for column in ("team, and optionally anchor_days, preferred_days, avoided_days", "commute_minutes",
                   "site_code, desks"):
        assert column in res.stdout
    res = CliRunner().invoke(app, ["attendance", "desks", "--help"], env={"COLUMNS": "250"})
    assert "staff_id, home_site, mon, tue, wed, thu, fri" in res.stdout
    assert "staff_id, date, present" in res.stdout
