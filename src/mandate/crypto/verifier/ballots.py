"""The ballots' checks (9-15), run in worker processes over chunks of the record, and what the workers return.

Every line after the set-up goes through a worker: a ballot event first through the fast path
(:mod:`mandate.crypto.fastpath`), which accepts only a ballot that passes every check; anything else, valid or
not, takes the ordinary path here, which names the failed checks. A worker also checks the costly part of each
challenge and adds the ciphertexts of every valid ballot per (unit, question) as it goes. It returns a
:class:`Chunk`: one :class:`BadLine`, :class:`EventLine` or :class:`BallotLine` per line, in order, and the sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import (
    Ballot,
    ElectionContext,
    check_ballot,
    check_reveal,
    parse_ballot,
    tracking_code,
)
from mandate.crypto.fastpath import BallotLineChecker, TallyAccumulator
from mandate.crypto.verifier.checks import Check
from mandate.crypto.verifier.events import parse_event_line
from mandate.crypto.verifier.report import Report
from mandate.crypto.verifier.setup import Setup

Ciphertexts = tuple[tuple[bytes, bytes], ...]  # (alpha, beta) per question, in the election's order

_FAILED = {"election": Check.BALLOTS_ELECTION, "questions": Check.BALLOTS_WELL_FORMED,
           "signature": Check.BALLOTS_SIGNATURE, "proof": Check.BALLOTS_PROOFS}


@dataclass(frozen=True)
class Head:
    """What the chain check (2) needs of each line: its sequence number, type, parent and claimed hash (hex), and
    the hash recomputed from its content."""

    seq: int
    type: str
    parent: str
    claimed: str
    computed: bytes


@dataclass(frozen=True)
class BallotCheck:
    """The ordinary path's verdict on one ballot payload: the ballot where it decodes, and the checks it fails."""

    ballot: Ballot | None
    failed: tuple[Check, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class ChallengeOutcome:
    """A challenge's costly checks: the checks its ballot fails, and whether its reveal opens it (None if not
    looked at, because the ballot fails)."""

    failed: tuple[Check, ...]
    message: str
    reveal_opens: bool | None


@dataclass(frozen=True)
class BadLine:
    position: int
    error: str


@dataclass(frozen=True)
class EventLine:
    position: int
    head: Head
    event: dict[str, Any]
    challenge: ChallengeOutcome | None = None  # a challenge's checks, where the worker could make them


@dataclass(frozen=True)
class BallotLine:
    position: int
    head: Head
    credential: bytes | None  # where the ballot decodes
    tracking_code: Any
    ciphertexts: Ciphertexts  # empty unless the ballot passed every check
    failed: tuple[Check, ...] = ()
    message: str = ""


Line = BadLine | EventLine | BallotLine


@dataclass
class Chunk:
    lines: list[Line]
    sums: dict[tuple[str, int], tuple[bytes, bytes]]  # (unit, question index) -> sum of the valid ballots


@dataclass
class Shared:
    """What every worker needs, set before the workers fork (so only line indices cross processes)."""

    ctx: ElectionContext | None = None
    cred_units: dict[bytes, str] = field(default_factory=dict)
    lines: Sequence[bytes] = ()
    fast: BallotLineChecker | None = None

    def set(self, ctx: ElectionContext | None, cred_units: dict[bytes, str], lines: Sequence[bytes],
            fast: BallotLineChecker | None) -> None:
        self.ctx, self.cred_units, self.lines, self.fast = ctx, cred_units, lines, fast

    def clear(self) -> None:
        self.set(None, {}, (), None)


SHARED = Shared()


def check_ballot_payload(payload: Any, ctx: ElectionContext, cred_units: dict[bytes, str],
                         fast: BallotLineChecker | None = None) -> BallotCheck:
    """Every check of one ballot payload (9-14). With ``fast``, a ballot that passes its fast path is only parsed;
    any other goes through every check here, which names what failed."""
    if fast is not None and fast.check_payload(payload) is not None:
        return BallotCheck(parse_ballot(payload["ballot"]))
    if not isinstance(payload, dict) or set(payload) != {"ballot", "tracking_code"}:
        return BallotCheck(None, (Check.BALLOTS_WELL_FORMED,),
                           "a ballot event's payload has exactly: ballot, tracking_code")
    try:
        b = parse_ballot(payload["ballot"])
    except (group.DecodeError, ValueError, TypeError, KeyError) as exc:
        return BallotCheck(None, (Check.BALLOTS_WELL_FORMED,), f"ballot does not decode: {exc}")
    if b.credential not in cred_units:
        # the election check first: a ballot from another election has a credential unknown here too
        if b.election != ctx.fingerprint:
            return BallotCheck(b, (Check.BALLOTS_ELECTION,), "ballot is for another election")
        return BallotCheck(b, (Check.BALLOTS_CREDENTIAL,), "credential not on the published list")
    failed = check_ballot(ctx, b)
    if failed:
        return BallotCheck(b, tuple(_FAILED[w] for w in failed), "ballot fails: " + ", ".join(failed))
    if tracking_code(b) != payload["tracking_code"]:
        return BallotCheck(b, (Check.BALLOTS_TRACKING_CODES,), "tracking code is not the hash of the ballot")
    return BallotCheck(b)


def challenge_checks(p: Any, ctx: ElectionContext, cred_units: dict[bytes, str],
                     fast: BallotLineChecker | None) -> ChallengeOutcome | None:
    """The costly part of a challenge's checks (15). None where the payload's shape is wrong or anything
    unexpected happens: the main process then runs the same checks itself and reports as usual."""
    try:
        if not isinstance(p, dict) or set(p) != {"ballot", "tracking_code", "reveal"}:
            return None
        r = check_ballot_payload({"ballot": p["ballot"], "tracking_code": p["tracking_code"]}, ctx, cred_units, fast)
        if r.failed:
            return ChallengeOutcome(r.failed, r.message, None)
        assert r.ballot is not None
        return ChallengeOutcome((), "", check_reveal(ctx, r.ballot, p["reveal"]))
    except Exception:  # noqa: BLE001 - left to the main process, which reports it
        return None


def check_lines(start: int, lines: Sequence[bytes]) -> Chunk:
    """Parse and check a run of lines (record positions start, start + 1, ...): every ballot in full."""
    ctx, cred_units = SHARED.ctx, SHARED.cred_units
    fast = SHARED.fast
    if ctx is not None and fast is None:
        fast = SHARED.fast = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, cred_units)
    qindex = {q: i for i, q in enumerate(ctx.questions)} if ctx else {}
    out: list[Line] = []
    acc = TallyAccumulator()
    append = out.append
    for k, line in enumerate(lines):
        pos = start + k
        if fast is not None:
            r = fast.check(line)
            if r is not None:
                seq, parent, claimed, computed, cred, unit, tc, cts = r
                for qi, (alpha, beta) in enumerate(cts):
                    acc.add((unit, qi), alpha, beta)
                append(BallotLine(pos, Head(seq, "ballot", parent, claimed, computed), cred, tc, cts))
                continue
        ev, computed, err = parse_event_line(line)
        if ev is None or computed is None:
            append(BadLine(pos, err or "unreadable"))
            continue
        head = Head(ev["seq"], ev["type"], ev["parent"], ev["hash"], computed)
        if ev["type"] != "ballot":
            challenge = None
            if ev["type"] == "challenge" and ctx is not None:
                challenge = challenge_checks(ev["payload"], ctx, cred_units, fast)
            append(EventLine(pos, head, ev, challenge))
            continue
        payload = ev["payload"]
        tc = payload.get("tracking_code")
        if ctx is None:
            append(BallotLine(pos, head, None, tc, (), (Check.BALLOTS_WELL_FORMED,),
                              "no valid election setup to check against"))
            continue
        v = check_ballot_payload(payload, ctx, cred_units)
        b = v.ballot
        if not v.failed and b is not None:
            unit = cred_units[b.credential]
            for a in b.answers:
                acc.add((unit, qindex[a.question]), a.ciphertext.alpha, a.ciphertext.beta)
            pairs = tuple((a.ciphertext.alpha, a.ciphertext.beta) for a in b.answers)
            append(BallotLine(pos, head, b.credential, tc, pairs))
        else:
            append(BallotLine(pos, head, b.credential if b else None, tc, (), v.failed, v.message))
    return Chunk(out, acc.result())


