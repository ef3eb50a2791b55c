"""Running every check over a record: the set-up in order, then every other line in worker processes, then the
record's own checks (1-3, 21: readable, chained, in order, extending an earlier head) and the count (16-24) in
order. The figures the checks proved go into the report's ``verified`` when every check passed."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.postal import POSTAL_VOTE_STANDS, PostalVotes
from mandate.crypto.record import GENESIS_PARENT, read_lines
from mandate.crypto.verifier.ballots import (
    SHARED,
    BadLine,
    BallotLine,
    CastBallot,
    Chunk,
    EventLine,
    Head,
    check_challenge,
    check_lines,
    check_range,
    unique_tracking_codes,
)
from mandate.crypto.verifier.checks import (
    BALLOT_CHECKS,
    POSTAL_CHECKS,
    SETUP_CHECKS,
    TALLY_CHECKS,
    Check,
)
from mandate.crypto.verifier.events import parse_event_line
from mandate.crypto.verifier.postal import (
    combined_result,
    double_votes,
    not_checked,
    postal_applies,
    postal_votes,
    set_aside_still_counted,
)
from mandate.crypto.verifier.report import (
    BallotCounts,
    Figures,
    QuestionResult,
    Report,
    UnitResult,
    Verified,
)
from mandate.crypto.verifier.setup import SETUP_TYPES, Setup, setup_event
from mandate.crypto.verifier.tally import (
    Count,
    Events,
    Tally,
    decryption_shares,
    encrypted_tally,
    end_of_voting,
    result_values,
)

PHASE = {"election": 0, "dkg_commit": 1, "dkg_reveal": 2, "election_key": 3, "credentials": 4, "ballot": 5,
         "challenge": 5, "end_of_voting": 6, "postal_votes": 7, "encrypted_tally": 8, "decryption_share": 9,
         "result": 10}
CHUNK = 500  # lines per worker task
PARALLEL_FROM = 1000  # fewer lines than this after the set-up: checked in this process


@dataclass
class Run:
    """One verification's state between its steps."""

    rep: Report
    complete_required: bool
    st: Setup = field(default_factory=Setup)
    heads: list[Head | None] = field(default_factory=list)
    events: dict[int, EventLine] = field(default_factory=dict)
    ballots: list[CastBallot] = field(default_factory=list)
    sums: dict[tuple[str, int], Ciphertext] = field(default_factory=dict)
    tally: Tally | None = None
    postal: PostalVotes | None = None
    count: Count | None = None


