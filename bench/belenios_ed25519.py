"""A like-for-like estimate of Belenios's ballot verification on Ed25519, the group its releases use by default
since 2.1 (the Debian package this project can run, belenios-tool 2.0, has only the finite-field BELENIOS-2048).

Belenios 3.3.0 (github:glondu/belenios, tag 3.3.0, commit 337887b) verifies a ballot in `check_ballot`
(src/lib/v1/election.ml) and `verify_answer` / `eg_disj_verify` (src/lib/v1/question_h.ml); its Ed25519 group
(src/lib/core/ed25519_libsodium.ml) calls libsodium for every operation: `check` is
`crypto_core_ed25519_is_valid_point`, `p **~ n` is `crypto_scalarmult_ed25519_noclamp` (for the generator too:
no fixed-base table) and `a *~ b` is `crypto_core_ed25519_add`. Per ballot:

- the signature: `G.check credential`, then `(g **~ response) *~ (credential **~ challenge)`, one hash;
- per homomorphic question with n answers (each 0 or 1) and min..max answers chosen:
  - per answer, `eg_disj_verify y d01` (d01 = [1; g^-1]): `check alpha`, `check beta`, and for each of the 2
    disjuncts `(g **~ response) *~ (alpha **~ challenge)` and `(y **~ response) *~ ((beta *~ d_i) **~ challenge)`,
    one hash;
  - the overall proof: the choices summed (`eg_combine`, 2 additions per answer), `make_d min max`
    (`g **~ min`, then max - min additions), and `eg_disj_verify y d` over the sum with max - min + 1 disjuncts.

This module replays exactly those calls, in that order, through the libsodium that rbcl bundles (the one the
project uses), on real ballots made here the way Belenios makes them (the same proofs: a verification that does
not hold fails), and times them. What it leaves out makes the estimate *faster* than Belenios would be: its JSON
parsing, its conversions between its OCaml and libsodium point representations, and OCaml's own costs; the
hashes are SHA-256 over hexadecimal points, as Belenios's are, but the replay's Python calls add about a
microsecond each.

    .venv/bin/python bench/belenios_ed25519.py --ballots 2000 --questions 2
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass

from rbcl._sodium import _sodium as _lib  # the libsodium bundled by rbcl (as src/mandate/crypto/group.py)

L = 2**252 + 27742317777372353535851937790883648493  # the order of Ed25519's prime-order subgroup
_smul = _lib.crypto_scalarmult_ed25519_noclamp
_add = _lib.crypto_core_ed25519_add
_valid = _lib.crypto_core_ed25519_is_valid_point
OPS: Counter[str] = Counter()


def _sc(n: int) -> bytes:
    return (n % L).to_bytes(32, "little")


def smul(p: bytes, n: int) -> bytes:
    OPS["smul"] += 1
    out = ctypes.create_string_buffer(32)
    if n % L == 0:  # libsodium refuses an identity result; Belenios then falls back to its pure OCaml group
        return IDENTITY
    if _smul(out, _sc(n), p) != 0:
        raise ValueError("scalarmult refused")
    return out.raw


def add(p: bytes, q: bytes) -> bytes:
    OPS["add"] += 1
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    out = ctypes.create_string_buffer(32)
    if _add(out, p, q) != 0:
        raise ValueError("add refused")
    return out.raw


def check(p: bytes) -> bool:
    OPS["check"] += 1
    return _valid(p) == 1


def neg(p: bytes) -> bytes:
    """Belenios's `invert` negates the point's coordinates in OCaml (no libsodium call): here, flip the sign bit
    of x in the encoding (x is never 0 for the points negated here, g and g^min)."""
    return p[:31] + bytes([p[31] ^ 0x80]) if p != IDENTITY else p


IDENTITY = (1).to_bytes(32, "little")
_base = ctypes.create_string_buffer(32)
_lib.crypto_scalarmult_ed25519_base_noclamp(_base, _sc(1))
G = _base.raw


def H(prefix: str, points: list[bytes]) -> int:
    OPS["hash"] += 1
    s = prefix + ",".join(p.hex() for p in points)
    return int.from_bytes(hashlib.sha256(s.encode()).digest(), "big") % L


def rnd() -> int:
    return secrets.randbelow(L - 1) + 1


@dataclass
class Setup:
    y: bytes  # the election's public key
    ginv: bytes  # g^-1
    questions: list[tuple[int, int, int]]  # (answers, min, max)


def disj_prove(s: Setup, d: list[bytes], zkp: str, x: int, r: int, alpha: bytes, beta: bytes) -> list[tuple[int, int]]:
    n = len(d)
    proofs: list[tuple[int, int]] = [(0, 0)] * n
    com: list[bytes] = [G] * (2 * n)
    total = 0
    for i in range(n):
        if i == x:
            continue
        c, v = rnd(), rnd()
        proofs[i] = (c, v)
        com[2 * i] = smul(G, v + r * c)
        com[2 * i + 1] = add(smul(s.y, v), smul(add(beta, d[i]), c))
        total += c
    w = rnd()
    com[2 * x], com[2 * x + 1] = smul(G, w), smul(s.y, w)
    c = (H(f"prove|{zkp}|{alpha.hex()},{beta.hex()}|", com) - total) % L
    proofs[x] = (c, (w - r * c) % L)
    return proofs


def disj_verify(s: Setup, d: list[bytes], zkp: str, proofs: list[tuple[int, int]], alpha: bytes, beta: bytes) -> bool:
    if not (check(alpha) and check(beta)) or len(proofs) != len(d):
        return False
    com: list[bytes] = []
    total = 0
    for (c, v), di in zip(proofs, d, strict=True):
        com.append(add(smul(G, v), smul(alpha, c)))
        com.append(add(smul(s.y, v), smul(add(beta, di), c)))
        total += c
    return H(f"prove|{zkp}|{alpha.hex()},{beta.hex()}|", com) == total % L


def make_d(s: Setup, lo: int, hi: int) -> list[bytes]:
    g1 = IDENTITY if lo == 0 else smul(G, lo)
    d = [neg(g1)]
    for _ in range(hi - lo):
        d.append(add(d[-1], s.ginv))
    return d


def combine(cts: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    a, b = IDENTITY, IDENTITY
    for x, y in cts:
        a, b = add(a, x), add(b, y)
    return a, b


def make_ballot(s: Setup, votes: list[list[int]]) -> dict:
    sk = rnd()
    cred = smul(G, sk)
    zkp = f"fingerprint|{cred.hex()}"
    answers = []
    for (n, lo, hi), m in zip(s.questions, votes, strict=True):
        assert len(m) == n and lo <= sum(m) <= hi
        rs = [rnd() for _ in m]
        cts = [(smul(G, r), add(smul(s.y, r), smul(G, x) if x else IDENTITY)) for r, x in zip(rs, m, strict=True)]
        d01 = [IDENTITY, s.ginv]
        ind = [disj_prove(s, d01, zkp, x, r, a, b) for x, r, (a, b) in zip(m, rs, cts, strict=True)]
        z = zkp + "|" + ",".join(f"{a.hex()},{b.hex()}" for a, b in cts)
        sa, sb = combine(cts)
        overall = disj_prove(s, make_d(s, lo, hi), z, sum(m) - lo, sum(rs) % L, sa, sb)
        answers.append({"choices": cts, "individual": ind, "overall": overall})
    body = json.dumps([[[a.hex(), b.hex()] for a, b in q["choices"]] for q in answers])
    w = rnd()
    c = H(f"sig|{cred.hex()}|{body}", [smul(G, w)])
    return {"credential": cred, "answers": answers, "signature": (c, (w - sk * c) % L), "body": body}


def verify_ballot(s: Setup, b: dict) -> bool:
    """Belenios's `check_ballot` on Ed25519, call for call (see the module's docstring)."""
    cred, (c, v) = b["credential"], b["signature"]
    if not check(cred) or H(f"sig|{cred.hex()}|{b['body']}", [add(smul(G, v), smul(cred, c))]) != c:
        return False
    zkp = f"fingerprint|{cred.hex()}"
    d01 = [IDENTITY, s.ginv]
    for (_n, lo, hi), q in zip(s.questions, b["answers"], strict=True):
        if not all(disj_verify(s, d01, zkp, p, a, bb) for p, (a, bb) in zip(q["individual"], q["choices"],
                                                                          strict=True)):
            return False
        z = zkp + "|" + ",".join(f"{a.hex()},{bb.hex()}" for a, bb in q["choices"])
        sa, sb = combine(q["choices"])
        if not disj_verify(s, make_d(s, lo, hi), z, q["overall"], sa, sb):
            return False
    return True


def op_costs(reps: int = 2000) -> dict[str, float]:
    """CPU microseconds of one call of each libsodium operation through this replay's Python wrappers."""
    p, q = smul(G, rnd()), smul(G, rnd())
    n = rnd()
    out = {}
    for name, f in (("smul", lambda: smul(p, n)), ("add", lambda: add(p, q)), ("check", lambda: check(p))):
        t = time.process_time()
        for _ in range(reps):
            f()
        out[name] = (time.process_time() - t) / reps * 1e6
    return out


