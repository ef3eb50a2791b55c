"""The record's shape rules (docs/record-format.md section 5.1): a JSON object with a repeated key is refused; every
payload has exactly its listed keys; every keyed list holds each key once, wherever the second entry is (a repeated
key first, where a reader keeping the last entry would see only the right one, and last); every list said to be
sorted is sorted. Each is refused by the check of the event that holds it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.crypto.record_edits import check, failed, first, load, repeat, save
from tests.crypto.test_postal import Hybrid, _simulate_hybrid

import mandate.crypto.credentials as credentials_module
from mandate.crypto import group
from mandate.crypto.credentials import PublicCredential, sign_credential_list
from mandate.crypto.secrets import Secret
from mandate.crypto.shape import FormatError, ascending, keyed
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import Check, verify_record

Events = list[dict[str, Any]]


class Plain:
    """A simulated ballot without postal votes, with the credential authority's key kept (caught as the simulator
    draws it) so that a test can sign a credential list as the authority would."""

    def __init__(self, path: Path, authority: Secret) -> None:
        self.path, self.authority = path, authority

    def resign_credentials(self, events: Events, i: int) -> None:
        entries = [PublicCredential(bytes.fromhex(e["credential"]), e["unit"]) for e in events[i]["payload"]["entries"]]
        fp = bytes.fromhex(events[first(events, "election_key")]["hash"])
        sig = sign_credential_list(self.authority, group.base_mul(self.authority.reveal()), fp, entries)
        events[i]["payload"]["signature"] = sig.to_json()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Plain:
    caught: list[Secret] = []
    real = credentials_module.random_secret_scalar

    def spy(kind: str) -> Secret:
        s = real(kind)
        if kind == "credential authority key":
            caught.append(s)
        return s

    out = tmp_path_factory.mktemp("shape") / "election.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(credentials_module, "random_secret_scalar", spy)
        simulate(voters=16, units=2, questions=["strike", "action_short_of_strike"], trustees=3, threshold=2,
                 revote_share=0.2, challenge_share=0.1, seed=7, out=out, workers=1)
    assert len(caught) == 1
    return Plain(out, caught[0])


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory: pytest.TempPathFactory) -> Hybrid:
    return _simulate_hybrid(tmp_path_factory.mktemp("shape-hybrid") / "election.jsonl", "postal")


def test_clean_records_pass(plain: Plain, hybrid: Hybrid) -> None:
    assert verify_record(plain.path, workers=1).ok
    assert verify_record(hybrid.path, workers=1).ok


def _plus_g(point_hex: str) -> str:
    return group.add(bytes.fromhex(point_hex), group.GENERATOR).hex()


def _other_figures(r: dict[str, Any]) -> dict[str, Any]:
    """The same unit and question, other figures (that still add up)."""
    if r["no"] > 0:
        r["yes"], r["no"] = r["yes"] + 1, r["no"] - 1
    else:
        r["yes"], r["no"] = r["yes"] - 1, r["no"] + 1
    return r


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def change(d: dict[str, Any]) -> dict[str, Any]:
        d[key] = value
        return d
    return change


# (list, event type, where in its payload, the entry to give twice and how to change it, the check that refuses it)
PLAIN_LISTS: list[tuple[str, str, Callable[[dict[str, Any]], list[Any]], Callable[[Any], Any], Check]] = [
    ("questions", "election", lambda p: p["questions"], _set("text", "Another question?"),
     Check.ELECTION_PARAMETERS),
    ("units", "election", lambda p: p["units"], _set("name", "Another unit"), Check.ELECTION_PARAMETERS),
    ("verification keys", "election_key", lambda p: p["verification_keys"], _set("key", group.base_mul(7).hex()),
     Check.ELECTION_KEY),
    ("encrypted tallies", "encrypted_tally", lambda p: p["tallies"], lambda t: _set("beta", _plus_g(t["beta"]))(t),
     Check.TALLY_ENCRYPTED),
    ("decryption shares", "decryption_share", lambda p: p["shares"], _set("share", group.base_mul(7).hex()),
     Check.DECRYPTION_SHARES),
    ("results", "result", lambda p: p["results"], _other_figures, Check.RESULT_VALUES),
    ("result trustees", "result", lambda p: p["trustees"], lambda j: j, Check.RESULT_VALUES),
]


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("case", PLAIN_LISTS, ids=[c[0] for c in PLAIN_LISTS])
def test_a_repeated_key_is_refused(plain: Plain, tmp_path: Path, case: Any, where: str) -> None:
    _name, type_, where_list, change, named = case
    events = load(plain.path)
    repeat(where_list(events[first(events, type_)]["payload"]), 0, change, where)
    rep = verify_record(save(events, tmp_path / "r.jsonl"), workers=1)
    assert rep.error is None
    assert check(named) in set(rep.failed()), rep.failed()
    assert any("twice" in d or "each once" in d for d in rep.checks[named].details), rep.checks[named].details


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_credential_given_twice_is_refused(plain: Plain, tmp_path: Path, where: str) -> None:
    """In one list (signed by the authority as it stands, so that only the list's rule can fail), and in two."""
    events = load(plain.path)
    i = first(events, "credentials")
    entries = events[i]["payload"]["entries"]
    other = next(u["id"] for u in events[0]["payload"]["units"] if u["id"] != entries[0]["unit"])
    repeat(entries, 0, _set("unit", other), where)
    plain.resign_credentials(events, i)
    got = failed(save(events, tmp_path / "r.jsonl"))
    assert check(Check.CREDENTIALS_LIST) in got
    # the same credential in a second credentials event
    events = load(plain.path)
    extra = {"entries": [dict(events[i]["payload"]["entries"][0])], "signature": {}}
    events.insert(i + 1 if where == "last" else i, {"type": "credentials", "payload": extra})
    plain.resign_credentials(events, i + 1 if where == "last" else i)
    rep = verify_record(save(events, tmp_path / "two.jsonl"), workers=1)
    assert check(Check.CREDENTIALS_LIST) in set(rep.failed())
    assert any("twice" in d for d in rep.checks[Check.CREDENTIALS_LIST].details)


def test_credentials_out_of_order_are_refused(plain: Plain, tmp_path: Path) -> None:
    """Signed as they stand (the signature verifies), but not sorted by credential."""
    events = load(plain.path)
    i = first(events, "credentials")
    events[i]["payload"]["entries"].reverse()
    plain.resign_credentials(events, i)
    rep = verify_record(save(events, tmp_path / "r.jsonl"), workers=1)
    assert check(Check.CREDENTIALS_LIST) in set(rep.failed())
    assert any("ascending" in d for d in rep.checks[Check.CREDENTIALS_LIST].details)


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_second_decryption_share_event_from_one_trustee(plain: Plain, tmp_path: Path, where: str) -> None:
    events = load(plain.path)
    i = first(events, "decryption_share")
    wrong = {"type": "decryption_share", "payload": {"trustee": events[i]["payload"]["trustee"], "shares": [
        dict(s, share=group.base_mul(7).hex()) for s in events[i]["payload"]["shares"]]}}
    events.insert(i if where == "first" else i + 1, wrong)
    assert check(Check.DECRYPTION_SHARES) in failed(save(events, tmp_path / "r.jsonl"))


# hybrid ballot: the result's postal and combined figures (24), and the scrutineer's signed lists (22, 23)
HYBRID_FIGURES = [("postal", Check.RESULT_COMBINED), ("combined", Check.RESULT_COMBINED)]


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize(("key", "named"), HYBRID_FIGURES)
def test_a_repeated_figure_is_refused(hybrid: Hybrid, tmp_path: Path, key: str, named: Check, where: str) -> None:
    events = hybrid.events()
    repeat(events[-1]["payload"][key], 0, lambda r: dict(r, spoilt=r["spoilt"] + 1), where)
    rep = verify_record(save(events, tmp_path / "r.jsonl"), workers=1)
    assert check(named) in set(rep.failed())
    assert any("twice" in d for d in rep.checks[named].details), rep.checks[named].details


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_member_listed_twice_as_voting_twice(hybrid: Hybrid, tmp_path: Path, where: str) -> None:
    events = hybrid.events()
    hybrid.resign(events, lambda c: repeat(c["double_votes"], 0, lambda d: d, where))
    rep = verify_record(save(events, tmp_path / "r.jsonl"), workers=1)
    assert check(Check.POSTAL_NO_DOUBLE_COUNT) in set(rep.failed())
    assert any("twice" in d for d in rep.checks[Check.POSTAL_NO_DOUBLE_COUNT].details)


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("which", ["units", "counts"])
def test_a_repeated_postal_unit_or_question(hybrid: Hybrid, tmp_path: Path, which: str, where: str) -> None:
    """A unit's postal count (or a question's within a unit) given twice, signed by the scrutineer: not the
    election's units (questions) in order, check 22."""
    events = hybrid.events()

    def change(c: dict[str, Any]) -> None:
        if which == "units":
            repeat(c["units"], 0, lambda u: u, where)
        else:
            repeat(c["units"][0]["counts"], 0, lambda q: q, where)
    hybrid.resign(events, change)
    assert check(Check.POSTAL_SIGNATURE) in failed(save(events, tmp_path / "r.jsonl"))


# ---------------------------------------------------------------- repeated keys in a JSON object


@pytest.mark.parametrize(("type_", "text_key", "named"), [
    ("end_of_voting", '"counted"', Check.RECORD_READABLE),
    ("result", '"results"', Check.RECORD_READABLE),
    ("ballot", '"tracking_code"', Check.RECORD_READABLE),
    ("encrypted_tally", '"beta"', Check.RECORD_READABLE),
])
def test_a_json_object_with_a_repeated_key_is_refused(plain: Plain, tmp_path: Path, type_: str, text_key: str,
                                                      named: Check) -> None:
    """The key is given twice in the line, first with a wrong value; the event's hash is taken over the object a
    reader keeping the last value would see (the right one), so only the repeated key is wrong."""
    events = load(plain.path)
    path = save(events, tmp_path / "r.jsonl")
    lines = path.read_text().splitlines()
    i = first(events, type_)
    wrong = {'"counted"': "0", '"results"': "[]", '"tracking_code"': '"' + "0" * 64 + '"',
             '"beta"': '"' + "0" * 64 + '"'}[text_key]
    assert text_key + ": " in lines[i]
    lines[i] = lines[i].replace(text_key + ": ", f"{text_key}: {wrong}, {text_key}: ", 1)
    path.write_text("\n".join(lines) + "\n")
    rep = verify_record(path, workers=1)
    assert check(named) in set(rep.failed())
    assert any(f"line {i + 1}:" in d and "twice" in d for d in rep.checks[named].details), rep.checks[named].details


# ---------------------------------------------------------------- exactly the listed keys


EXTRA_KEY: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], Check]] = [
    ("election", lambda p: p, Check.ELECTION_PARAMETERS),
    ("election", lambda p: p["questions"][0], Check.ELECTION_PARAMETERS),
    ("dkg_commit", lambda p: p, Check.TRUSTEES_COMMIT_BEFORE_REVEAL),
    ("dkg_reveal", lambda p: p, Check.TRUSTEES_PROOFS),
    ("dkg_reveal", lambda p: p["proof"], Check.TRUSTEES_PROOFS),
    ("election_key", lambda p: p, Check.ELECTION_KEY),
    ("election_key", lambda p: p["verification_keys"][0], Check.ELECTION_KEY),
    ("credentials", lambda p: p, Check.CREDENTIALS_LIST),
    ("credentials", lambda p: p["entries"][0], Check.CREDENTIALS_LIST),
    ("credentials", lambda p: p["signature"], Check.CREDENTIALS_LIST),
    ("ballot", lambda p: p, Check.BALLOTS_WELL_FORMED),
    ("ballot", lambda p: p["ballot"], Check.BALLOTS_WELL_FORMED),
    ("ballot", lambda p: p["ballot"]["answers"][0]["proof"], Check.BALLOTS_WELL_FORMED),
    ("challenge", lambda p: p, Check.CHALLENGES_REVEALS),
    ("challenge", lambda p: p["reveal"][0], Check.CHALLENGES_REVEALS),
    ("end_of_voting", lambda p: p, Check.TALLY_REVOTE_RULE),
    ("encrypted_tally", lambda p: p, Check.TALLY_ENCRYPTED),
    ("encrypted_tally", lambda p: p["tallies"][0], Check.TALLY_ENCRYPTED),
    ("decryption_share", lambda p: p, Check.DECRYPTION_SHARES),
    ("decryption_share", lambda p: p["shares"][0], Check.DECRYPTION_SHARES),
    ("decryption_share", lambda p: p["shares"][0]["proof"], Check.DECRYPTION_SHARES),
    ("result", lambda p: p, Check.RESULT_VALUES),
    ("result", lambda p: p["results"][0], Check.RESULT_VALUES),
]