def verify_record(
    path: Path | str,
    *,
    workers: int | None = None,
    since: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run every check over the record at path. ``since``: an earlier head hash this record must extend.

    Never raises on a damaged record: every read, parse or decode error is a failed named check. An error in the
    verifier itself is reported as such (``report.error``), never as a check of the record."""
    t0 = time.perf_counter()
    rep = Report.new(since is not None)
    try:
        lines = read_lines(Path(path))
    except OSError as exc:
        rep.fail(Check.RECORD_READABLE, f"cannot read the record: {exc}")
        for n in Check:
            if n != Check.RECORD_READABLE:
                rep.skip(n, "not reached")
        return rep
    run = Run(rep, complete_required=since is None)
    try:
        _verify_lines(run, lines, workers, since, progress)
        if rep.ok and run.complete_required:
            rep.verified = _verified(run)
    except Exception as exc:  # noqa: BLE001 - the verifier must report, never crash
        rep.stopped(exc)
    finally:
        SHARED.clear()  # drop the record's lines and the election's checker
    rep.seconds = time.perf_counter() - t0
    return rep


def check_setup(run: Run, lines: list[bytes]) -> int:
    """Checks 4-8 over the set-up events at the start of the record, in order; returns the index of the first line
    after them."""
    rep, st = run.rep, run.st
    i = 0
    while i < len(lines):
        ev, computed, err = parse_event_line(lines[i])
        if ev is not None and ev["type"] not in SETUP_TYPES:
            break
        if ev is None or computed is None:
            rep.fail(Check.RECORD_READABLE, f"line {i + 1}: {err}")
            run.heads.append(None)
            st.ok = False
        else:
            run.heads.append(Head(ev["seq"], ev["type"], ev["parent"], ev["hash"], computed))
            setup_event(rep, st, ev, computed)
        i += 1
    return i


def _check_rest(run: Run, rest: list[bytes], start: int, workers: int | None,
                progress: Callable[[int, int], None] | None) -> list[Chunk]:
    """Every line after the set-up, in chunks, in worker processes where there are enough."""
    ctx = run.st.context()
    SHARED.set(ctx, run.st.cred_units, rest, run.st.fast_checker(ctx) if ctx is not None else None)
    spans = [(a, min(len(rest), a + CHUNK)) for a in range(0, len(rest), CHUNK)]
    nworkers = workers or os.cpu_count() or 1
    chunks: list[Chunk] = []
    done = 0
    if nworkers > 1 and len(rest) > PARALLEL_FROM:
        with ProcessPoolExecutor(max_workers=nworkers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(check_range, start, a, b) for a, b in spans]
            for fut, (a, b) in zip(futures, spans, strict=True):
                chunks.append(fut.result())
                done += b - a
                if progress:
                    progress(done, len(rest))
    else:
        for a, b in spans:
            chunks.append(check_lines(start + a, rest[a:b]))
            done += b - a
            if progress:
                progress(done, len(rest))
    return chunks


def _merge(run: Run, chunks: list[Chunk]) -> None:
    """The workers' results, in record order: failed lines, events, ballots and their checks, the sums."""
    rep = run.rep
    for chunk in chunks:
        for key, (alpha, beta) in chunk.sums.items():
            ct = Ciphertext(alpha, beta)
            run.sums[key] = ct if key not in run.sums else run.sums[key] + ct
        for line in chunk.lines:
            if isinstance(line, BadLine):
                rep.fail(Check.RECORD_READABLE, f"line {line.position + 1}: {line.error}")
                run.heads.append(None)
                continue
            run.heads.append(line.head)
            if isinstance(line, EventLine):
                run.events[line.position] = line
                continue
            assert isinstance(line, BallotLine)
            rep.ballots += 1
            for c in line.failed:
                rep.fail(c, f"event {line.head.seq}: {line.message}")
            run.ballots.append(CastBallot(line.position, line.credential, line.tracking_code, line.ciphertexts))


def _verify_lines(run: Run, lines: list[bytes], workers: int | None, since: str | None,
                  progress: Callable[[int, int], None] | None) -> None:
    rep, st = run.rep, run.st
    rep.events = len(lines)
    if not lines:
        rep.fail(Check.RECORD_READABLE, "the record is empty")
    start = check_setup(run, lines)
    _merge(run, _check_rest(run, lines[start:], start, workers, progress))
    _chain(run, since)
    types = [h.type if h else None for h in run.heads]
    _order(run, types)
    _count(run)
    if not st.ok and st.manifest is None:
        for n in SETUP_CHECKS:
            if rep.passed(n):
                rep.skip(n, "no election setup")


def _chain(run: Run, since: str | None) -> None:
    """Checks 2 and 21: each line's sequence number, parent and hash; the earlier head is one of this record's."""
    rep = run.rep
    prev = GENESIS_PARENT.hex()
    for n, head in enumerate(run.heads):
        if head is None:
            prev = "?"
            continue
        if head.seq != n:
            rep.fail(Check.RECORD_CHAIN, f"line {n + 1}: sequence number {head.seq}, expected {n} (event dropped, "
                                         "added or moved)")
        if head.parent != prev:
            rep.fail(Check.RECORD_CHAIN, f"event {head.seq}: parent is not the previous event's hash")
        if head.claimed != head.computed.hex():
            rep.fail(Check.RECORD_CHAIN, f"event {head.seq}: hash does not match its content")
        prev = head.claimed
    rep.head = prev
    if since is not None and since.lower() not in {h.claimed for h in run.heads if h is not None}:
        rep.fail(Check.RECORD_EXTENDS, f"the earlier head {since} is not in this record")


def _order(run: Run, types: list[str | None]) -> None:
    """Check 3: the events in the protocol's order, the once-only ones once, and (without --since) complete."""
    rep, st = run.rep, run.st
    last = -1
    for n, t in enumerate(types):
        if t is None:
            continue
        ph = PHASE[t]
        if ph < last:
            rep.fail(Check.RECORD_ORDER, f"event {n} ({t}) is out of order")
        last = max(last, ph)
    if types and types[0] != "election":
        rep.fail(Check.RECORD_ORDER, "the record does not start with the election event")
    if run.complete_required and (not types or types[-1] != "result"):
        rep.fail(Check.RECORD_ORDER, "the record is incomplete: it does not end with the result")
    if types.count("result") > 1 or types.count("end_of_voting") > 1 or types.count("encrypted_tally") > 1:
        rep.fail(Check.RECORD_ORDER, "end of voting, encrypted tally and result each appear once")
    if st.n and types.count("dkg_commit") != st.n:
        rep.fail(Check.TRUSTEES_COMMIT_BEFORE_REVEAL, f"{types.count('dkg_commit')} trustee commitments for "
                                                      f"{st.n} trustees")


def _count(run: Run) -> None:
    """Checks 14-24 across events: tracking codes and challenges, then the count."""
    rep, st = run.rep, run.st
    complete_required = run.complete_required
    ctx = st.context()
    cast = unique_tracking_codes(rep, run.ballots)
    events: Events = {}
    for idx in sorted(run.events):
        events.setdefault(run.events[idx].event["type"], []).append(run.events[idx].event)
    for idx in sorted(run.events):
        if run.events[idx].event["type"] == "challenge":
            check_challenge(rep, st, ctx, run.events[idx], cast)
    applies = postal_applies(st, events)
    if not applies:
        for n in POSTAL_CHECKS:
            rep.skip(n, "not a hybrid ballot: the record holds no postal votes")
    if ctx is None:
        _without_setup(run)
        return
    count = run.count = Count.of(run.ballots)
    eov = events.get("end_of_voting", [])
    if applies:
        _postal_and_double_votes(run, events, count, bool(eov))
    count.subtract_uncounted(st, run.sums)
    if not eov:
        for n in TALLY_CHECKS:
            if complete_required:
                rep.fail(n, "the record has no end of voting")
            else:
                rep.skip(n, "voting has not ended in this record")
        return
    end_of_voting(rep, count, events)
    run.tally = encrypted_tally(rep, st, count, events, complete_required)
    if run.tally is not None:
        set_aside_still_counted(rep, st, count, run.tally)
        decryption_shares(rep, st, run.tally, events)
        result_values(rep, st, run.tally, events, complete_required)
    if applies:
        combined_result(rep, st, events, run.postal, run.tally, complete_required)


def _without_setup(run: Run) -> None:
    """Without a valid set-up, the checks after it cannot be made: failed where there is something to check
    (ballots; without --since, the count), skipped otherwise."""
    rep = run.rep
    for n in (*BALLOT_CHECKS, *TALLY_CHECKS, *POSTAL_CHECKS):
        if n == Check.BALLOTS_TRACKING_CODES or not rep.passed(n):
            continue
        if (n in BALLOT_CHECKS and run.ballots) or (n not in BALLOT_CHECKS and run.complete_required):
            rep.fail(n, "cannot be checked: the election setup is missing or invalid")
        else:
            rep.skip(n, "no valid election setup")


def _postal_and_double_votes(run: Run, events: Events, count: Count, voting_ended: bool) -> None:
    """A hybrid ballot: the scrutineer's postal votes (22) and the members who voted twice (23), which set aside
    the online ballots of members whose postal vote stands before the tallies are checked."""
    rep, st = run.rep, run.st
    if not voting_ended:
        not_checked(rep, run.complete_required, "the record has no end of voting",
                    "voting has not ended in this record")
        return
    run.postal = postal_votes(rep, st, events, run.complete_required)
    if run.postal is not None:
        double_votes(rep, st, run.postal, count)


def _verified(run: Run) -> Verified | None:
    """The figures every check proved, for a complete record that passed them all."""
    st, t, count = run.st, run.tally, run.count
    if t is None or count is None or st.fingerprint is None or not t.online:
        return None
    events: Events = {}
    for line in run.events.values():
        events.setdefault(line.event["type"], []).append(line.event)
    result: dict[str, Any] = events["result"][0]["payload"]
    hybrid = st.hybrid is not None
    postal = {(r["unit"], r["question"]): r for r in result.get("postal", [])} if hybrid else {}
    combined = {(r["unit"], r["question"]): r for r in result.get("combined", [])} if hybrid else {}
    by_unit = {u.unit: u for u in run.postal.units} if run.postal is not None else {}
    units = []
    for u in st.units:
        questions = []
        for q in st.questions:
            yes, no = t.online[(u, q)]
            p, c = postal.get((u, q)), combined.get((u, q))
            questions.append(QuestionResult(
                q, Figures(yes, no),
                Figures(p["yes"], p["no"], p["spoilt"]) if p else None,
                Figures(c["yes"], c["no"], c["spoilt"]) if c else None))
        pu = by_unit.get(u)
        units.append(UnitResult(u, st.unit_names.get(u, u), count.unit_counts.get(u, 0), tuple(questions),
                                pu.papers if pu else None, pu.set_aside if pu else None))
    counted = sum(count.unit_counts.values())
    set_aside = len(count.aside)
    rule = st.hybrid.rule if st.hybrid is not None else None
    assert rule is None or set_aside == 0 or rule == POSTAL_VOTE_STANDS
    ballots = BallotCounts(cast=len(count.ballots), counted=counted,
                           replaced=len(count.ballots) - len(count.counted), set_aside=set_aside,
                           challenged=len(events.get("challenge", [])))
    return Verified(st.title, st.election_id, st.fingerprint.hex(), ballots, tuple(units), rule)