def run(ballots: int, questions: int) -> dict:
    """Make `ballots` ballots of `questions` yes/no questions (answers Yes and No, exactly one chosen: the shape
    of the bench's Belenios election) and time their verification (CPU time, one core)."""
    s = Setup(y=smul(G, rnd()), ginv=neg(G), questions=[(2, 1, 1)] * questions)
    made = [make_ballot(s, [[1, 0] if (i + k) % 3 else [0, 1] for k in range(questions)]) for i in range(ballots)]
    bad = make_ballot(s, [[1, 0]] * questions)
    bad["answers"][0]["individual"][0][0] = (bad["answers"][0]["individual"][0][0][0] + 1, 0)
    assert not verify_ballot(s, bad), "a damaged proof must fail"
    OPS.clear()
    t = time.process_time()
    assert all(verify_ballot(s, b) for b in made)
    cpu = time.process_time() - t
    per = {k: v / ballots for k, v in OPS.items()}
    costs = op_costs()
    libsodium_only = sum(per[k] * costs[k] for k in ("smul", "add", "check")) / 1e6
    return {"ballots": ballots, "questions": questions, "verify_cpu_s": cpu, "cpu_ms_per_ballot": cpu / ballots * 1e3,
            "ballots_per_cpu_s": ballots / cpu, "ops_per_ballot": per, "op_us": costs,
            "libsodium_ms_per_ballot": libsodium_only * 1e3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ballots", type=int, default=2000)
    ap.add_argument("--questions", type=int, default=2)
    a = ap.parse_args()
    r = run(a.ballots, a.questions)
    print(f"Belenios on Ed25519, replayed with libsodium: {r['ballots']:,} ballots of {r['questions']} questions, "
          f"{r['cpu_ms_per_ballot']:.2f} ms CPU per ballot = {r['ballots_per_cpu_s']:,.0f} ballots per CPU-second; "
          f"per ballot {r['ops_per_ballot']}; one call (us): {r['op_us']}")
    print(json.dumps(r))


if __name__ == "__main__":
    main()