@pytest.mark.parametrize(("type_", "where", "named"), EXTRA_KEY,
                         ids=[f"{t}-{n}" for n, (t, _w, _c) in enumerate(EXTRA_KEY)])
def test_a_key_not_listed_is_refused(plain: Plain, tmp_path: Path, type_: str,
                                     where: Callable[[dict[str, Any]], dict[str, Any]], named: Check) -> None:
    events = load(plain.path)
    where(events[first(events, type_)]["payload"])["note"] = "x"
    assert check(named) in failed(save(events, tmp_path / "r.jsonl"))


@pytest.mark.parametrize("key", ["postal", "combined"])
def test_a_figure_with_a_key_not_listed(hybrid: Hybrid, tmp_path: Path, key: str) -> None:
    events = hybrid.events()
    events[-1]["payload"][key][0]["note"] = 1
    assert check(Check.RESULT_COMBINED) in failed(save(events, tmp_path / "r.jsonl"))


# ---------------------------------------------------------------- the rules themselves, for any list


@given(keys=st.lists(st.one_of(st.integers(0, 5), st.sampled_from(["a", "b", "c"]).map(str)), max_size=8))
def test_keyed_refuses_exactly_the_lists_with_a_repeated_key(keys: list[Any]) -> None:
    items = [{"k": k, "n": n} for n, k in enumerate(keys)]
    unique = len({(type(k), k) for k in keys}) == len(keys)
    try:
        index = keyed(items, lambda x: (type(x["k"]).__name__, x["k"]), "the list")
    except FormatError as exc:
        assert not unique and "twice" in str(exc)
    else:
        assert unique and list(index.values()) == items


@given(keys=st.lists(st.integers(0, 20), max_size=8))
def test_ascending_accepts_exactly_the_strictly_sorted_lists(keys: list[int]) -> None:
    try:
        ascending(keys, "the list")
    except FormatError:
        assert keys != sorted(set(keys))
    else:
        assert keys == sorted(set(keys))
