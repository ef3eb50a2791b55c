"""`mandate law commence`: a deployment records the made Permissible Means of Voting Order, with who and when;
every command then answers by it, and says so. Bad input is refused in words, twice is the same as once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mandate.cli.law import app
from mandate.law import recorded

runner = CliRunner()
URL = "https://www.legislation.gov.uk/uksi/2026/1234/made"
GOOD = ["commence", "EBALLOT_ORDER", "--si", "2026/1234", "--in-force", "2026-09-01", "--url", URL,
        "--by", "A. Official", "--note", "assumed for the demo"]


def run(data: Path, *args: str):
    return runner.invoke(app, list(args), env={"MANDATE_DATA_DIR": str(data), "COLUMNS": "200"})


def test_recording_writes_who_and_when_and_every_answer_rests_on_it(tmp_path: Path) -> None:
    before = run(tmp_path, "voting-paper", "--opening", "2026-10-01", "--method", "electronic", "--json")
    assert before.exit_code == 0, before.stderr
    assert json.loads(before.stdout)["method"]["permissible"] is False

    result = run(tmp_path, *GOOD)
    assert result.exit_code == 0, result.stderr
    assert "Recorded" in result.stdout and "1 September 2026" in result.stdout
    data = json.loads((tmp_path / recorded.RECORDS_FILE).read_text())
    (entry,) = data["commencements"]
    assert entry["si_number"] == "2026/1234" and entry["in_force"] == "2026-09-01" and entry["url"] == URL
    assert entry["recorded_by"] == "A. Official" and entry["recorded_at"].endswith("+00:00")
    assert entry["note"] == "assumed for the demo"

    after = json.loads(run(tmp_path, "voting-paper", "--opening", "2026-10-01", "--method", "electronic",
                           "--json").stdout)
    assert after["method"]["permissible"] is True
    assert after["timing"]["permissible_means_of_voting"] == ["postal", "electronic", "hybrid", "workplace"]
    assert any(w["code"] == "recorded:EBALLOT_ORDER" and "SI 2026/1234" in w["message"] for w in after["warnings"])
    report = run(tmp_path, "timeline", "--opening", "2026-10-01", "--closing", "2026-10-22", "--entitled", "30",
                 "--method", "hybrid")
    assert report.exit_code == 0, report.stderr
    out = report.stdout
    assert "rests on a commencement recorded by this deployment" in out and "A. Official" in out
    assert "personal email address or personal mobile number" in out and "Scrutineer: needed" in out
    params = json.loads(run(tmp_path, "parameters", "--json").stdout)
    order = next(i for i in params["instruments"] if i["id"] == "EBALLOT_ORDER")
    assert order["status"] == "recorded" and order["recorded"]["si_number"] == "2026/1234"
    table = run(tmp_path, "parameters").stdout
    assert "SI 2026/1234, recorded by A. Official" in table and "CODE_2026" in table


def test_the_shipped_status_shows_the_order_and_the_codes_pending(tmp_path: Path) -> None:
    params = json.loads(run(tmp_path, "parameters", "--json").stdout)
    status = {i["id"]: i for i in params["instruments"]}
    assert status["EBALLOT_ORDER"]["status"] == "pending" and status["EBALLOT_ORDER"]["expected"] == "2026-08-01"
    assert status["EBALLOT_ORDER"]["uncertain"] == "e-balloting-order"
    assert status["EBALLOT_CODE"]["status"] == "pending"
    assert status["CODE_2017"]["status"] == "superseded" and status["CODE_2026"]["status"] == "in force"
    table = run(tmp_path, "parameters").stdout
    assert "PENDING, not commenced: expected August 2026" in table


def test_twice_the_same_changes_nothing_and_differently_is_refused(tmp_path: Path) -> None:
    assert run(tmp_path, *GOOD).exit_code == 0
    first = (tmp_path / recorded.RECORDS_FILE).read_text()
    again = run(tmp_path, *GOOD[:-4], "--by", "Someone Else")
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert (tmp_path / recorded.RECORDS_FILE).read_text() == first
    other = run(tmp_path, "commence", "EBALLOT_ORDER", "--si", "2026/1299", "--in-force", "2026-10-01", "--url", URL)
    assert other.exit_code == 1
    assert "already recorded differently" in other.stderr and "SI 2026/1234" in other.stderr
    assert other.stderr.count("\n") == 1 and "Traceback" not in other.stderr
    assert (tmp_path / recorded.RECORDS_FILE).read_text() == first


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--si", "2026/1234", "--in-force", "01/09/2026", "--url", URL], "--in-force: '01/09/2026' is not a date"),
        (["--si", "2026/1234", "--in-force", "2026-02-30", "--url", URL], "--in-force"),
        (["--si", "2026/1234", "--in-force", "2026-09-01"], "--url: missing"),
        (["--si", "2026/1234", "--in-force", "2026-09-01", "--url", "   "], "--url: missing"),
        (["--si", "2026/1234", "--in-force", "2026-09-01", "--url", "legislation.gov.uk/x"], "not a web address"),
        (["--si", "2026/1234", "--in-force", "2026-09-01", "--url", "javascript:alert(1)"], "not a web address"),
        (["--si", "twelve", "--in-force", "2026-09-01", "--url", URL], "--si: 'twelve' is not an SI number"),
        (["--in-force", "2026-09-01", "--url", URL], "--si: missing"),
        (["--si", "2026/1234", "--url", URL], "--in-force: missing"),
        (["--si", "2026/1234", "--in-force", "2026-01-01", "--url", URL], "before 22 June 2026"),
        (["--si", "2019/5", "--in-force", "2026-09-01", "--url", URL], "from before 2026"),
        (["--si", "2026/1234", "--in-force", "2026-09-01", "--url", URL, "--by", "a\x00b"], "control characters"),
        (["--si", "2026/1234", "--in-force", "2026-09-01", "--url", URL, "--note", "x" * 10_000], "at most 500"),
    ],
)
def test_bad_input_is_refused_in_words_and_nothing_is_written(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run(tmp_path, "commence", "EBALLOT_ORDER", *args)
    assert result.exit_code == 2, result.stdout
    assert needle in result.stderr and "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / recorded.RECORDS_FILE).exists()


@pytest.mark.parametrize(("event", "code", "needle"), [
    ("ERA1", 1, "already commenced in the rulebook's own data"),
    ("EBALLOT", 2, "'EBALLOT' is not a pending commencement; pending: EBALLOT_CODE, EBALLOT_ORDER, ERA2"),
])
def test_only_a_pending_commencement_can_be_recorded(tmp_path: Path, event: str, code: int, needle: str) -> None:
    result = run(tmp_path, "commence", event, "--si", "2026/1234", "--in-force", "2026-09-01", "--url", URL)
    assert result.exit_code == code and needle in result.stderr


@pytest.mark.parametrize("content", ["{not json", "\x00\x00", json.dumps({"format": "other"}),
                                     json.dumps({"format": recorded.FORMAT, "commencements": [{"id": "X"}]})])
def test_a_damaged_data_file_is_refused_in_words_by_every_command(tmp_path: Path, content: str) -> None:
    path = tmp_path / recorded.RECORDS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(content)
    for args in (["parameters"], ["voting-paper", "--opening", "2026-10-01"], GOOD):
        result = run(tmp_path, *args)
        assert result.exit_code == 2, (args, result.stdout)
        assert str(path) in result.stderr and "Traceback" not in result.stderr


def _record(data_dir: str, si: str) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", "from mandate.cli import main; main()", "law", "commence", "EBALLOT_ORDER",
         "--si", si, "--in-force", "2026-09-01", "--url", f"https://www.legislation.gov.uk/uksi/{si}/made",
         "--by", "racer"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "MANDATE_DATA_DIR": data_dir})
    return proc.returncode, proc.stderr


def test_concurrent_recordings_in_separate_processes_one_wins_the_rest_are_refused(tmp_path: Path) -> None:
    sis = ["2026/1001", "2026/1002", "2026/1003", "2026/1001"]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_record, [str(tmp_path)] * len(sis), sis))
    data = json.loads((tmp_path / recorded.RECORDS_FILE).read_text())
    (entry,) = data["commencements"]
    winner = entry["si_number"]
    for si, (code, err) in zip(sis, results, strict=True):
        assert code == (0 if si == winner else 1), (si, code, err)
    assert not list(tmp_path.glob("law/*.tmp"))