def check_range(start: int, a: int, b: int) -> Chunk:
    """In a forked worker: the lines are the parent's (inherited at fork), so only indices cross processes."""
    return check_lines(start + a, SHARED.lines[a:b])


# ---------------------------------------------------------------- in the main process: across ballots (14, 15)


@dataclass(frozen=True)
class CastBallot:
    """A ballot event as the tally needs it: its record position, credential (None if it does not decode),
    tracking code and ciphertexts (empty unless the ballot passed every check)."""

    position: int
    credential: bytes | None
    tracking_code: Any
    ciphertexts: Ciphertexts


def unique_tracking_codes(rep: Report, ballots: Sequence[CastBallot]) -> dict[Any, int]:
    """Check 14 across ballots: no tracking code twice (a replayed ballot). Returns code -> position."""
    seen: dict[Any, int] = {}
    for b in ballots:
        tc = b.tracking_code
        if not isinstance(tc, str):
            continue  # such a ballot failed its own checks
        if tc in seen:
            rep.fail(Check.BALLOTS_TRACKING_CODES, f"event {b.position}: tracking code {tc[:16]}... already used "
                                                   f"by event {seen[tc]} (replay)")
        else:
            seen[tc] = b.position
    return seen


def check_challenge(rep: Report, st: Setup, ctx: ElectionContext | None, line: EventLine,
                    cast: dict[Any, int]) -> None:
    """Check 15 for one challenge: a valid ballot, never cast, whose reveal opens it."""
    ev = line.event
    seq = ev["seq"]
    if ctx is None:
        rep.fail(Check.CHALLENGES_REVEALS, f"event {seq}: cannot check a challenge without a valid election setup")
        return
    p = ev["payload"]
    if not isinstance(p, dict) or set(p) != {"ballot", "tracking_code", "reveal"}:
        rep.fail(Check.CHALLENGES_REVEALS, f"event {seq}: a challenge has exactly: ballot, tracking_code, reveal")
        return
    outcome = line.challenge  # computed by a worker with the same functions as below
    if outcome is None:
        outcome = challenge_checks(p, ctx, st.cred_units, st.fast_checker(ctx))
    if outcome is None:
        r = check_ballot_payload({"ballot": p["ballot"], "tracking_code": p["tracking_code"]}, ctx, st.cred_units)
        opens = None if r.failed or r.ballot is None else check_reveal(ctx, r.ballot, p["reveal"])
        outcome = ChallengeOutcome(r.failed, r.message, opens)
    if outcome.failed:
        names = ", ".join(f"{int(c)} {c.label}" for c in outcome.failed)
        rep.fail(Check.CHALLENGES_REVEALS, f"event {seq}: challenged ballot invalid ({names}): {outcome.message}")
        return
    tc = p["tracking_code"]
    if isinstance(tc, str) and tc in cast:
        rep.fail(Check.CHALLENGES_REVEALS, f"event {seq}: a challenged ballot was also cast (event {cast[tc]})")
    if not outcome.reveal_opens:
        rep.fail(Check.CHALLENGES_REVEALS, f"event {seq}: the reveal does not open the challenged ballot")
