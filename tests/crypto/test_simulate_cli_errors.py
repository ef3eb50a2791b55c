"""`mandate record simulate` refuses bad settings before writing anything, and never leaves a partial file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mandate.cli import app
from mandate.crypto import simulate as sim_module
from mandate.crypto.simulate import SettingsError, simulate

runner = CliRunner()

BAD = [
    (["--threshold", "3", "--trustees", "2"], "--threshold"),
    (["--threshold", "0"], "--threshold"),
    (["--trustees", "0", "--threshold", "0"], "--trustees"),
    (["--voters", "0"], "--voters"),
    (["--voters", "-4"], "--voters"),
    (["--units", "0"], "--units"),
    (["--questions", ""], "--questions"),
    (["--questions", " , "], "--questions"),
    (["--questions", "strike,picnic"], "--questions"),
    (["--questions", "strike,strike"], "--questions"),
    (["--revote-share", "1.5"], "--revote-share"),
    (["--revote-share", "-0.1"], "--revote-share"),
    (["--revote-share", "nan"], "--revote-share"),
    (["--challenge-share", "2"], "--challenge-share"),
    (["--workers", "-1"], "--workers"),
]


def _run(args: list[str], out: Path):
    base = ["record", "simulate", "--voters", "3", "--trustees", "3", "--threshold", "2", "--workers", "1",
            "--out", str(out)]
    return runner.invoke(app, base + args)


def _leftovers(folder: Path, out: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != out and p.name != out.name + ".truth.json")


@pytest.mark.parametrize(("args", "option"), BAD)
def test_bad_option_exits_2_names_option_and_writes_nothing(tmp_path: Path, args: list[str], option: str) -> None:
    out = tmp_path / "rec.jsonl"
    res = _run(args, out)
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: " + option), res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "option"), BAD[:4])
def test_existing_record_untouched_when_settings_refused(tmp_path: Path, args: list[str], option: str) -> None:
    out = tmp_path / "rec.jsonl"
    truth = tmp_path / "rec.jsonl.truth.json"
    out.write_text("earlier record\n", encoding="ascii")
    truth.write_text("{}\n", encoding="utf-8")
    res = _run(args, out)
    assert res.exit_code == 2 and option in res.output
    assert out.read_text(encoding="ascii") == "earlier record\n"
    assert truth.read_text(encoding="utf-8") == "{}\n"
    assert _leftovers(tmp_path, out) == []


def test_out_in_missing_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "rec.jsonl"
    res = _run([], out)
    assert res.exit_code == 2 and "--out" in res.output
    assert not out.parent.exists()


def test_failure_midway_leaves_existing_files_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    """A failure after writing has begun (here: the tally step breaks) changes nothing on disk."""
    out = tmp_path / "rec.jsonl"
    truth = tmp_path / "rec.jsonl.truth.json"
    out.write_text("earlier record\n", encoding="ascii")
    truth.write_text("{}\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("tally failed")

    monkeypatch.setattr(sim_module, "discrete_log", broken)
    with pytest.raises(RuntimeError, match="tally failed"):
        simulate(voters=3, units=1, questions=["strike"], trustees=3, threshold=2, out=out, workers=1)
    assert out.read_text(encoding="ascii") == "earlier record\n"
    assert truth.read_text(encoding="utf-8") == "{}\n"
    assert _leftovers(tmp_path, out) == []


def test_failure_midway_with_no_earlier_file_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "rec.jsonl"

    def broken(*args, **kwargs):
        raise RuntimeError("tally failed")

    monkeypatch.setattr(sim_module, "discrete_log", broken)
    with pytest.raises(RuntimeError):
        simulate(voters=3, units=1, questions=["strike"], trustees=3, threshold=2, out=out, workers=1)
    assert list(tmp_path.iterdir()) == []


def test_good_run_replaces_earlier_record_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "rec.jsonl"
    out.write_text("earlier record\n", encoding="ascii")
    res = _run(["--questions", "strike"], out)
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="ascii").count("\n") > 5
    truth = json.loads((tmp_path / "rec.jsonl.truth.json").read_text(encoding="utf-8"))
    assert truth["record"] == str(out) and truth["decrypted_matches_truth"] is True
    assert _leftovers(tmp_path, out) == []
    assert runner.invoke(app, ["record", "verify", str(out)]).exit_code == 0


def test_settings_error_from_the_library(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as info:
        simulate(voters=3, units=1, questions=["strike"], trustees=2, threshold=3, out=tmp_path / "r.jsonl")
    assert info.value.option == "--threshold"
    assert list(tmp_path.iterdir()) == []


def test_verify_missing_record_says_so_and_fails(tmp_path: Path) -> None:
    missing = tmp_path / "absent.jsonl"
    res = runner.invoke(app, ["record", "verify", str(missing)])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert f"Error: {missing} does not exist." in res.output
    assert "record.readable" in res.output
