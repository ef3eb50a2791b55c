"""The verifier's variable-time arithmetic (libdecaf, mandate.crypto.libdecaf_build) against libsodium.

The binding must be built (``dev.py install`` builds it): these tests fail, not skip, without it. They check that
libdecaf is the same group with the same encoding (RFC 9496 vectors), that its commitments equal libsodium's for
any inputs, that it refuses what libsodium refuses, and that the fast path gives the same answer on either
library for damaged ballots, never accepting what the ordinary path rejects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mandate.crypto._libdecaf import ffi, lib  # type: ignore[import-not-found,unused-ignore]

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext
from mandate.crypto.fastpath import BallotLineChecker
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import parse_event_line, verify_record
from mandate.crypto.verifier.ballots import check_ballot_payload

# RFC 9496 A.2: a non-canonical field encoding, and an encoding whose x^2 is not a square
NON_CANONICAL = bytes.fromhex("00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
NON_SQUARE = bytes.fromhex("26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371")
scalars = st.integers(min_value=1, max_value=group.ORDER - 1)


def enc(n: int) -> bytes:
    return group.encode_scalar(n)


def _checker(public_key: bytes, nq: int, sodium: bool, monkeypatch: pytest.MonkeyPatch) -> BallotLineChecker:
    with monkeypatch.context() as m:
        if sodium:
            m.setenv("MANDATE_VERIFY_BACKEND", "libsodium")
        return BallotLineChecker(b"\x01" * 32, public_key, tuple(f"q{i}" for i in range(nq)), {})


def _decaf_commitments(checker: BallotLineChecker, parts: list[bytes], cred: bytes) -> bytes | None:
    nq = checker.nq
    raw = b"".join(parts)
    out = ffi.new("uint8_t[]", 128 * nq + 32)
    rc = lib.mandate_ballot_commitments(checker._decaf_key, nq, raw[:192 * nq] + cred + raw[192 * nq:], out)
    return None if rc else bytes(ffi.buffer(out))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=scalars, cred=scalars, nq=st.integers(1, 3), data=st.data())
def test_commitments_equal_libsodiums(key: int, cred: int, nq: int, data: st.DataObject,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pk, k = group.base_mul(key), group.base_mul(cred)
    decaf = _checker(pk, nq, False, monkeypatch)
    sodium = _checker(pk, nq, True, monkeypatch)
    assert decaf._decaf_key is not None and sodium._decaf_key is None
    parts: list[bytes] = []
    for _ in range(nq):
        # alpha, beta: any points (beta = G + something, so that beta - G is not the identity), then 4 scalars
        parts += [group.base_mul(data.draw(scalars)), group.base_mul(data.draw(scalars))]
        parts += [enc(data.draw(scalars)) for _ in range(4)]
    parts += [enc(data.draw(scalars)), enc(data.draw(scalars))]
    got = _decaf_commitments(decaf, parts, k)
    expected = sodium._sodium_commitments(parts, k)
    if got is not None:
        assert got == expected
    else:
        # refused only where a result, or some beta - G, is the identity (libsodium refuses some of these too)
        betas_minus_g = [group.sub(parts[6 * i + 1], group.GENERATOR) for i in range(nq)]
        assert expected is None or group.IDENTITY in [expected[j:j + 32] for j in range(0, len(expected), 32)] \
            or group.IDENTITY in betas_minus_g


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(small=st.lists(st.integers(1, 6), min_size=8, max_size=8), k=st.integers(1, 4))
def test_degenerate_small_inputs(small: list[int], k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny scalars and multiples of G, where results and beta - G hit the identity often: libdecaf answers
    exactly where libsodium's answer holds no identity, and then with libsodium's commitments."""
    pk = group.base_mul(2)
    decaf = _checker(pk, 1, False, monkeypatch)
    sodium = _checker(pk, 1, True, monkeypatch)
    parts = [group.base_mul(small[0]), group.base_mul(small[1])] + [enc(x) for x in small[2:]]
    cred = group.base_mul(k)
    got, expected = _decaf_commitments(decaf, parts, cred), sodium._sodium_commitments(parts, cred)
    identity_somewhere = small[1] == 1 or expected is None or group.IDENTITY in [
        expected[j:j + 32] for j in range(0, len(expected), 32)]
    assert (got is None) == identity_somewhere
    if got is not None:
        assert got == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 8), kind=st.sampled_from(["zero", "unreduced", "bit255", "garbage"]),
       seed=st.integers(min_value=1, max_value=group.ORDER - 2))
