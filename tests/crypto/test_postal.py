"""Postal votes in a hybrid ballot (docs/record-format.md 6.1, checks 22-24): a hybrid simulation verifies and its
combined result is the true totals under either double-vote rule; each kind of damage fails with its numbered,
named check; a ballot without postal votes is byte for byte what it was before hybrid ballots existed."""

from __future__ import annotations

import hashlib
import json
import secrets as stdlib_secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.crypto.record_edits import check, failed, first, load, save

import mandate.crypto.simulate as sim_module
from mandate.crypto import group
from mandate.crypto.postal import (
    ONLINE_VOTE_STANDS,
    POSTAL_VOTE_STANDS,
    DoubleVote,
    PostalFormatError,
    PostalVotes,
    QuestionCount,
    UnitCount,
    parse_postal_votes,
    sign_postal_votes,
    verify_postal_votes,
)
from mandate.crypto.record import canonical_json
from mandate.crypto.secrets import Secret
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import verify_record

QUESTIONS = ["strike", "action_short_of_strike"]


class Hybrid:
    """A simulated hybrid ballot, with the scrutineer's key kept (caught as the simulator draws it) so that a test
    can play a dishonest scrutineer who signs a wrong list."""

    def __init__(self, path: Path, summary: dict[str, Any], scrutineer: Secret) -> None:
        self.path, self.summary, self.scrutineer = path, summary, scrutineer

    def events(self) -> list[dict[str, Any]]:
        return load(self.path)

    def resign(self, events: list[dict[str, Any]], change: Callable[[dict[str, Any]], None]) -> None:
        """Change the postal votes content (a JSON object without the signature), then sign it as the
        scrutineer would."""
        i = first(events, "postal_votes")
        content = {k: v for k, v in events[i]["payload"].items() if k != "signature"}
        change(content)
        pv = PostalVotes(content["rule"], tuple(
            UnitCount(u["unit"], u["papers"], u["set_aside"], tuple(QuestionCount(**c) for c in u["counts"]))
            for u in content["units"]), tuple(
            DoubleVote(bytes.fromhex(d["credential"]), d["unit"], d["stands"]) for d in content["double_votes"]))
        fp = bytes.fromhex(events[first(events, "election_key")]["hash"])
        events[i]["payload"] = sign_postal_votes(self.scrutineer, group.base_mul(self.scrutineer.reveal()), fp, pv)


def _simulate_hybrid(path: Path, rule: str, **kw: Any) -> Hybrid:
    caught: list[Secret] = []
    real = sim_module.random_secret_scalar

    def spy(kind: str) -> Secret:
        s = real(kind)
        if kind == "scrutineer key":
            caught.append(s)
        return s

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim_module, "random_secret_scalar", spy)
        summary = simulate(voters=kw.pop("voters", 70), units=2, questions=QUESTIONS, trustees=4, threshold=2,
                           revote_share=0.3, challenge_share=0.05, seed=kw.pop("seed", 23), out=path, workers=1,
                           postal_share=0.3, double_vote_share=0.25, double_vote_rule=rule, **kw)
    assert len(caught) == 1
    return Hybrid(path, summary, caught[0])


