"""Simulated elections through the verifier: a clean record passes and matches the true totals; each kind of
damage in the issue's "Bad input" list fails with its numbered, named check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.crypto.record_edits import check, failed, first, load, save
from typer.testing import CliRunner

from mandate.crypto import group
from mandate.crypto import secrets as msecrets
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import verify_record


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("rec") / "election.jsonl"
    summary = simulate(voters=40, units=2, questions=["strike", "action_short_of_strike"], trustees=5,
                       threshold=3, revote_share=0.15, challenge_share=0.08, seed=11, out=out, workers=1)
    return out, summary


def test_clean_record_passes_and_matches_truth(record: tuple[Path, dict[str, Any]]) -> None:
    path, summary = record
    rep = verify_record(path, workers=2)
    assert rep.ok, rep.failed()
    assert summary["decrypted_matches_truth"]
    events = load(path)
    result = events[-1]["payload"]["results"]
    truth = summary["true_totals"]
    for r in result:
        assert truth[r["unit"]][r["question"]] == {"yes": r["yes"], "no": r["no"]}
    assert sum(1 for e in events if e["type"] == "ballot") > 40  # re-votes are in the record
    assert sum(1 for e in events if e["type"] == "challenge") >= 1
    assert rep.ballots == summary["ballots"]


def test_truncated_file(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    data = record[0].read_bytes()
    bad = tmp_path / "t.jsonl"
    bad.write_bytes(data[: len(data) // 2])
    assert check(1) in failed(bad)
    bad.write_bytes(data[: len(data) - 1000])
    assert check(1) in failed(bad)


def test_unreadable_and_garbage(tmp_path: Path) -> None:
    assert check(1) in failed(tmp_path / "missing.jsonl")
    g = tmp_path / "g.jsonl"
    g.write_bytes(b"\xff\xfe not json\n[1,2]\n")
    assert check(1) in failed(g)


def _ballot_index(events: list[dict[str, Any]], k: int = 0) -> int:
    return [i for i, e in enumerate(events) if e["type"] == "ballot"][k]


def test_non_canonical_point(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = _ballot_index(events)
    events[i]["payload"]["ballot"]["answers"][0]["alpha"] = "ed" + "ff" * 30 + "7f"
    assert check(9) in failed(save(events, tmp_path / "r.jsonl"))


def test_small_order_and_identity_points(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = _ballot_index(events)
    events[i]["payload"]["ballot"]["answers"][0]["alpha"] = \
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
    events[_ballot_index(events, 1)]["payload"]["ballot"]["answers"][1]["alpha"] = "00" * 32
    assert check(9) in failed(save(events, tmp_path / "r.jsonl"))


def test_tampered_and_moved_proof(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = _ballot_index(events)
    answers = events[i]["payload"]["ballot"]["answers"]
    answers[0]["proof"], answers[1]["proof"] = answers[1]["proof"], answers[0]["proof"]
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(13) in got and check(12) in got


def test_ballot_replayed_from_another_voter(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i, j = _ballot_index(events, 0), _ballot_index(events, 1)
    events[j]["payload"]["ballot"] = dict(events[i]["payload"]["ballot"],
                                          credential=events[j]["payload"]["ballot"]["credential"])
    assert check(12) in failed(save(events, tmp_path / "r.jsonl"))


def test_ballot_replayed_verbatim(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = _ballot_index(events)
    end = first(events, "end_of_voting")
    events.insert(end, json.loads(json.dumps(events[i])))
    assert check(14) in failed(save(events, tmp_path / "r.jsonl"))


def test_ballot_from_another_election(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    simulate(voters=5, units=1, questions=["strike", "action_short_of_strike"], trustees=3, threshold=2,
             revote_share=0, challenge_share=0, seed=2, out=other, workers=1)
    foreign = load(other)[_ballot_index(load(other))]
    events = load(record[0])
    events.insert(first(events, "end_of_voting"), foreign)
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(10) in got


def test_dropped_and_reordered_events(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = _ballot_index(events, 3)
    dropped = events[:i] + events[i + 1:]
    assert check(2) in failed(save(dropped, tmp_path / "d.jsonl", rehash=False))
    swapped = list(events)
    swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    assert check(2) in failed(save(swapped, tmp_path / "s.jsonl", rehash=False))
    # a forger who re-hashes the chain after dropping a ballot is caught by the counts and the tally
    got = failed(save(load(record[0])[:i] + load(record[0])[i + 1:], tmp_path / "f.jsonl"))
    assert check(16) in got
    # dropping the result (a whole last line) leaves an incomplete record
    assert check(3) in failed(save(events[:-1], tmp_path / "short.jsonl", rehash=False))


def test_wrong_decryption_share(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = first(events, "decryption_share")
    events[i]["payload"]["shares"][0]["share"] = group.base_mul(7).hex()
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(18) in got


def test_changed_result(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    r = events[-1]["payload"]["results"][0]
    if r["no"] > 0:
        r["yes"], r["no"] = r["yes"] + 1, r["no"] - 1
    else:
        r["yes"], r["no"] = r["yes"] - 1, r["no"] + 1
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(20)}


@pytest.mark.parametrize("written", ["1.0", "1e0", "10E-1"])
def test_a_number_with_a_fraction_or_exponent_is_refused(tmp_path: Path, written: str) -> None:
    """The record holds no floats (section 5): a count written 1.0, 1e0 or 10E-1 fails check 1 (the event is not
    read), even where its hash is taken over the number and the number equals the count."""
    out = tmp_path / "small.jsonl"
    simulate(voters=1, units=1, questions=["strike"], trustees=3, threshold=2, revote_share=0.0,
             challenge_share=0.0, seed=3, out=out, workers=1)
    events = load(out)
    i = first(events, "encrypted_tally")
    events[i]["payload"]["tallies"][0]["ballots"] = 1.0  # hashed as 1.0, which each spelling reads as
    path = save(events, tmp_path / "r.jsonl")
    text = path.read_text()
    assert text.count('"ballots": 1.0') == 1
    path.write_text(text.replace('"ballots": 1.0', f'"ballots": {written}'))
    assert check(1) in failed(path)
    rep = verify_record(path, workers=1)
    assert any(f"line {i + 1}:" in d and "integers only" in d for d in rep.checks[1].details), rep.checks[1].details


def test_counts_written_as_booleans(tmp_path: Path) -> None:
    """JSON true and false are not the integers 1 and 0 (a count is an integer, section 6), though Python's
    comparisons say they are: a count of 1 or 0 written as a boolean fails its check (16 end of voting,
    17 encrypted tally, 20 result) even where the numbers agree."""
    out = tmp_path / "small.jsonl"
    simulate(voters=1, units=1, questions=["strike"], trustees=3, threshold=2, revote_share=0.0,
             challenge_share=0.0, seed=3, out=out, workers=1)
    events = load(out)
    assert failed(save(events, tmp_path / "clean.jsonl")) == set()
    events[first(events, "end_of_voting")]["payload"]["counted"] = True
    assert failed(save(events, tmp_path / "eov.jsonl")) == {check(16)}
    events = load(out)
    events[first(events, "encrypted_tally")]["payload"]["tallies"][0]["ballots"] = True
    assert check(17) in failed(save(events, tmp_path / "tally.jsonl"))
    events = load(out)
    r = events[-1]["payload"]["results"][0]
    key = "yes" if r["yes"] == 1 else "no"  # one voter: yes + no = 1
    r[key] = True
    assert failed(save(events, tmp_path / "result.jsonl")) == {check(20)}


def test_result_names_the_trustees_who_decrypted(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """The result's trustees are the indices of the trustees whose decryption shares the record holds, ascending
    (section 6); anything else fails check 20."""
    events = load(record[0])
    decrypted = sorted(e["payload"]["trustee"] for e in events if e["type"] == "decryption_share")
    assert events[-1]["payload"]["trustees"] == decrypted
    others = sorted(set(range(1, 6)) - set(decrypted))
    bads: list[Any] = [["strike", *decrypted[1:]], decrypted[::-1], decrypted[:-1], sorted(decrypted + others[:1]),
                       "all", None]
    if 1 in decrypted:
        bads.append([True if j == 1 else j for j in decrypted])  # JSON true is not trustee 1
    for bad in bads:
        events = load(record[0])
        events[-1]["payload"]["trustees"] = bad
        assert failed(save(events, tmp_path / "r.jsonl")) == {check(20)}, bad


def test_setup_integers_written_as_booleans(tmp_path: Path) -> None:
    """JSON true is not the integer 1 in the setup either: as the number of trustees and the threshold (check 4),
    as the trustee of a commitment and its reveal (5 and 6, though their hashes take u64(true) as u64(1)), or as
    the trustee of a verification key (7)."""
    out = tmp_path / "one.jsonl"
    simulate(voters=2, units=1, questions=["strike"], trustees=1, threshold=1, revote_share=0.0,
             challenge_share=0.0, seed=3, out=out, workers=1)
    events = load(out)
    events[0]["payload"]["trustees"] = events[0]["payload"]["threshold"] = True
    assert check(4) in failed(save(events, tmp_path / "n.jsonl"))
    events = load(out)
    for e in events:
        if e["type"] in ("dkg_commit", "dkg_reveal"):
            e["payload"]["trustee"] = True
    got = failed(save(events, tmp_path / "dkg.jsonl"))
    assert check(5) in got and check(6) in got
    events = load(out)
    events[first(events, "election_key")]["payload"]["verification_keys"][0]["trustee"] = True
    assert check(7) in failed(save(events, tmp_path / "vk.jsonl"))


def test_decryption_share_from_trustee_true(tmp_path: Path) -> None:
    """A decryption share whose trustee is JSON true is from no trustee (true is not 1), though its proof, hashed
    with u64(1), verifies as trustee 1's."""
    out = tmp_path / "small.jsonl"
    simulate(voters=3, units=1, questions=["strike"], trustees=2, threshold=2, revote_share=0.0,
             challenge_share=0.0, seed=3, out=out, workers=1)
    events = load(out)
    i = next(i for i, e in enumerate(events) if e["type"] == "decryption_share" and e["payload"]["trustee"] == 1)
    events[i]["payload"]["trustee"] = True
    assert check(18) in failed(save(events, tmp_path / "r.jsonl"))


