"""`mandate record verify` says what it verified: the election's title and fingerprint, the ballots counted, set
aside and challenged, and per unit and question the verified figures (online; in a hybrid ballot also postal and
combined), in text and in --json, checked against the simulator's truth file; and, when a check fails or the
verifier stops on an error of its own, that the figures are not verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.crypto.record_edits import load, save
from typer.testing import CliRunner

import mandate.crypto.verifier.tally as tally_checks
from mandate.cli import app
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import verify_record

QUESTIONS = ["strike", "action_short_of_strike"]


def _simulate(path: Path, **kw: Any) -> dict[str, Any]:
    simulate(voters=kw.pop("voters", 40), units=2, questions=QUESTIONS, trustees=3, threshold=2,
             revote_share=0.2, challenge_share=0.1, seed=kw.pop("seed", 13), out=path, workers=1, **kw)
    truth: dict[str, Any] = json.loads(Path(str(path) + ".truth.json").read_text())
    return truth


@pytest.fixture(scope="module", params=["plain", "postal", "online"])
def election(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("verified") / "election.jsonl"
    if request.param == "plain":
        return path, _simulate(path)
    return path, _simulate(path, postal_share=0.3, double_vote_share=0.3, double_vote_rule=request.param)


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["record", "verify", *args, "--workers", "1"])


def _expected(path: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """What the verifier must say, from the truth file (and, for the title, fingerprint and names, the record's
    set-up events)."""
    events = load(path)
    election = events[0]["payload"]
    fingerprint = next(e["hash"] for e in events if e["type"] == "election_key")
    hybrid = truth.get("hybrid")
    online = hybrid["online_totals"] if hybrid else truth["true_totals"]
    counted = {u: online[u][QUESTIONS[0]]["yes"] + online[u][QUESTIONS[0]]["no"] for u in online}
    rule = hybrid["double_vote_rule"] if hybrid else None
    return {"title": election["title"], "election_id": election["election_id"], "fingerprint": fingerprint,
            "names": {u["id"]: u["name"] for u in election["units"]}, "online": online, "counted": counted,
            "postal": hybrid["postal_totals"] if hybrid else None,
            "combined": truth["true_totals"] if hybrid else None, "rule": rule,
            "cast": truth["ballots"], "challenged": truth["challenges"],
            "set_aside": hybrid["double_votes"] if rule == "postal_vote_stands" else 0,
            "papers_set_aside": hybrid["postal_papers_set_aside"] if hybrid else None}


def test_json_states_the_verified_figures(election: tuple[Path, dict[str, Any]]) -> None:
    path, truth = election
    want = _expected(path, truth)
    res = _run(str(path), "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["ok"] and report["status"] == "pass" and report["error"] is None
    v = report["verified"]
    assert (v["title"], v["election_id"], v["fingerprint"]) == (want["title"], want["election_id"],
                                                                want["fingerprint"])
    assert v["hybrid"] == (want["rule"] is not None) and v["double_vote_rule"] == want["rule"]
    b = v["ballots"]
    assert b["cast"] == want["cast"] and b["challenged"] == want["challenged"]
    assert b["counted"] == sum(want["counted"].values()) and b["set_aside"] == want["set_aside"]
    assert b["cast"] == b["counted"] + b["replaced"] + b["set_aside"]
    assert [u["unit"] for u in v["units"]] == list(want["online"])
    for u in v["units"]:
        assert u["name"] == want["names"][u["unit"]]
        assert u["ballots_counted"] == want["counted"][u["unit"]]
        assert [q["question"] for q in u["questions"]] == QUESTIONS
        for q in u["questions"]:
            assert q["online"] == want["online"][u["unit"]][q["question"]]
            if want["postal"] is None:
                assert "postal" not in q and "combined" not in q
            else:
                assert q["postal"] == want["postal"][u["unit"]][q["question"]]
                assert q["combined"] == want["combined"][u["unit"]][q["question"]]
    if want["papers_set_aside"] is not None:
        assert sum(u["postal_papers_set_aside"] for u in v["units"]) == want["papers_set_aside"]
        assert sum(u["postal_papers"] for u in v["units"]) == truth["hybrid"]["postal_papers"]


def test_text_states_the_verified_figures(election: tuple[Path, dict[str, Any]]) -> None:
    path, truth = election
    want = _expected(path, truth)
    res = _run(str(path))
    assert res.exit_code == 0, res.output
    out = res.output
    assert f"Verified: {want['title']} (election {want['election_id']})" in out
    assert f"Election fingerprint: {want['fingerprint']}" in out
    assert (f"Ballots: {want['cast']:,} cast, {sum(want['counted'].values()):,} counted, ") in out
    assert f"{want['set_aside']:,} set aside, {want['challenged']:,} challenged" in out
    for u, questions in want["online"].items():
        assert f"Unit {u} ({want['names'][u]}): {want['counted'][u]:,} online ballots counted" in out
        for q, o in questions.items():
            if want["postal"] is None:
                line = f"  {u}, {q}: Yes {o['yes']:,}, No {o['no']:,}"
            else:
                p, c = want["postal"][u][q], want["combined"][u][q]
                line = (f"  {u}, {q}: online Yes {o['yes']:,}, No {o['no']:,}; postal Yes {p['yes']:,}, "
                        f"No {p['no']:,}, spoilt {p['spoilt']:,}; combined Yes {c['yes']:,}, No {c['no']:,}, "
                        f"spoilt {c['spoilt']:,}")
            assert line + "\n" in out, (line, out)
    assert "Every check passed." in out
    assert "not verified" not in out


def test_a_failed_check_leaves_the_figures_unverified(election: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, _truth = election
    events = load(path)
    r = events[-1]["payload"]["results"][0]
    r["yes"], r["no"] = (r["yes"] + 1, r["no"] - 1) if r["no"] else (r["yes"] - 1, r["no"] + 1)
    bad = save(events, tmp_path / "bad.jsonl")
    res = _run(str(bad), "--json")
    assert res.exit_code == 1
    report = json.loads(res.output)
    assert report["status"] == "fail" and report["verified"] is None
    res = _run(str(bad))
    assert res.exit_code == 1
    assert "The figures are not verified: a check failed (20 result.values" in res.output
    assert "Verified: " not in res.output and "Election fingerprint" not in res.output
    assert "online ballots counted" not in res.output


def test_an_incomplete_record_has_no_verified_figures(election: tuple[Path, dict[str, Any]],
                                                      tmp_path: Path) -> None:
    path, _truth = election
    events = load(path)
    end = next(i for i, e in enumerate(events) if e["type"] == "end_of_voting")
    partial = save(events[:end], tmp_path / "partial.jsonl", rehash=False)
    rep = verify_record(partial, workers=1, since=events[0]["hash"])
    assert rep.ok and rep.verified is None
    res = _run(str(partial), "--since", events[0]["hash"])
    assert res.exit_code == 0
    assert "The figures are not verified: the record is not complete" in res.output


def test_an_error_in_the_verifier_is_its_own_outcome(election: tuple[Path, dict[str, Any]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault in the verifier (here: one planted in the result check) is reported as an error, not as a check of
    the record: no check is said to pass that did not finish, and no figure is verified."""
    path, _truth = election

    def broken(*args: Any, **kw: Any) -> None:
        raise ZeroDivisionError("planted")

    monkeypatch.setattr("mandate.crypto.verifier.verify.result_values", broken)
    assert tally_checks.result_values is not broken  # only the verifier's call is broken
    rep = verify_record(path, workers=1)
    assert not rep.ok and rep.status == "error" and rep.error == "ZeroDivisionError: planted"
    assert rep.failed() == [] and rep.verified is None
    assert rep.checks[1].status == "error" and rep.checks[20].status == "error"
    res = _run(str(path), "--json")
    assert res.exit_code == 1
    report = json.loads(res.output)
    assert report["status"] == "error" and report["error"] == "ZeroDivisionError: planted"
    assert report["verified"] is None
    assert {c["status"] for c in report["checks"]} <= {"error", "skip"}
    res = _run(str(path))
    assert res.exit_code == 1
    assert "The verifier stopped on an unexpected error" in res.output and "planted" in res.output
    assert "The figures are not verified: the verifier stopped on an unexpected error." in res.output
    assert "Every check passed" not in res.output