@pytest.fixture(scope="module", params=["postal", "online"])
def hybrid(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Hybrid:
    return _simulate_hybrid(tmp_path_factory.mktemp("hybrid") / "election.jsonl", request.param)


@pytest.fixture(scope="module")
def postal_rule(tmp_path_factory: pytest.TempPathFactory) -> Hybrid:
    return _simulate_hybrid(tmp_path_factory.mktemp("postal") / "election.jsonl", "postal")


@pytest.fixture(scope="module")
def online_rule(tmp_path_factory: pytest.TempPathFactory) -> Hybrid:
    return _simulate_hybrid(tmp_path_factory.mktemp("online") / "election.jsonl", "online")


def _online_credentials(events: list[dict[str, Any]]) -> dict[str, int]:
    """credential hex -> number of ballot events it cast"""
    out: dict[str, int] = {}
    for e in events:
        if e["type"] == "ballot":
            c = e["payload"]["ballot"]["credential"]
            out[c] = out.get(c, 0) + 1
    return out


def _units(events: list[dict[str, Any]]) -> dict[str, str]:
    return {e["credential"]: e["unit"] for ev in events if ev["type"] == "credentials"
            for e in ev["payload"]["entries"]}


# ---------------------------------------------------------------- clean hybrid records


def test_hybrid_record_verifies_and_its_combined_result_is_the_truth(hybrid: Hybrid) -> None:
    rep = verify_record(hybrid.path, workers=2)
    assert rep.ok, rep.failed()
    assert [rep.checks[n].status for n in (22, 23, 24)] == ["pass", "pass", "pass"]
    assert hybrid.summary["decrypted_matches_truth"]
    events = hybrid.events()
    result = events[-1]["payload"]
    truth = hybrid.summary["true_totals"]
    assert len(result["combined"]) == 2 * len(QUESTIONS)
    for r in result["combined"]:
        assert truth[r["unit"]][r["question"]] == {"yes": r["yes"], "no": r["no"], "spoilt": r["spoilt"]}
    # the online figures are the decryption of the tally as before, and what the truth says the online votes were
    online = hybrid.summary["hybrid"]["online_totals"]
    for r in result["results"]:
        assert online[r["unit"]][r["question"]] == {"yes": r["yes"], "no": r["no"]}
    pv = events[first(events, "postal_votes")]["payload"]
    doubles = pv["double_votes"]
    assert len(doubles) >= 3 and sum(u["papers"] for u in pv["units"]) >= 10
    tally = events[first(events, "encrypted_tally")]["payload"]["tallies"]
    online_voters = _online_credentials(events)
    units = _units(events)
    for u in ("unit-1", "unit-2"):
        voters_u = sum(1 for c in online_voters if units[c] == u)
        doubles_u = sum(1 for d in doubles if d["unit"] == u)
        counted = {t["ballots"] for t in tally if t["unit"] == u}
        set_aside = next(x["set_aside"] for x in pv["units"] if x["unit"] == u)
        if pv["rule"] == POSTAL_VOTE_STANDS:
            assert counted == {voters_u - doubles_u} and set_aside == 0
            assert all(d["stands"] == "postal" for d in doubles)
        else:
            assert counted == {voters_u} and set_aside == doubles_u
            assert all(d["stands"] == "online" for d in doubles)
    # the end of voting still counts every credential that voted online, before the postal votes set any aside
    assert events[first(events, "end_of_voting")]["payload"]["counted"] == len(online_voters)


def test_a_double_voter_who_revoted_has_no_ballot_counted(postal_rule: Hybrid) -> None:
    """Under postal_vote_stands, a member who voted online twice and by post: the last online ballot (the one
    that would count) is the one set aside; the record shows such a member and still verifies."""
    events = postal_rule.events()
    online = _online_credentials(events)
    doubles = events[first(events, "postal_votes")]["payload"]["double_votes"]
    assert any(online[d["credential"]] > 1 for d in doubles)
    assert verify_record(postal_rule.path, workers=1).ok


def test_cli_hybrid_options_and_report(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mandate.cli import app

    runner = CliRunner()
    out = tmp_path / "cli.jsonl"
    res = runner.invoke(app, ["record", "simulate", "--voters", "40", "--units", "2", "--trustees", "3",
                              "--threshold", "2", "--postal-share", "0.4", "--double-vote-share", "0.2",
                              "--double-vote-rule", "online", "--seed", "5", "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    truth = json.loads((tmp_path / "cli.jsonl.truth.json").read_text())
    assert truth["hybrid"]["double_vote_rule"] == ONLINE_VOTE_STANDS and truth["decrypted_matches_truth"]
    res = runner.invoke(app, ["record", "verify", str(out), "--json", "--workers", "1"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert {c["number"]: c["status"] for c in report["checks"]}.keys() == set(range(1, 25))
    assert [c["status"] for c in report["checks"][21:]] == ["pass", "pass", "pass"]
    res = runner.invoke(app, ["record", "simulate", "--voters", "4", "--double-vote-rule", "both", "--out",
                              str(tmp_path / "x.jsonl")])
    assert res.exit_code == 2 and "--double-vote-rule" in res.output


# ---------------------------------------------------------------- a ballot without postal votes


def _deterministic_token_bytes() -> Callable[[int], bytes]:
    counter = [0]

    def token_bytes(n: int = 32) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha512(b"det" + counter[0].to_bytes(8, "big")).digest()
            counter[0] += 1
        return out[:n]

    return token_bytes


def test_record_without_postal_votes_is_byte_identical_to_before(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With the operating system's random bytes replaced by a fixed stream (in this test only), the simulator
    wrote these exact bytes before postal votes existed (SHA-256 taken with the code of commit fbda1e9); a ballot
    without postal votes must still come out the same, record and true totals alike."""
    monkeypatch.setattr(stdlib_secrets, "token_bytes", _deterministic_token_bytes())
    out = tmp_path / "plain.jsonl"
    summary = simulate(voters=60, units=3, questions=QUESTIONS, trustees=5, threshold=3, revote_share=0.1,
                       challenge_share=0.05, seed=5, out=out, workers=1)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        "0b5dcefa518250a552a270081f82ee7e392fa13db422fc48ea2bea16a0b66d52"
    summary.pop("record")
    assert hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest() == \
        "bfa148a848217aef47933a522a0d94e945340e05747e7f38bc5691a2fc802bcc"
    rep = verify_record(out, workers=1)
    assert rep.ok
    for n in (22, 23, 24):
        assert rep.checks[n].status == "skip" and "not a hybrid ballot" in rep.checks[n].details[0]


def test_postal_material_in_a_ballot_that_is_not_hybrid(hybrid: Hybrid, tmp_path: Path) -> None:
    plain = tmp_path / "plain.jsonl"
    simulate(voters=8, units=2, questions=QUESTIONS, trustees=3, threshold=2, seed=3, out=plain, workers=1)
    events = load(plain)
    foreign = hybrid.events()
    events.insert(first(events, "encrypted_tally"), foreign[first(foreign, "postal_votes")])
    events[-1]["payload"]["combined"] = []
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(22), check(24)}


# ---------------------------------------------------------------- check 22: the scrutineer's signed postal votes


def test_forged_postal_signature(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    i = first(events, "postal_votes")
    forger = Secret("someone else's key", group.random_scalar())
    pv, _ = parse_postal_votes(events[i]["payload"], ["unit-1", "unit-2"], QUESTIONS)
    fp = bytes.fromhex(events[first(events, "election_key")]["hash"])
    events[i]["payload"] = sign_postal_votes(forger, group.base_mul(forger.reveal()), fp, pv)
    assert failed(save(events, tmp_path / "forged.jsonl")) == {check(22)}
    events = hybrid.events()
    sig = events[i]["payload"]["signature"]
    sig["v"] = group.encode_scalar((group.decode_scalar(bytes.fromhex(sig["v"])) + 1) % group.ORDER).hex()
    assert failed(save(events, tmp_path / "altered.jsonl")) == {check(22)}


def test_postal_count_changed_after_signing(hybrid: Hybrid, tmp_path: Path) -> None:
    """The forger moves one postal vote from No to Yes and makes the result agree: only the signature shows it."""
    events = hybrid.events()
    unit = events[first(events, "postal_votes")]["payload"]["units"][0]
    c = next(c for c in unit["counts"] if c["no"] > 0)
    c["yes"], c["no"] = c["yes"] + 1, c["no"] - 1
    for key in ("postal", "combined"):
        r = next(r for r in events[-1]["payload"][key]
                 if (r["unit"], r["question"]) == (unit["unit"], c["question"]))
        r["yes"], r["no"] = r["yes"] + 1, r["no"] - 1
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(22)}


def test_hybrid_record_without_its_postal_votes(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    del events[first(events, "postal_votes")]
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(22) in got and check(23) in got and check(24) in got


def test_postal_votes_twice_or_out_of_order(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    i = first(events, "postal_votes")
    events.insert(i, json.loads(json.dumps(events[i])))
    assert check(22) in failed(save(events, tmp_path / "twice.jsonl"))
    events = hybrid.events()
    ev = events.pop(i)
    events.insert(first(events, "encrypted_tally") + 1, ev)
    assert check(3) in failed(save(events, tmp_path / "late.jsonl"))


def test_rule_other_than_the_manifests(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    other = {POSTAL_VOTE_STANDS: ONLINE_VOTE_STANDS, ONLINE_VOTE_STANDS: POSTAL_VOTE_STANDS}

    def change(c: dict[str, Any]) -> None:
        c["rule"] = other[c["rule"]]

    hybrid.resign(events, change)
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(22)}


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def damage(p: dict[str, Any]) -> None:
        obj: Any = p
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return damage


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.pop(key)


DAMAGE = {
    "not an object": lambda p: p.clear(),
    "unknown rule": _set(("rule",), "first_vote_stands"),
    "rule not text": _set(("rule",), ["postal_vote_stands"]),
    "units missing": _drop("units"),
    "extra key": _set(("note",), "hello"),
    "units not a list": _set(("units",), {"unit-1": 3}),
    "units reordered": lambda p: p["units"].reverse(),
    "a unit missing": lambda p: p["units"].pop(),
    "unit not an object": _set(("units", 0), "unit-1"),
    "papers negative": _set(("units", 0, "papers"), -1),
    "papers a boolean": _set(("units", 0, "set_aside"), True),
    "papers a float": _set(("units", 0, "papers"), 3.0),
    "papers too large": _set(("units", 0, "papers"), 1 << 64),
    "papers text": _set(("units", 0, "papers"), "12"),
    "counts not a list": _set(("units", 1, "counts"), None),
    "a question missing": lambda p: p["units"][1]["counts"].pop(),
    "count not an integer": _set(("units", 1, "counts", 0, "yes"), None),
    "counts do not add up to papers": lambda p: p["units"][0]["counts"][0].update(spoilt=p["units"][0]["counts"][0]
                                                                                  ["spoilt"] + 1),
    "double votes not a list": _set(("double_votes",), "none"),
    "credential upper case": lambda p: p["double_votes"][0].update(credential=p["double_votes"][0]["credential"]
                                                                   .upper()),
    "credential not a point": _set(("double_votes", 0, "credential"), "ed" + "ff" * 30 + "7f"),
    "credential identity": _set(("double_votes", 0, "credential"), "00" * 32),
    "credential short": _set(("double_votes", 0, "credential"), "abcd"),
    "stands unknown": _set(("double_votes", 0, "stands"), "both"),
    "unit not text": _set(("double_votes", 0, "unit"), 1),
    "unit not Unicode (a lone surrogate)": _set(("double_votes", 0, "unit"), "\ud800"),
    "double vote extra key": _set(("double_votes", 0, "member"), "M123"),
    "signature missing": _drop("signature"),
    "signature scalar unreduced": _set(("signature", "c"), "ff" * 32),
    "signature not hex": _set(("signature", "v"), "zz" * 32),
}


@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_damaged_postal_event_fails_check_22_and_never_crashes(hybrid: Hybrid, tmp_path: Path, how: str) -> None:
    events = hybrid.events()
    DAMAGE[how](events[first(events, "postal_votes")]["payload"])
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(22) in got, got


def test_damaged_hybrid_declaration_fails_check_4(hybrid: Hybrid, tmp_path: Path) -> None:
    for bad in ({"scrutineer": "00" * 32, "double_vote_rule": POSTAL_VOTE_STANDS},
                {"scrutineer": group.base_mul(5).hex(), "double_vote_rule": "postal"},
                {"scrutineer": group.base_mul(5).hex()}, "yes"):
        events = hybrid.events()
        events[0]["payload"]["hybrid"] = bad
        got = failed(save(events, tmp_path / "r.jsonl"))
        assert check(4) in got, (bad, got)


# ---------------------------------------------------------------- check 23: nobody counted twice


def _add_double(hybrid: Hybrid, events: list[dict[str, Any]], credential: str, unit: str) -> None:
    rule = events[0]["payload"]["hybrid"]["double_vote_rule"]

    def change(c: dict[str, Any]) -> None:
        c["double_votes"].append({"credential": credential, "unit": unit,
                                  "stands": "postal" if rule == POSTAL_VOTE_STANDS else "online"})
        c["double_votes"].sort(key=lambda d: d["credential"])
        if rule == ONLINE_VOTE_STANDS:  # a consistent set-aside count, so that only the list is wrong
            next(u for u in c["units"] if u["unit"] == unit)["set_aside"] += 1

    hybrid.resign(events, change)


def test_set_aside_credential_not_on_the_list(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    _add_double(hybrid, events, group.base_mul(group.random_scalar()).hex(), "unit-1")
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


def test_set_aside_credential_on_the_list_for_another_unit(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    listed = {d["credential"] for d in events[first(events, "postal_votes")]["payload"]["double_votes"]}
    units = _units(events)
    cred = next(c for c in _online_credentials(events) if c not in listed)
    _add_double(hybrid, events, cred, "unit-2" if units[cred] == "unit-1" else "unit-1")
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


def test_set_aside_credential_listed_twice(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()

    def change(c: dict[str, Any]) -> None:
        c["double_votes"].insert(0, dict(c["double_votes"][0]))

    hybrid.resign(events, change)
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


def test_double_voter_who_cast_no_online_ballot(hybrid: Hybrid, tmp_path: Path) -> None:
    """A postal-only member listed as having voted online too: under online_vote_stands their postal paper would
    be set aside and their vote lost."""
    events = hybrid.events()
    online = _online_credentials(events)
    cred, unit = next((c, u) for c, u in _units(events).items() if c not in online)
    _add_double(hybrid, events, cred, unit)
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


def test_set_aside_credential_whose_ballot_is_still_counted(postal_rule: Hybrid, tmp_path: Path) -> None:
    """Under postal_vote_stands the scrutineer lists an online voter as having voted by post too, but the
    encrypted tally (and so the result) still counts that member's online ballot."""
    events = postal_rule.events()
    listed = {d["credential"] for d in events[first(events, "postal_votes")]["payload"]["double_votes"]}
    cred = next(c for c in _online_credentials(events) if c not in listed)
    _add_double(postal_rule, events, cred, _units(events)[cred])
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(17), check(23)}


def test_encrypted_tally_that_adds_back_a_set_aside_ballot(postal_rule: Hybrid, tmp_path: Path) -> None:
    """The server adds a set-aside member's online ballot back into the encrypted tally (and its count)."""
    events = postal_rule.events()
    doubles = events[first(events, "postal_votes")]["payload"]["double_votes"]
    d = doubles[0]
    ballot = [e for e in events if e["type"] == "ballot"
              and e["payload"]["ballot"]["credential"] == d["credential"]][-1]["payload"]["ballot"]
    tally = events[first(events, "encrypted_tally")]["payload"]["tallies"]
    for t in tally:
        if t["unit"] != d["unit"]:
            continue
        a = next(a for a in ballot["answers"] if a["question"] == t["question"])
        t["alpha"] = group.add(bytes.fromhex(t["alpha"]), bytes.fromhex(a["alpha"])).hex()
        t["beta"] = group.add(bytes.fromhex(t["beta"]), bytes.fromhex(a["beta"])).hex()
        t["ballots"] += 1
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(23) in got and check(17) in got


def test_tally_count_of_the_wrong_type_in_a_hybrid_ballot(postal_rule: Hybrid, tmp_path: Path) -> None:
    events = postal_rule.events()
    unit = events[first(events, "postal_votes")]["payload"]["double_votes"][0]["unit"]
    for t in events[first(events, "encrypted_tally")]["payload"]["tallies"]:
        if t["unit"] == unit:
            t["ballots"] = str(t["ballots"])
    assert check(17) in failed(save(events, tmp_path / "r.jsonl"))


def test_set_aside_papers_inconsistent(online_rule: Hybrid, postal_rule: Hybrid, tmp_path: Path) -> None:
    for h in (online_rule, postal_rule):
        events = h.events()

        def change(c: dict[str, Any]) -> None:
            c["units"][0]["set_aside"] += 1

        h.resign(events, change)
        assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


def test_double_vote_that_says_the_other_vote_stands(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()

    def change(c: dict[str, Any]) -> None:
        d = c["double_votes"][0]
        d["stands"] = "online" if d["stands"] == "postal" else "postal"

    hybrid.resign(events, change)
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(23)}


# ---------------------------------------------------------------- check 24: the combined result


def test_combined_result_that_does_not_add_up(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    r = events[-1]["payload"]["combined"][1]
    r["yes"] += 1
    assert failed(save(events, tmp_path / "yes.jsonl")) == {check(24)}
    events = hybrid.events()
    events[-1]["payload"]["combined"][0]["spoilt"] += 1
    assert failed(save(events, tmp_path / "spoilt.jsonl")) == {check(24)}


@pytest.mark.parametrize("how", ["postal figure", "negative", "boolean", "missing entry", "no combined",
                                 "duplicate", "not a list"])
def test_result_figures_damaged(hybrid: Hybrid, tmp_path: Path, how: str) -> None:
    events = hybrid.events()
    p = events[-1]["payload"]
    if how == "postal figure":  # the result's postal figures are not the signed ones (combined moved with them)
        p["postal"][0]["no"] += 1
        p["combined"][0]["no"] += 1
    elif how == "negative":
        p["postal"][0]["spoilt"] = -1
    elif how == "boolean":
        p["combined"][0]["spoilt"] = False
    elif how == "missing entry":
        p["combined"].pop()
    elif how == "no combined":
        del p["combined"]
    elif how == "duplicate":
        p["postal"].append(dict(p["postal"][0]))
    else:
        p["postal"] = {"unit-1": 3}
    assert failed(save(events, tmp_path / "r.jsonl")) == {check(24)}


def test_since_before_postal_votes_skips_them(hybrid: Hybrid, tmp_path: Path) -> None:
    events = hybrid.events()
    cut = first(events, "postal_votes")
    partial = save(events[:cut], tmp_path / "p.jsonl", rehash=False)
    rep = verify_record(partial, workers=1, since=events[5]["hash"])
    assert rep.ok, rep.failed()
    assert all(rep.checks[n].status == "skip" for n in (22, 23, 24))
    partial = save(events[:cut + 1], tmp_path / "p2.jsonl", rehash=False)
    rep = verify_record(partial, workers=1, since=events[5]["hash"])
    assert rep.ok and rep.checks[22].status == "pass" and rep.checks[23].status == "pass"


# ---------------------------------------------------------------- Hypothesis: the postal event's signature

SCRUTINEER = Secret("scrutineer key", 0x1234567890ABCDEF)
SCRUTINEER_PUBLIC = group.base_mul(SCRUTINEER.reveal())
FP = bytes(range(32))
UNITS = ["north", "south", "wales"]
CRED_POOL = [group.base_mul(k) for k in range(2, 12)]


@st.composite
def postal_votes(draw: st.DrawFn) -> PostalVotes:
    rule = draw(st.sampled_from([POSTAL_VOTE_STANDS, ONLINE_VOTE_STANDS]))
    n_units = draw(st.integers(min_value=1, max_value=3))
    units = []
    for u in UNITS[:n_units]:
        counts = []
        papers = draw(st.integers(min_value=0, max_value=10**6))
        for q in QUESTIONS:
            yes = draw(st.integers(min_value=0, max_value=papers))
            no = draw(st.integers(min_value=0, max_value=papers - yes))
            counts.append(QuestionCount(q, yes, no, papers - yes - no))
        units.append(UnitCount(u, papers, draw(st.integers(min_value=0, max_value=50)), tuple(counts)))
    creds = sorted(draw(st.sets(st.sampled_from(CRED_POOL), max_size=4)))
    doubles = tuple(DoubleVote(c, draw(st.sampled_from(UNITS[:n_units])), draw(st.sampled_from(["postal",
                                                                                                "online"])))
                    for c in creds)
    return PostalVotes(rule, tuple(units), doubles)


def _verifies(raw: bytes, n_units: int) -> bool:
    try:
        payload = json.loads(raw)
        pv, sig = parse_postal_votes(payload, UNITS[:n_units], QUESTIONS)
    except (ValueError, UnicodeDecodeError, PostalFormatError):
        return False
    return verify_postal_votes(SCRUTINEER_PUBLIC, FP, pv, sig)


@settings(max_examples=40, deadline=None)
@given(postal_votes(), st.data())
def test_postal_signature_round_trip_and_any_changed_byte_fails(pv: PostalVotes, data: st.DataObject) -> None:
    raw = canonical_json(sign_postal_votes(SCRUTINEER, SCRUTINEER_PUBLIC, FP, pv))
    n_units = len(pv.units)
    parsed, sig = parse_postal_votes(json.loads(raw), UNITS[:n_units], QUESTIONS)
    assert parsed == pv
    assert verify_postal_votes(SCRUTINEER_PUBLIC, FP, parsed, sig)
    assert not verify_postal_votes(SCRUTINEER_PUBLIC, bytes(32), parsed, sig)  # another election
    assert not verify_postal_votes(group.base_mul(7), FP, parsed, sig)  # another key
    i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="byte")
    b = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[i]), label="new value")
    assert not _verifies(raw[:i] + bytes([b]) + raw[i + 1:], n_units)


def test_signature_follows_the_documented_hash_inputs(postal_rule: Hybrid) -> None:
    """A second reading of docs/record-format.md 6.1, from the JSON with hashlib and the group alone: the digest P
    and the Schnorr challenge recomputed byte by byte accept the simulator's event."""
    events = postal_rule.events()
    p = events[first(events, "postal_votes")]["payload"]
    fp = bytes.fromhex(events[first(events, "election_key")]["hash"])
    s_key = bytes.fromhex(events[0]["payload"]["hybrid"]["scrutineer"])

    def framed(tag: str, items: list[bytes]) -> bytes:
        out = len(tag).to_bytes(4, "big") + tag.encode()
        for item in items:
            out += len(item).to_bytes(4, "big") + item
        return out

    def u64(n: int) -> bytes:
        return n.to_bytes(8, "big")

    items = [fp, p["rule"].encode(), u64(len(p["units"]))]
    for u in p["units"]:
        items += [u["unit"].encode(), u64(u["papers"]), u64(u["set_aside"]), u64(len(u["counts"]))]
        for c in u["counts"]:
            items += [c["question"].encode(), u64(c["yes"]), u64(c["no"]), u64(c["spoilt"])]
    items.append(u64(len(p["double_votes"])))
    for d in p["double_votes"]:
        items += [bytes.fromhex(d["credential"]), d["unit"].encode(), d["stands"].encode()]
    digest = hashlib.sha512(framed("mandate/v1/postal-votes", items)).digest()
    c = int.from_bytes(bytes.fromhex(p["signature"]["c"]), "little")
    v = int.from_bytes(bytes.fromhex(p["signature"]["v"]), "little")
    a = group.sub(group.base_mul(v), group.mul(c, s_key))
    challenge = hashlib.sha512(framed("mandate/v1/postal-votes-signature",
                                      [b"ristretto255", fp, digest, s_key, a])).digest()
    assert int.from_bytes(challenge, "little") % group.ORDER == c