def test_changed_encrypted_tally(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = first(events, "encrypted_tally")
    t = events[i]["payload"]["tallies"][0]
    t["beta"] = group.add(bytes.fromhex(t["beta"]), group.GENERATOR).hex()
    assert check(17) in failed(save(events, tmp_path / "r.jsonl"))


def test_reveal_before_every_commit(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    c, r = first(events, "dkg_commit") + 4, first(events, "dkg_reveal")
    events[c], events[r] = events[r], events[c]
    assert check(5) in failed(save(events, tmp_path / "r.jsonl"))


def test_credential_not_on_list(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = first(events, "credentials")
    events[i]["payload"]["entries"].pop(0)
    assert check(8) in failed(save(events, tmp_path / "r.jsonl"))


def test_bad_challenge_reveal(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    i = first(events, "challenge")
    rv = events[i]["payload"]["reveal"][0]
    rv["vote"] = 1 - rv["vote"]
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(15)}


def test_since_extends(record: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    events = load(record[0])
    head = events[first(events, "end_of_voting") - 3]["hash"]
    partial = save(json.loads(json.dumps(events[: first(events, "end_of_voting")])), tmp_path / "p.jsonl",
                   rehash=False)
    assert verify_record(partial, workers=1, since=events[10]["hash"]).ok
    assert verify_record(record[0], workers=1, since=head).ok
    forked = load(record[0])
    forked[_ballot_index(forked)]["payload"]["tracking_code"] = "0" * 64
    assert check(21) in failed(save(forked, tmp_path / "fork.jsonl"), since=head)


@pytest.mark.parametrize("postal_share", [0.0, 0.4])
def test_record_holds_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postal_share: float) -> None:
    """Every secret scalar drawn during an election (coefficients, credential keys, nonces; in a hybrid ballot also
    the scrutineer's key and its signing nonce) is absent."""
    drawn: list[int] = []
    kinds: set[str] = set()
    real = msecrets.random_secret_scalar

    def spy(kind: str) -> msecrets.Secret:
        s = real(kind)
        drawn.append(s.reveal())
        kinds.add(kind)
        return s

    import mandate.crypto.credentials as cr
    import mandate.crypto.elgamal as eg
    import mandate.crypto.keygen as kg
    import mandate.crypto.proofs as pr
    import mandate.crypto.simulate as sim

    for mod in (cr, eg, kg, pr, msecrets, sim):
        monkeypatch.setattr(mod, "random_secret_scalar", spy)
    out = tmp_path / "e.jsonl"
    simulate(voters=12, units=1, questions=["strike", "action_short_of_strike"], trustees=3, threshold=2,
             revote_share=0.2, challenge_share=0.0, seed=4, out=out, workers=1, postal_share=postal_share,
             double_vote_share=0.5)
    text = out.read_text() + (tmp_path / "e.jsonl.truth.json").read_text()
    assert len(drawn) > 12 * 2
    assert ('"postal_votes"' in text and "scrutineer key" in kinds) == (postal_share > 0)
    for x in drawn:
        for enc in (x.to_bytes(32, "little").hex(), x.to_bytes(32, "big").hex(), str(x)):
            assert enc not in text


def test_cli_simulate_and_verify(tmp_path: Path) -> None:
    from mandate.cli import app

    runner = CliRunner()
    out = tmp_path / "cli.jsonl"
    res = runner.invoke(app, ["record", "simulate", "--voters", "30", "--units", "2", "--questions",
                              "strike,action_short_of_strike", "--trustees", "5", "--threshold", "3",
                              "--revote-share", "0.05", "--challenge-share", "0.05", "--seed", "9",
                              "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cli.jsonl.truth.json").exists()
    res = runner.invoke(app, ["record", "verify", str(out), "--json", "--workers", "1"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["ok"] and [c["number"] for c in report["checks"]] == list(range(1, 25))
    events = load(out)
    events[-1]["payload"]["results"][0]["yes"] += 1
    events[-1]["payload"]["results"][0]["no"] -= 1
    save(events, out)
    res = runner.invoke(app, ["record", "verify", str(out), "--workers", "1"])
    assert res.exit_code == 1
    assert "20 result.values" in res.output