def test_what_libdecaf_refuses(which: int, kind: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Points that do not decode or are the identity, and zero or unreduced scalars, are refused (-1), so that
    the ordinary path decides and names the check."""
    checker = _checker(group.base_mul(7), 1, False, monkeypatch)
    parts = [group.base_mul(seed), group.base_mul(seed + 1)] + [enc((seed * j) % group.ORDER or 1)
                                                                 for j in range(2, 8)]
    cred = group.base_mul(3)
    assume(_decaf_commitments(checker, parts, cred) is not None)  # no result happens to be the identity
    is_point = which in (0, 1, 8)
    target = parts[which] if which < 8 else cred
    if kind == "zero":
        bad = bytes(32)  # the zero scalar, or the identity's encoding
    elif kind == "unreduced":
        if is_point:
            bad = NON_CANONICAL
        else:
            n = int.from_bytes(target, "little") + group.ORDER
            if n >= 2**256:
                return
            bad = n.to_bytes(32, "little")
    elif kind == "bit255":
        bad = target[:31] + bytes([target[31] | 0x80])
    else:
        bad = NON_SQUARE if is_point else b"\xff" * 32
    if which < 8:
        parts[which] = bad
    else:
        cred = bad
    assert _decaf_commitments(checker, parts, cred) is None


@pytest.mark.parametrize("backend", ["libdecaf", "libsodium"])
def test_a_key_or_credential_that_is_not_32_bytes_is_refused(backend: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Both libraries read 32 bytes from the election key and from a credential whatever the Python object's
    length: a shorter one would be read past its end, so the checker refuses it at once."""
    monkeypatch.setenv("MANDATE_VERIFY_BACKEND", backend)
    key, cred = group.base_mul(7), group.base_mul(3)
    assert BallotLineChecker(b"\x01" * 32, key, ("q",), {cred: "u"}).nq == 1
    for bad_key, bad_creds in ((key[:31], {cred: "u"}), (key, {cred[:31]: "u"}), (key + b"\0", {})):
        with pytest.raises(ValueError, match="32-byte"):
            BallotLineChecker(b"\x01" * 32, bad_key, ("q",), bad_creds)


def test_beta_equal_to_the_generator_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """beta - G would be the identity, where libsodium refuses to multiply: libdecaf refuses too."""
    checker = _checker(group.base_mul(7), 1, False, monkeypatch)
    parts = [group.base_mul(5), group.GENERATOR] + [enc(j) for j in range(2, 6)]
    assert _decaf_commitments(checker, parts + [enc(9), enc(10)], group.base_mul(3)) is None


# ---------------------------------------------------------------- whole ballots, damaged


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ElectionContext, dict[bytes, str], list[bytes]]:
    out = tmp_path_factory.mktemp("decaf") / "r.jsonl"
    simulate(voters=12, units=2, questions=["strike", "action_short_of_strike"], trustees=3, threshold=2,
             revote_share=0.0, challenge_share=0.0, seed=5, out=out, workers=1)
    events = [json.loads(line) for line in out.read_text().splitlines()]
    election_ev = next(e for e in events if e["type"] == "election")
    key_ev = next(e for e in events if e["type"] == "election_key")
    creds = {bytes.fromhex(c["credential"]): c["unit"]
             for e in events if e["type"] == "credentials" for c in e["payload"]["entries"]}
    ctx = ElectionContext(bytes.fromhex(key_ev["hash"]), bytes.fromhex(key_ev["payload"]["public_key"]),
                          tuple(q["id"] for q in election_ev["payload"]["questions"]))
    lines = [line.encode() for line in out.read_text().splitlines() if '"type":"ballot"' in line]
    return out, ctx, creds, lines


def _ordinary(line: bytes, ctx: ElectionContext, creds: dict[bytes, str]) -> tuple[Any, ...] | None:
    ev, computed, _ = parse_event_line(line)
    if ev is None or ev["type"] != "ballot" or computed is None or computed.hex() != ev["hash"]:
        return None
    try:
        r = check_ballot_payload(ev["payload"], ctx, creds)
    except Exception:  # noqa: BLE001 - the verifier turns this into a failed check
        return None
    b = r.ballot
    if r.failed or b is None:
        return None
    return (ev["seq"], ev["parent"], ev["hash"], computed, b.credential, creds[b.credential],
            ev["payload"]["tracking_code"], tuple((a.ciphertext.alpha, a.ciphertext.beta) for a in b.answers))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 11), pos=st.floats(0, 1, exclude_max=True), ch=st.sampled_from(b"0123456789abcdef"))
def test_damaged_ballots_agree_on_both_libraries(election: Any, n: int, pos: float, ch: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _, ctx, creds, lines = election
    decaf = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, creds)
    monkeypatch.setenv("MANDATE_VERIFY_BACKEND", "libsodium")
    sodium = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, creds)
    line = lines[n % len(lines)]
    j = int(pos * len(line))
    damaged = line[:j] + bytes([ch]) + line[j + 1:]
    for candidate in (line, damaged):
        d, s = decaf.check(candidate), sodium.check(candidate)
        assert d == s
        if d is not None:
            assert d == _ordinary(candidate, ctx, creds)
    assert decaf.check(line) is not None


@pytest.mark.parametrize("backend", ["libdecaf", "libsodium"])
def test_whole_record_on_either_library(election: Any, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = election[0]
    monkeypatch.setenv("MANDATE_VERIFY_BACKEND", backend)
    rep = verify_record(path, workers=1)
    assert rep.ok, rep.failed()
    assert rep.ballots == 12
    assert rep.arithmetic == backend  # what the report says it used


@pytest.mark.parametrize("backend", ["libdecaf", "libsodium"])
def test_a_repeated_key_goes_to_the_ordinary_path(election: Any, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid ballot line with a key given a second time, first with a wrong value: the event's hash covers the
    object a reader keeping the last value sees (the valid ballot), so only the repeated key is wrong. The fast
    path does not accept it, and the ordinary path refuses the line (check 1)."""
    _, ctx, creds, lines = election
    monkeypatch.setenv("MANDATE_VERIFY_BACKEND", backend)
    fast = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, creds)
    line = lines[0]
    assert fast.check(line) is not None
    for needle, wrong in ((b'"payload":{', b'"tracking_code":"' + b"0" * 64 + b'",'),
                          (b'"signature":{', b'"c":"' + b"0" * 64 + b'",'),
                          (b'{"seq":', b'99,"seq":')):
        assert needle in line
        repeated = line.replace(needle, needle + wrong, 1)
        assert fast.check(repeated) is None
        ev, _computed, err = parse_event_line(repeated)
        assert ev is None and err is not None and "twice" in err
