"""Differential check of the verifier's fast path against its ordinary path, on damaged ballots.

The fast path (mandate.crypto.fastpath) may only accept a ballot that the ordinary path accepts, with the same
result. This script simulates a small election, then damages its ballots in many ways (random character
changes anywhere in the line, and targeted ones: bit 255 set, the identity, zero or unreduced scalars, upper-case
hex, swapped proofs or answers, another voter's credential, a changed question or tracking code, extra
whitespace) and, for every damaged line and every damaged payload, compares the two paths. It exits non-zero
on any line that the fast path accepts and the ordinary path does not, or where their results differ.

    .venv/bin/python bench/record_fastpath_diff.py --voters 200 --random 20000
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext
from mandate.crypto.fastpath import BallotLineChecker
from mandate.crypto.record import Event, event_hash, read_lines
from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import Report, parse_event_line
from mandate.crypto.verifier.ballots import check_ballot_payload
from mandate.crypto.verifier.verify import Run, check_setup

HEX = "0123456789abcdefABCDEF"


def slow_line(line: bytes, ctx: ElectionContext, creds: dict[bytes, str]) -> tuple[Any, ...] | None:
    ev, computed, _err = parse_event_line(line)
    if ev is None or ev["type"] != "ballot" or computed is None or computed.hex() != ev["hash"]:
        return None
    r = check_ballot_payload(ev["payload"], ctx, creds)
    b = r.ballot
    if r.failed or b is None:
        return None
    cts = tuple((a.ciphertext.alpha, a.ciphertext.beta) for a in b.answers)
    return (ev["seq"], ev["parent"], ev["hash"], computed, b.credential, creds[b.credential],
            ev["payload"]["tracking_code"], cts)


def slow_payload(payload: Any, ctx: ElectionContext, creds: dict[bytes, str]) -> tuple[Any, ...] | None:
    try:
        r = check_ballot_payload(payload, ctx, creds)
    except Exception:  # noqa: BLE001 - the verifier's caller turns this into a failed check
        return None
    b = r.ballot
    if r.failed or b is None:
        return None
    return (b.credential, creds[b.credential], payload["tracking_code"],
            tuple((a.ciphertext.alpha, a.ciphertext.beta) for a in b.answers))


def _unreduced(hex_scalar: str) -> str:
    """The same scalar plus the group order (a second, non-canonical encoding), where it fits in 32 bytes."""
    k = int.from_bytes(bytes.fromhex(hex_scalar), "little") + group.ORDER
    return k.to_bytes(32, "little").hex() if k < 2**256 else "ff" * 32


def payload_mutations(p: dict[str, Any], other: dict[str, Any], rng: random.Random) -> list[Any]:
    """Targeted damage to a ballot payload."""
    out: list[Any] = []
    b = p["ballot"]

    def variant(f: Any) -> None:
        q = copy.deepcopy(p)
        f(q)
        out.append(q)

    def set_bit255(key: str, i: int) -> Any:
        def f(q: dict[str, Any]) -> None:
            raw = bytearray(bytes.fromhex(q["ballot"]["answers"][i][key]))
            raw[31] |= 0x80
            q["ballot"]["answers"][i][key] = raw.hex()
        return f

    nq = len(b["answers"])
    for i in range(nq):
        for key in ("alpha", "beta"):
            variant(set_bit255(key, i))
            variant(lambda q, i=i, key=key: q["ballot"]["answers"][i].__setitem__(key, group.IDENTITY.hex()))
            variant(lambda q, i=i, key=key: q["ballot"]["answers"][i].__setitem__(key, group.GENERATOR.hex()))
            variant(lambda q, i=i, key=key: q["ballot"]["answers"][i].__setitem__(key, "ff" * 32))
            variant(lambda q, i=i, key=key: q["ballot"]["answers"][i].__setitem__(
                key, q["ballot"]["answers"][i][key].upper()))
        for s in ("c0", "c1", "v0", "v1"):
            variant(lambda q, i=i, s=s: q["ballot"]["answers"][i]["proof"].__setitem__(s, "00" * 32))
            variant(lambda q, i=i, s=s: q["ballot"]["answers"][i]["proof"].__setitem__(s, _unreduced(
                q["ballot"]["answers"][i]["proof"][s])))
        variant(lambda q, i=i: q["ballot"]["answers"][i].__setitem__("question", "other"))
        variant(lambda q, i=i: q["ballot"]["answers"][i].__setitem__("proof", other["ballot"]["answers"][i]["proof"]))
        variant(lambda q, i=i: q["ballot"]["answers"][i].__setitem__("alpha", other["ballot"]["answers"][i]["alpha"]))
        variant(lambda q, i=i: q["ballot"]["answers"][i].__setitem__("extra", 1))
    if nq > 1:
        variant(lambda q: q["ballot"]["answers"].reverse())
        variant(lambda q: q["ballot"]["answers"].pop())
        variant(lambda q: q["ballot"]["answers"][0].__setitem__("proof", q["ballot"]["answers"][1]["proof"]))
    variant(lambda q: q["ballot"]["answers"].append(q["ballot"]["answers"][0]))
    variant(lambda q: q["ballot"].__setitem__("credential", other["ballot"]["credential"]))
    variant(lambda q: q["ballot"].__setitem__("signature", other["ballot"]["signature"]))
    variant(lambda q: q["ballot"]["signature"].__setitem__("c", "00" * 32))
    variant(lambda q: q["ballot"]["signature"].__setitem__("v", "00" * 32))
    variant(lambda q: q["ballot"]["signature"].__setitem__("c", _unreduced(q["ballot"]["signature"]["c"])))
    variant(lambda q: q["ballot"].__setitem__("election", "00" * 32))
    variant(lambda q: q.__setitem__("tracking_code", other["tracking_code"]))
    variant(lambda q: q.__setitem__("tracking_code", q["tracking_code"].upper()))
    variant(lambda q: q.__setitem__("reveal", []))
    # random single-digit changes in every hex string
    for _ in range(20):
        def f(q: dict[str, Any]) -> None:
            strings: list[tuple[dict[str, Any], str]] = [(q, "tracking_code"), (q["ballot"], "credential"),
                                                         (q["ballot"], "election"),
                                                         (q["ballot"]["signature"], "c"),
                                                         (q["ballot"]["signature"], "v")]
            for a in q["ballot"]["answers"]:
                strings += [(a, "alpha"), (a, "beta")] + [(a["proof"], s) for s in ("c0", "c1", "v0", "v1")]
            d, k = rng.choice(strings)
            s = d[k]
            j = rng.randrange(len(s))
            d[k] = s[:j] + rng.choice(HEX) + s[j + 1:]
        variant(f)
    return out


def line_mutations(line: bytes, rng: random.Random, n: int) -> list[bytes]:
    out = [line + b" ", b" " + line, line.replace(b'"type":"ballot"', b'"type":"challenge"'),
           line.replace(b'"seq":', b'"seq":1', 1), line.replace(b'"seq":', b'"seq":-', 1),
           # a repeated key, whose first value a reader that keeps the last one would never see
           line.replace(b'"payload":{', b'"payload":{"tracking_code":"' + b"0" * 64 + b'",', 1),
           line.replace(b'"answers":[{', b'"answers":[{"alpha":"' + b"1" * 64 + b'",', 1),
           line.replace(b'{"seq":', b'{"seq":99,"seq":', 1)]
    for _ in range(n):
        j = rng.randrange(len(line))
        out.append(line[:j] + bytes([rng.choice(b'0123456789abcdefABCDEF{}[]",: x')]) + line[j + 1:])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voters", type=int, default=200)
    ap.add_argument("--random", type=int, default=20000, help="random one-character changes to lines, in all")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.jsonl"
        simulate(voters=args.voters, units=2, questions=["strike", "action_short_of_strike"], trustees=3,
                 threshold=2, revote_share=0.05, challenge_share=0.02, seed=args.seed, out=out, workers=1)
        lines = read_lines(out)
    # the verifier's own set-up checks give the election context and the credential list
    run = Run(Report.new(False), complete_required=True)
    check_setup(run, lines)
    assert run.st.ok and run.rep.ok, run.rep.failed()
    context = run.st.context()
    assert context is not None
    ctx: ElectionContext = context
    creds: dict[bytes, str] = run.st.cred_units
    fast = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, creds)
    ballots = [ln for ln in lines if b'"type":"ballot"' in ln]
    stats = {"lines": 0, "lines_both_accept": 0, "lines_slow_only": 0, "payloads": 0, "payloads_both_accept": 0,
             "payloads_slow_only": 0, "rehashed_lines": 0, "rehashed_both_accept": 0, "rehashed_slow_only": 0}
    bad: list[str] = []
    for ln in ballots:  # every cast ballot of the simulation is valid, and the fast path takes it
        f0 = fast.check(ln)
        assert f0 is not None and f0 == slow_line(ln, ctx, creds), ln[:120]
    per_line = max(1, args.random // len(ballots))
    for n, ln in enumerate(ballots):
        for m in [ln, *line_mutations(ln, rng, per_line)]:
            stats["lines"] += 1
            f, s = fast.check(m), slow_line(m, ctx, creds)
            if f is not None and f != s:
                bad.append(f"line {m[:120]!r}: fast {f is not None}, ordinary {s is not None}")
            stats["lines_both_accept"] += f is not None
            stats["lines_slow_only"] += f is None and s is not None
        payload = json.loads(ln)["payload"]
        other = json.loads(ballots[(n + 1) % len(ballots)])["payload"]
        for q in [payload, *payload_mutations(payload, other, rng)]:
            stats["payloads"] += 1
            f2, s2 = fast.check_payload(q), slow_payload(q, ctx, creds)
            if f2 is not None and f2 != s2:
                bad.append(f"payload {json.dumps(q)[:120]}: fast {f2 is not None}, ordinary {s2 is not None}")
            stats["payloads_both_accept"] += f2 is not None
            stats["payloads_slow_only"] += f2 is None and s2 is not None
            # the same damage in an event whose hash is recomputed, so that only the ballot's checks can fail
            ev = json.loads(ln)
            try:
                h = event_hash(ev["seq"], "ballot", bytes.fromhex(ev["parent"]), q)
            except (TypeError, ValueError):
                continue
            m = Event(ev["seq"], "ballot", bytes.fromhex(ev["parent"]), q, h).to_line().encode()
            stats["rehashed_lines"] += 1
            f3, s3 = fast.check(m), slow_line(m, ctx, creds)
            if f3 is not None and f3 != s3:
                bad.append(f"rehashed line {m[:120]!r}: fast {f3 is not None}, ordinary {s3 is not None}")
            if (f3 is None) != (f2 is None):
                bad.append(f"rehashed line {m[:120]!r}: the line and payload fast paths disagree")
            stats["rehashed_both_accept"] += f3 is not None
            stats["rehashed_slow_only"] += f3 is None and s3 is not None
    print(json.dumps(stats))
    if bad:
        print(f"{len(bad)} disagreements where the fast path accepted:")
        print("\n".join(bad[:20]))
        sys.exit(1)
    print("the fast path accepted nothing that the ordinary path rejects, and agreed on every result")


if __name__ == "__main__":
    main()
