"""`mandate attendance compute` against the file contract, with small CSV files."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mandate.cli import app
from mandate.policy import examples

SITES = "site_code,name,nation\nNPT,Newport,england-and-wales\nEDI,Edinburgh,scotland\n"
PEOPLE = ("staff_id,home_site,team,working_days,hours_per_day,start_date,end_date\n"
          "A1,NPT,Methods,Mon;Tue;Wed;Thu;Fri,7.4,,\n"
          "B2,EDI,Census,Mon;Tue;Wed,7.4,,\n"
          "C3,NPT,Census,Mon;Tue;Wed;Thu;Fri,7.4,2026-11-16,\n")
PRESENCE = ("staff_id,site_code,timestamp,source\n"
            "A1,NPT,2026-11-02T08:55:00+00:00,badge\n"
            "A1,NPT,2026-11-02T08:55:00+00:00,badge\n"
            "A1,EDI,2026-11-03T09:00:00+00:00,badge\n"
            "A1,NPT,2026-11-03T15:00:00Z,badge\n"
            "A1,NPT,2026-11-04T09:00:00+00:00,booking\n"
            "B2,EDI,2026-11-30T09:00:00+00:00,badge\n"
            "B2,EDI,2026-11-02T09:00:00+00:00,booking_checkin\n"
            "C3,NPT,2026-11-16T09:00:00+00:00,badge\n")
ABSENCES = ("staff_id,date,kind\nA1,2026-11-05,annual_leave\nA1,2026-11-06,official_business\n"
            "B2,2026-11-03,sickness\n")
POLICY = examples.text("ons-individual-40.toml")


@pytest.fixture
def files(tmp_path):
    for name, text in (("sites", SITES), ("people", PEOPLE), ("presence", PRESENCE), ("absences", ABSENCES)):
        (tmp_path / f"{name}.csv").write_text(text)
    (tmp_path / "policy.toml").write_text(POLICY)
    return tmp_path


def args(d, *extra):
    return ["attendance", "compute", "--people", str(d / "people.csv"), "--sites", str(d / "sites.csv"),
            "--presence", str(d / "presence.csv"), "--absences", str(d / "absences.csv"),
            "--policy", str(d / "policy.toml"), "--from", "2026-11-01", "--to", "2026-11-30", *extra]


def test_json_contract(files):
    res = CliRunner().invoke(app, args(files, "--json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    people = {p["staff_id"]: p for p in doc["people"]}
    a = people["A1"]
    # 21 weekdays, 1 day of leave out; attended 2 Nov and 3 Nov (two sites, once), the booking without check-in
    # does not count; official business credited: (2 + 1) / 20
    assert (a["required_days"], a["attended_days"], a["excluded_days"], a["credited_days"]) == (20, 2, 1, 1)
    assert a["percent"] == 15.0 and a["target_met"] is False
    b = people["B2"]  # Mon-Wed in Edinburgh: 13 days; attended on St Andrew's Day, so that day counts
    assert (b["required_days"], b["attended_days"], b["excluded_days"]) == (12, 2, 1)
    assert people["C3"]["required_days"] == 11
    assert doc["organisation"]["percent"] == round(600 / 43, 2) and doc["organisation"]["target_met"] is False
    assert "required_hours" not in a


def test_parquet_out_and_parquet_inputs(files):
    import pyarrow.csv as pacsv
    for name in ("sites", "people", "presence", "absences"):
        pq.write_table(pacsv.read_csv(files / f"{name}.csv", convert_options=pacsv.ConvertOptions(
            strings_can_be_null=False, column_types={"timestamp": "string", "date": "string",
                                                     "start_date": "string", "end_date": "string"})),
            files / f"{name}.parquet")
    out = files / "out" / "figures.parquet"
    a = [x.replace(".csv", ".parquet") for x in args(files, "--out", str(out))]
    res = CliRunner().invoke(app, a)
    assert res.exit_code == 0, res.output
    t = pq.read_table(out).to_pylist()
    assert {r["staff_id"]: r["percent"] for r in t}["A1"] == 15.0
    assert not [p for p in (files / "out").iterdir() if p.name != "figures.parquet"]  # no temp file left


@pytest.mark.parametrize(("file", "old", "new", "line", "field"), [
    ("presence", "A1,EDI,2026-11-03T09:00:00+00:00", "A1,GLA,2026-11-03T09:00:00+00:00", 4, "site_code"),
    ("presence", "C3,NPT,2026-11-16T09:00", "Z9,NPT,2026-11-16T09:00", 9, "staff_id"),
    ("presence", "2026-11-30T09:00:00+00:00", "2026-11-30T09:00:00", 7, "timestamp"),
    ("presence", "2026-11-03T15:00:00Z", "2026-11-33T15:00:00Z", 5, "timestamp"),
    ("absences", "2026-11-06", "06/11/2026", 3, "date"),
    ("absences", "sickness", "strike", 4, "kind"),
    ("presence", "booking_checkin", "wifi", 8, "source"),
    ("people", "B2,EDI,Census,Mon;Tue;Wed", "B2,EDI,Census,", 3, "working_days"),
    ("people", "C3,NPT", "C3,XXX", 4, "home_site"),
    ("people", "2026-11-16", "2026-13-16", 4, "start_date"),
])
def test_bad_input_refused_with_file_line_field_and_nothing_written(files, file, old, new, line, field):
    path = files / f"{file}.csv"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    out = files / "figures.parquet"
    res = CliRunner().invoke(app, args(files, "--out", str(out)))
    assert res.exit_code == 2
    assert f"{file}.csv, line {line}, field '{field}'" in res.stderr
    assert not out.exists()
    assert list(files.glob("*.tmp")) == [] and list(files.glob(".figures*")) == []


def test_existing_out_untouched_on_error(files):
    out = files / "figures.parquet"
    out.write_bytes(b"previous")
    (files / "absences.csv").write_text(ABSENCES + "A1,2026-11-09,holiday\n")
    res = CliRunner().invoke(app, args(files, "--out", str(out)))
    assert res.exit_code == 2 and "absences.csv, line 5, field 'kind'" in res.stderr
    assert out.read_bytes() == b"previous"


def test_bad_policy_names_key(files):
    (files / "policy.toml").write_text(POLICY.replace('period = "month"', 'period = "fortnight"'))
    res = CliRunner().invoke(app, args(files, "--json"))
    assert res.exit_code == 2 and "policy.toml" in res.stderr and "key 'period'" in res.stderr


def test_human_table(files):
    res = CliRunner().invoke(app, args(files))
    assert res.exit_code == 0
    assert "1 November 2026 to 30 November 2026" in res.stdout and "Organisation: 14.0%" in res.stdout
