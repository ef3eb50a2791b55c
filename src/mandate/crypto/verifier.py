"""The independent verifier: a numbered list of named checks over an exported record.

It needs no database and no server. It never crashes on damaged input: every read, parse or decode error
becomes a failed named check. Ballots are checked in parallel over chunks of the record (``workers``
processes); everything else runs in order in the calling process. The checks are listed in CHECKS and in
docs/record-format.md section 7.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import (
    ElectionContext,
    check_ballot,
    check_reveal,
    parse_ballot,
    parse_bytes32,
    parse_point,
    tracking_code,
)
from mandate.crypto.credentials import PublicCredential, verify_credential_list
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.fastpath import BallotLineChecker, TallyAccumulator, backend
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.keygen import commitment_hash, election_public_key, verification_key, verify_pok
from mandate.crypto.postal import (
    ONLINE_VOTE_STANDS,
    POSTAL_VOTE_STANDS,
    STANDS,
    Hybrid,
    PostalFormatError,
    PostalVotes,
    parse_hybrid,
    parse_postal_votes,
    verify_postal_votes,
)
from mandate.crypto.proofs import ChallengeResponse
from mandate.crypto.record import EVENT_TYPES, GENESIS_PARENT, event_hash, read_lines
from mandate.crypto.tally import combine, share_context, verify_share

CHECKS: tuple[tuple[int, str, str], ...] = (
    (1, "record.readable", "The record reads, and every line is a well-formed event"),
    (2, "record.chain", "Every event names its parent's hash and its own hash is right"),
    (3, "record.order", "Events come in the protocol's order and the record is complete"),
    (4, "election.parameters", "The election's parameters: group, generator, questions, units, trustees"),
    (5, "trustees.commit_before_reveal", "Every trustee committed before any revealed, and reveals match"),
    (6, "trustees.proofs", "Trustees' coefficient commitments are valid points with proofs of knowledge"),
    (7, "election.key", "The election key and trustees' verification keys follow from the commitments"),
    (8, "credentials.list", "Public credentials: signed by the credential authority, valid, unique"),
    (9, "ballots.well_formed", "Every ballot decodes: canonical points and scalars, the election's questions"),
    (10, "ballots.election", "Every ballot is for this election (fingerprint)"),
    (11, "ballots.credential", "Every ballot's credential is on the published list"),
    (12, "ballots.signature", "Every ballot's signature verifies under its credential"),
    (13, "ballots.proofs", "Every answer's zero-or-one proof verifies"),
    (14, "ballots.tracking_codes", "Tracking codes are right and unique: no ballot replayed or cloned"),
    (15, "challenges.reveals", "Every challenged ballot is valid, opens correctly and is never cast"),
    (16, "tally.revote_rule", "End of voting: counts of ballots and of counted ballots (last one counts)"),
    (17, "tally.encrypted", "Encrypted tallies are the sums of the counted ballots, per unit and question"),
    (18, "decryption.shares", "Every decryption share's proof verifies under its trustee's key"),
    (19, "decryption.threshold", "At least the threshold of distinct trustees decrypted every tally"),
    (20, "result.values", "The published result is the decryption of the encrypted tallies"),
    (21, "record.extends", "The record extends the earlier head (only with --since)"),
    (22, "postal.signature", "Postal votes (hybrid ballot): one well-formed event, signed by the scrutineer"),
    (23, "postal.no_double_count", "No member counted twice: the members who voted online and by post, the rule"),
    (24, "result.combined", "Combined result = decrypted online + the scrutineer's postal figures"),
)
POSTAL_CHECKS = (22, 23, 24)
SETUP_TYPES = ("election", "dkg_commit", "dkg_reveal", "election_key", "credentials")
_NAMES = {n: name for n, name, _ in CHECKS}


@dataclass
class CheckResult:
    number: int
    name: str
    title: str
    status: str = "pass"  # pass, fail or skip
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "title": self.title, "status": self.status,
                "details": self.details}


@dataclass
class Report:
    checks: dict[int, CheckResult]
    events: int = 0
    ballots: int = 0
    head: str = ""
    seconds: float = 0.0
    arithmetic: str = field(default_factory=backend)

    @classmethod
    def new(cls, with_since: bool) -> Report:
        checks = {n: CheckResult(n, name, title) for n, name, title in CHECKS}
        if not with_since:
            checks[21].status = "skip"
            checks[21].details.append("no earlier head given")
        return cls(checks)

    def fail(self, number: int, message: str) -> None:
        c = self.checks[number]
        c.status = "fail"
        if len(c.details) < 20:
            c.details.append(message)
        elif len(c.details) == 20:
            c.details.append("(further failures not listed)")

    def skip(self, number: int, message: str) -> None:
        c = self.checks[number]
        if c.status == "pass":
            c.status = "skip"
            c.details.append(message)

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks.values())

    def failed(self) -> list[tuple[int, str]]:
        return [(c.number, c.name) for c in self.checks.values() if c.status == "fail"]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "ballots": self.ballots, "head": self.head,
                "seconds": round(self.seconds, 3),
                "arithmetic": self.arithmetic, "checks": [c.to_json() for c in self.checks.values()]}


# ---------------------------------------------------------------- event parsing (shared with the workers)


class _FloatInRecord(ValueError):
    pass


def _refuse_float(written: str) -> Any:
    raise _FloatInRecord(f"a number with a fraction or exponent ({written[:20]}): the record holds integers only")


# json.loads with the record's rule on numbers (section 5: no floats); the bytes decoded as json.loads decodes them
_EVENT_DECODER = json.JSONDecoder(parse_float=_refuse_float)


def parse_event_line(line: bytes) -> tuple[dict[str, Any] | None, bytes | None, str | None]:
    """Returns (event, recomputed hash, error)."""
    try:
        ev = _EVENT_DECODER.decode(line.decode(json.detect_encoding(line), "surrogatepass"))
    except _FloatInRecord as exc:
        return None, None, str(exc)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, None, f"not JSON ({exc.__class__.__name__})"
    if not isinstance(ev, dict) or set(ev) != {"seq", "type", "parent", "hash", "payload"}:
        return None, None, "an event has exactly: seq, type, parent, hash, payload"
    seq, type_ = ev["seq"], ev["type"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or type_ not in EVENT_TYPES:
        return None, None, "bad seq or unknown event type"
    if not isinstance(ev["payload"], dict):
        return None, None, "payload must be an object"
    try:
        parent = parse_bytes32(ev["parent"])
        parse_bytes32(ev["hash"])
        computed = event_hash(seq, type_, parent, ev["payload"])
    except (group.DecodeError, ValueError, TypeError) as exc:
        return None, None, f"bad parent, hash or payload ({exc})"
    return ev, computed, None


# ---------------------------------------------------------------- ballot checking in worker processes

_WORKER: dict[str, Any] = {}
_FAIL_CODE = {"election": 10, "questions": 9, "signature": 12, "proof": 13}


def _check_ballot_payload(payload: Any, ctx: ElectionContext, cred_units: dict[bytes, str],
                          fast: BallotLineChecker | None = None) -> tuple[Any, Any, str]:
    """(parsed ballot or None, failed check number(s) or 0, message). With ``fast``, a ballot that passes
    its fast path is only parsed; any other goes through every check here, which names what failed."""
    if fast is not None and fast.check_payload(payload) is not None:
        return parse_ballot(payload["ballot"]), 0, ""
    if set(payload) != {"ballot", "tracking_code"}:
        return None, 9, "a ballot event's payload has exactly: ballot, tracking_code"
    try:
        b = parse_ballot(payload["ballot"])
    except (group.DecodeError, ValueError, TypeError, KeyError) as exc:
        return None, 9, f"ballot does not decode: {exc}"
    if b.credential not in cred_units:
        # the election check first: a ballot from another election has a credential unknown here too
        if b.election != ctx.fingerprint:
            return b, 10, "ballot is for another election"
        return b, 11, "credential not on the published list"
    failed = check_ballot(ctx, b)
    if failed:
        return b, tuple(_FAIL_CODE[w] for w in failed), "ballot fails: " + ", ".join(failed)
    if tracking_code(b) != payload["tracking_code"]:
        return b, 14, "tracking code is not the hash of the ballot"
    return b, 0, ""


def _worker_chunk(start: int, lines: Sequence[bytes]) -> dict[str, Any]:
    """Parse and check a run of lines (record positions start, start + 1, ...): every ballot in full.

    A ballot event goes first through the fast path (:mod:`mandate.crypto.fastpath`), which accepts only a
    ballot that passes every check; anything else, valid or not, takes the ordinary path below, which names
    the failed checks."""
    ctx: ElectionContext | None = _WORKER.get("ctx")
    cred_units: dict[bytes, str] = _WORKER.get("cred_units", {})
    fast: BallotLineChecker | None = _WORKER.get("fast")
    if ctx is not None and fast is None:
        fast = _WORKER["fast"] = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, cred_units)
    qindex = {q: i for i, q in enumerate(ctx.questions)} if ctx else {}
    entries: list[tuple[Any, ...]] = []
    acc = TallyAccumulator()
    append = entries.append
    for k, line in enumerate(lines):
        if fast is not None:
            r = fast.check(line)
            if r is not None:
                seq, parent, claimed, computed, cred, unit, tc, cts = r
                for qi, (alpha, beta) in enumerate(cts):
                    acc.add((unit, qi), alpha, beta)
                append((start + k, (seq, "ballot", parent, claimed, computed), ("ballot", cred, tc, cts, 0, ""),
                        None))
                continue
        ev, computed, err = parse_event_line(line)
        if ev is None:
            append((start + k, None, None, err))
            continue
        head = (ev["seq"], ev["type"], ev["parent"], ev["hash"], computed)
        if ev["type"] != "ballot":
            if ev["type"] == "challenge" and ctx is not None:
                ev = dict(ev, _checked=_challenge_checks(ev["payload"], ctx, cred_units, fast))
            append((start + k, head, ("event", ev), None))
            continue
        if ctx is None:
            append((start + k, head, ("ballot", None, "", (), 9, "no valid election setup to check against"), None))
            continue
        b, code, msg = _check_ballot_payload(ev["payload"], ctx, cred_units)
        if code == 0:
            unit = cred_units[b.credential]
            pairs = tuple((a.ciphertext.alpha, a.ciphertext.beta) for a in b.answers)
            for a in b.answers:
                acc.add((unit, qindex[a.question]), a.ciphertext.alpha, a.ciphertext.beta)
            append((start + k, head, ("ballot", b.credential, ev["payload"]["tracking_code"], pairs, 0, ""), None))
        else:
            tc = ev["payload"].get("tracking_code") if isinstance(ev["payload"], dict) else None
            append((start + k, head, ("ballot", b.credential if b else None, tc, (), code, msg), None))
    return {"entries": entries, "sums": acc.result()}


def _challenge_checks(p: Any, ctx: ElectionContext, cred_units: dict[bytes, str],
                      fast: BallotLineChecker | None) -> tuple[Any, str, bool | None] | None:
    """The costly part of a challenge's checks, done in a worker: (failed check number(s) or 0, message, whether
    the reveal opens the ballot). None where the payload's shape is wrong or anything unexpected happens: the
    main process then runs the same checks itself and reports as usual."""
    try:
        if not isinstance(p, dict) or set(p) != {"ballot", "tracking_code", "reveal"}:
            return None
        b, code, msg = _check_ballot_payload({"ballot": p["ballot"], "tracking_code": p["tracking_code"]}, ctx,
                                             cred_units, fast)
        return (code, msg, None) if code else (0, "", check_reveal(ctx, b, p["reveal"]))
    except Exception:  # noqa: BLE001 - left to the main process, which reports it as before
        return None


def _worker_range(start: int, a: int, b: int) -> dict[str, Any]:
    """In a forked worker: the lines are the parent's (inherited at fork), so only indices cross processes."""
    return _worker_chunk(start + a, _WORKER["lines"][a:b])


# ---------------------------------------------------------------- the verifier


class _State:
    def __init__(self) -> None:
        self.manifest: dict[str, Any] | None = None
        self.manifest_hash: bytes | None = None
        self.questions: tuple[str, ...] = ()
        self.units: tuple[str, ...] = ()
        self.n = 0
        self.k = 0
        self.authority: bytes | None = None
        self.commits: dict[int, bytes] = {}
        self.coefficients: dict[int, list[bytes]] = {}
        self.fingerprint: bytes | None = None
        self.public_key: bytes | None = None
        self.vkeys: dict[int, bytes] = {}
        self.cred_units: dict[bytes, str] = {}
        self.hybrid: Hybrid | None = None  # the manifest's hybrid declaration (postal votes), if any
        self.setup_ok = True
        self.fast: BallotLineChecker | None = None


_PHASE = {"election": 0, "dkg_commit": 1, "dkg_reveal": 2, "election_key": 3, "credentials": 4, "ballot": 5,
          "challenge": 5, "end_of_voting": 6, "postal_votes": 7, "encrypted_tally": 8, "decryption_share": 9,
          "result": 10}


def _setup_event(rep: Report, st: _State, ev: dict[str, Any], event_hash_bytes: bytes) -> None:
    t, p = ev["type"], ev["payload"]
    try:
        if t == "election":
            _election(rep, st, p, event_hash_bytes)
        elif t == "dkg_commit":
            i = p["trustee"]
            if type(i) is not int or i in st.commits or st.coefficients:  # JSON true is not trustee 1
                rep.fail(5, f"event {ev['seq']}: commitment out of turn or repeated (trustee {i})")
                st.setup_ok = False
            st.commits[i] = parse_bytes32(p["commitment"])
        elif t == "dkg_reveal":
            _reveal(rep, st, p, ev["seq"])
        elif t == "election_key":
            _election_key(rep, st, p, event_hash_bytes)
        elif t == "credentials":
            _credentials(rep, st, p, ev["seq"])
    except (KeyError, TypeError, ValueError, group.DecodeError) as exc:
        num = {"election": 4, "dkg_commit": 5, "dkg_reveal": 6, "election_key": 7, "credentials": 8}[t]
        rep.fail(num, f"event {ev['seq']} ({t}) does not decode: {exc}")
        st.setup_ok = False


def _election(rep: Report, st: _State, p: dict[str, Any], h: bytes) -> None:
    if st.manifest is not None:
        rep.fail(4, "more than one election event")
        st.setup_ok = False
        return
    st.manifest, st.manifest_hash = p, h
    problems = []
    if p.get("protocol") != PROTOCOL or p.get("group") != "ristretto255":
        problems.append("protocol or group is not mandate/v1 over ristretto255")
    if p.get("generator") != group.GENERATOR.hex():
        problems.append("generator is not the standard ristretto255 generator")
    qs = [q.get("id") for q in p.get("questions", []) if isinstance(q, dict)]
    us = [u.get("id") for u in p.get("units", []) if isinstance(u, dict)]
    if not qs or len(set(qs)) != len(qs) or not all(isinstance(q, str) and q for q in qs):
        problems.append("questions must be a non-empty list of unique ids")
    if not us or len(set(us)) != len(us) or not all(isinstance(u, str) and u for u in us):
        problems.append("units must be a non-empty list of unique ids")
    n, k = p.get("trustees"), p.get("threshold")
    if not (type(n) is int and type(k) is int and 1 <= k <= n <= 1000):  # JSON true is not 1
        problems.append("need 1 <= threshold <= trustees")
    try:
        st.authority = parse_point(p.get("credential_authority"))
    except group.DecodeError as exc:
        problems.append(f"credential authority key: {exc}")
    if "hybrid" in p:
        try:
            st.hybrid = parse_hybrid(p["hybrid"])
        except PostalFormatError as exc:
            problems.append(f"hybrid ballot: {exc}")
    for msg in problems:
        rep.fail(4, msg)
    if problems:
        st.setup_ok = False
        return
    st.questions = tuple(str(q) for q in qs)
    st.units = tuple(str(u) for u in us)
    st.n, st.k = int(n or 0), int(k or 0)


def _reveal(rep: Report, st: _State, p: dict[str, Any], seq: int) -> None:
    i = p["trustee"]
    if type(i) is not int:
        raise TypeError(f"trustee {i!r:.40} is not an integer")
    if len(st.commits) != st.n or sorted(st.commits) != list(range(1, st.n + 1)):
        rep.fail(5, f"event {seq}: trustee {i} revealed before every trustee had committed")
        st.setup_ok = False
    if i in st.coefficients:
        rep.fail(5, f"event {seq}: trustee {i} revealed twice")
        st.setup_ok = False
        return
    coeffs = [parse_point(c) for c in p["coefficients"]]
    if len(coeffs) != st.k:
        rep.fail(6, f"trustee {i} revealed {len(coeffs)} coefficients, threshold is {st.k}")
        st.setup_ok = False
        return
    assert st.manifest_hash is not None
    if st.commits.get(i) != commitment_hash(st.manifest_hash, i, st.k, coeffs):
        rep.fail(5, f"trustee {i}'s reveal does not match its commitment")
        st.setup_ok = False
    if not verify_pok(st.manifest_hash, i, coeffs[0], ChallengeResponse.from_json(p["proof"])):
        rep.fail(6, f"trustee {i}'s proof of knowledge fails")
        st.setup_ok = False
    st.coefficients[i] = coeffs


def _election_key(rep: Report, st: _State, p: dict[str, Any], h: bytes) -> None:
    if sorted(st.coefficients) != list(range(1, st.n + 1)):
        rep.fail(7, "the election key was published before every trustee revealed")
        st.setup_ok = False
        return
    coeffs = [st.coefficients[i] for i in range(1, st.n + 1)]
    pk = parse_point(p["public_key"])
    if pk != election_public_key(coeffs):
        rep.fail(7, "the election public key is not the sum of the trustees' constant commitments")
        st.setup_ok = False
    vks = {v["trustee"]: parse_point(v["key"]) for v in p["verification_keys"]}
    if sorted(vks) != list(range(1, st.n + 1)) or any(type(j) is not int for j in vks):
        rep.fail(7, "verification keys must be given for trustees 1..n")
        st.setup_ok = False
    for j, key in vks.items():
        if key != verification_key(coeffs, j):
            rep.fail(7, f"trustee {j}'s verification key does not follow from the commitments")
            st.setup_ok = False
    st.fingerprint, st.public_key, st.vkeys = h, pk, vks


def _credentials(rep: Report, st: _State, p: dict[str, Any], seq: int) -> None:
    if st.fingerprint is None or st.authority is None:
        rep.fail(8, f"event {seq}: credentials before the election key")
        st.setup_ok = False
        return
    entries = []
    for e in p["entries"]:
        cred = parse_point(e["credential"])
        unit = e["unit"]
        if unit not in st.units:
            rep.fail(8, f"event {seq}: credential for unknown unit {unit!r}")
        if cred in st.cred_units:
            rep.fail(8, f"event {seq}: credential {cred.hex()[:16]}... listed twice")
        entries.append(PublicCredential(cred, unit))
    if not verify_credential_list(st.authority, st.fingerprint, entries, ChallengeResponse.from_json(p["signature"])):
        rep.fail(8, f"event {seq}: the credential authority's signature does not verify")
        st.setup_ok = False
        return
    for e in entries:
        st.cred_units[e.credential] = e.unit


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(n, i + size)) for i in range(0, n, size)]


def verify_record(
    path: Path | str,
    *,
    workers: int | None = None,
    since: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run every check over the record at path. ``since``: an earlier head hash this record must extend."""
    import time

    t0 = time.perf_counter()
    rep = Report.new(since is not None)
    try:
        lines = read_lines(Path(path))
    except OSError as exc:
        rep.fail(1, f"cannot read the record: {exc}")
        for n in rep.checks:
            if n != 1:
                rep.skip(n, "not reached")
        return rep
    try:
        _verify_lines(rep, lines, workers, since, progress)
    except Exception as exc:  # noqa: BLE001 - the verifier must report, never crash
        rep.fail(3, f"verification stopped on an unexpected error: {exc.__class__.__name__}: {exc}")
    rep.seconds = time.perf_counter() - t0
    return rep


def _verify_lines(
    rep: Report,
    lines: list[bytes],
    workers: int | None,
    since: str | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    st = _State()
    rep.events = len(lines)
    if not lines:
        rep.fail(1, "the record is empty")
    heads: list[tuple[Any, ...] | None] = []
    events: dict[int, dict[str, Any]] = {}
    # 1. the setup, in order, in this process
    i = 0
    while i < len(lines):
        ev, computed, err = parse_event_line(lines[i])
        if ev is not None and ev["type"] not in SETUP_TYPES:
            break
        if ev is None:
            rep.fail(1, f"line {i + 1}: {err}")
            heads.append(None)
            st.setup_ok = False
        else:
            assert computed is not None
            heads.append((ev["seq"], ev["type"], ev["parent"], ev["hash"], computed))
            _setup_event(rep, st, ev, computed)
        i += 1
    ctx = None
    if st.fingerprint is not None and st.public_key is not None and st.questions and st.setup_ok:
        ctx = ElectionContext(st.fingerprint, st.public_key, st.questions)
    # 2. everything after the setup: parsed and ballots checked in parallel
    rest = lines[i:]
    _WORKER.clear()
    _WORKER.update(ctx=ctx, cred_units=st.cred_units, lines=rest)
    if ctx is not None:
        st.fast = _WORKER["fast"] = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, st.cred_units)
    chunk_results: list[dict[str, Any]] = []
    spans = _chunks(len(rest), 500)
    nworkers = workers or os.cpu_count() or 1
    done = 0
    if nworkers > 1 and len(rest) > 1000:
        with ProcessPoolExecutor(max_workers=nworkers, mp_context=get_context("fork")) as pool:
            futures = [pool.submit(_worker_range, i, a, b) for a, b in spans]
            for fut, (a, b) in zip(futures, spans, strict=True):
                chunk_results.append(fut.result())
                done += b - a
                if progress:
                    progress(done, len(rest))
    else:
        for a, b in spans:
            chunk_results.append(_worker_chunk(i + a, rest[a:b]))
            done += b - a
            if progress:
                progress(done, len(rest))
    _WORKER.clear()
    # 3. merge, in order
    ballots: list[tuple[int, bytes, str, tuple[tuple[bytes, bytes], ...]]] = []
    sums: dict[tuple[str, int], Ciphertext] = {}
    for res in chunk_results:
        for key, (alpha, beta) in res["sums"].items():
            ct = Ciphertext(alpha, beta)
            sums[key] = ct if key not in sums else sums[key] + ct
        for idx, head, body, err in res["entries"]:
            if head is None:
                rep.fail(1, f"line {idx + 1}: {err}")
                heads.append(None)
                continue
            heads.append(head)
            if body[0] == "event":
                events[idx] = body[1]
            else:
                _, cred, tc, cts, code, msg = body
                rep.ballots += 1
                for c in (code if isinstance(code, tuple) else (code,) if code else ()):
                    rep.fail(c, f"event {head[0]}: {msg}")
                ballots.append((idx, cred, tc, cts))
    # chain
    prev = GENESIS_PARENT.hex()
    for n, head in enumerate(heads):
        if head is None:
            prev = "?"
            continue
        seq, _type, parent, claimed, computed = head
        if seq != n:
            rep.fail(2, f"line {n + 1}: sequence number {seq}, expected {n} (event dropped, added or moved)")
        if parent != prev:
            rep.fail(2, f"event {seq}: parent is not the previous event's hash")
        if claimed != computed.hex():
            rep.fail(2, f"event {seq}: hash does not match its content")
        prev = claimed
    rep.head = prev
    if since is not None:
        hashes = [h[3] for h in heads if h is not None]
        if since.lower() not in hashes:
            rep.fail(21, f"the earlier head {since} is not in this record")
    # order and completeness
    types = [h[1] if h else None for h in heads]
    _check_order(rep, st, types, complete_required=since is None)
    _after_voting(rep, st, ctx, types, events, ballots, sums, complete_required=since is None)
    for n in range(4, 9):
        if not st.setup_ok and rep.checks[n].status == "pass" and st.manifest is None:
            rep.skip(n, "no election setup")


def _check_order(rep: Report, st: _State, types: list[str | None], complete_required: bool) -> None:
    last = -1
    for n, t in enumerate(types):
        if t is None:
            continue
        ph = _PHASE[t]
        if ph < last:
            rep.fail(3, f"event {n} ({t}) is out of order")
        last = max(last, ph)
    if types and types[0] != "election":
        rep.fail(3, "the record does not start with the election event")
    if complete_required and (not types or types[-1] != "result"):
        rep.fail(3, "the record is incomplete: it does not end with the result")
    if types.count("result") > 1 or types.count("end_of_voting") > 1 or types.count("encrypted_tally") > 1:
        rep.fail(3, "end of voting, encrypted tally and result each appear once")
    if st.n and types.count("dkg_commit") != st.n:
        rep.fail(5, f"{types.count('dkg_commit')} trustee commitments for {st.n} trustees")


def _after_voting(
    rep: Report,
    st: _State,
    ctx: ElectionContext | None,
    types: list[str | None],
    events: dict[int, dict[str, Any]],
    ballots: list[tuple[int, bytes, str, tuple[tuple[bytes, bytes], ...]]],
    sums: dict[tuple[str, int], Ciphertext],
    complete_required: bool,
) -> None:
    # tracking codes unique across cast and challenged ballots; challenges
    seen: dict[str, int] = {}
    for idx, _cred, tc, _cts in ballots:
        if tc in seen:
            rep.fail(14, f"event {idx}: tracking code {str(tc)[:16]}... already used by event {seen[tc]} (replay)")
        else:
            seen[tc] = idx
    cast_codes = set(seen)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for idx in sorted(events):
        by_type.setdefault(events[idx]["type"], []).append(events[idx])
    for ev in by_type.get("challenge", []):
        _challenge(rep, st, ctx, ev, cast_codes, seen)
    postal_applies = _postal_applies(st, by_type)
    if not postal_applies:
        for n in POSTAL_CHECKS:
            rep.skip(n, "not a hybrid ballot: the record holds no postal votes")
    if ctx is None:
        for n in (9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, *POSTAL_CHECKS):
            if rep.checks[n].status != "pass":
                continue
            if (n < 16 and ballots) or (n >= 16 and complete_required):
                rep.fail(n, "cannot be checked: the election setup is missing or invalid")
            else:
                rep.skip(n, "no valid election setup")
        return
    # re-vote rule: the last ballot of each credential counts
    last: dict[bytes, int] = {}
    for pos, (_idx, cred, _tc, _cts) in enumerate(ballots):
        if cred is not None:
            last[cred] = pos
    counted = set(last.values())
    eov = by_type.get("end_of_voting", [])
    # a hybrid ballot: the scrutineer's postal votes (22) and the members who voted twice (23)
    postal: PostalVotes | None = None
    aside: dict[int, str] = {}  # positions of online ballots set aside (their postal vote stands) -> unit
    if postal_applies:
        if not eov:
            _postal_not_checked(rep, complete_required, "the record has no end of voting",
                                "voting has not ended in this record")
        else:
            postal = _postal_votes(rep, st, by_type, complete_required)
            if postal is not None:
                aside = _double_votes(rep, st, postal, last)
    tallies = dict(sums)
    unit_counts: dict[str, int] = {}
    aside_cts: dict[str, list[tuple[bytes, tuple[tuple[bytes, bytes], ...]]]] = {}
    for pos, (_idx, cred, _tc, cts) in enumerate(ballots):
        if not cts or cred is None:
            continue
        unit = st.cred_units[cred]
        if pos in counted and pos not in aside:
            unit_counts[unit] = unit_counts.get(unit, 0) + 1
            continue
        if pos in aside:
            aside_cts.setdefault(unit, []).append((cred, cts))
        for qi, (alpha, beta) in enumerate(cts):
            tallies[(unit, qi)] = tallies[(unit, qi)] - Ciphertext(alpha, beta)
    if not eov:
        for n in (16, 17, 18, 19, 20):
            if complete_required:
                rep.fail(n, "the record has no end of voting")
            else:
                rep.skip(n, "voting has not ended in this record")
        return
    p = eov[0]["payload"]
    # end of voting comes before the postal votes: its counted credentials include any set aside later
    want = {"ballots": len(ballots), "challenges": len(by_type.get("challenge", [])), "counted": len(counted)}
    if p != want or any(type(n) is not int for n in p.values()):  # JSON true is not the count 1
        rep.fail(16, f"end of voting says {p}, the record holds {want}")
    _tally_and_result(rep, st, ctx, by_type, tallies, unit_counts, aside_cts, complete_required)
    if postal_applies:
        _combined(rep, st, by_type, postal, complete_required)


def _challenge(rep: Report, st: _State, ctx: ElectionContext | None, ev: dict[str, Any], cast: set[str],
               seen: dict[str, int]) -> None:
    seq = ev["seq"]
    if ctx is None:
        rep.fail(15, f"event {seq}: cannot check a challenge without a valid election setup")
        return
    p = ev["payload"]
    if not isinstance(p, dict) or set(p) != {"ballot", "tracking_code", "reveal"}:
        rep.fail(15, f"event {seq}: a challenge has exactly: ballot, tracking_code, reveal")
        return
    checked = ev.get("_checked")  # computed by a worker with the same functions as below
    if checked is None:
        if st.fast is None:
            st.fast = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, st.cred_units)
        checked = _challenge_checks(p, ctx, st.cred_units, st.fast)
    if checked is None:
        b, code, msg = _check_ballot_payload({"ballot": p["ballot"], "tracking_code": p["tracking_code"]}, ctx,
                                             st.cred_units)
        reveal_ok = None if code else check_reveal(ctx, b, p["reveal"])
    else:
        code, msg, reveal_ok = checked
    if code:
        codes = code if isinstance(code, tuple) else (code,)
        names = ", ".join(f"{c} {_NAMES[c]}" for c in codes)
        rep.fail(15, f"event {seq}: challenged ballot invalid ({names}): {msg}")
        return
    if p["tracking_code"] in cast:
        rep.fail(15, f"event {seq}: a challenged ballot was also cast (event {seen[p['tracking_code']]})")
    if not reveal_ok:
        rep.fail(15, f"event {seq}: the reveal does not open the challenged ballot")


def _tally_and_result(rep: Report, st: _State, ctx: ElectionContext, by_type: dict[str, list[dict[str, Any]]],
                      tallies: dict[tuple[str, int], Ciphertext], unit_counts: dict[str, int],
                      aside_cts: dict[str, list[tuple[bytes, tuple[tuple[bytes, bytes], ...]]]],
                      complete_required: bool) -> None:
    et = by_type.get("encrypted_tally", [])
    if not et:
        for n in (17, 18, 19, 20):
            rep.fail(n, "no encrypted tally") if complete_required else rep.skip(n, "not tallied yet")
        return
    published: dict[tuple[str, str], tuple[Ciphertext, int]] = {}
    try:
        for t in et[0]["payload"]["tallies"]:
            ct = Ciphertext(parse_point(t["alpha"], allow_identity=True), parse_point(t["beta"], allow_identity=True))
            published[(t["unit"], t["question"])] = (ct, t["ballots"])
    except (KeyError, TypeError, group.DecodeError) as exc:
        rep.fail(17, f"the encrypted tally does not decode: {exc}")
        return
    expected_keys = {(u, q) for u in st.units for q in st.questions}
    if set(published) != expected_keys:
        rep.fail(17, "the encrypted tally must have one entry per unit and question")
    zero = Ciphertext(group.IDENTITY, group.IDENTITY)
    for u in st.units:
        for qi, q in enumerate(st.questions):
            if (u, q) not in published:
                continue
            ct, count = published[(u, q)]
            if ct != tallies.get((u, qi), zero):
                rep.fail(17, f"unit {u}, question {q}: the encrypted tally is not the sum of the counted ballots")
            if type(count) is not int or count != unit_counts.get(u, 0):  # JSON true is not the count 1
                rep.fail(17, f"unit {u}, question {q}: {count} ballots claimed, {unit_counts.get(u, 0)} counted")
    for u, items in aside_cts.items():
        _set_aside_still_counted(rep, st, u, items, published, tallies, unit_counts.get(u, 0))
    # decryption shares
    shares: dict[tuple[str, str], dict[int, bytes]] = {}
    assert st.fingerprint is not None and st.public_key is not None
    for ev in by_type.get("decryption_share", []):
        try:
            j = ev["payload"]["trustee"]
            if type(j) is not int or j not in st.vkeys:  # JSON true is not trustee 1
                rep.fail(18, f"event {ev['seq']}: unknown trustee {j!r:.40}")
                continue
            for s in ev["payload"]["shares"]:
                key = (s["unit"], s["question"])
                if key not in published:
                    rep.fail(18, f"event {ev['seq']}: a share for an unknown tally {key}")
                    continue
                d = parse_point(s["share"], allow_identity=True)
                proof = ChallengeResponse.from_json(s["proof"])
                ctxt = share_context(st.fingerprint, st.public_key, j, key[0], key[1])
                if not verify_share(st.vkeys[j], published[key][0], d, proof, ctxt):
                    rep.fail(18, f"trustee {j}, unit {key[0]}, question {key[1]}: the share's proof fails")
                    continue
                if j in shares.setdefault(key, {}):
                    rep.fail(18, f"trustee {j} gave two shares for {key}")
                shares[key][j] = d
        except (KeyError, TypeError, ValueError, group.DecodeError) as exc:
            rep.fail(18, f"event {ev['seq']}: a decryption share does not decode: {exc}")
    for key in published:
        if len(shares.get(key, {})) < st.k:
            rep.fail(19, f"unit {key[0]}, question {key[1]}: {len(shares.get(key, {}))} valid shares, "
                         f"threshold {st.k}")
    res = by_type.get("result", [])
    if not res:
        rep.fail(20, "no result") if complete_required else rep.skip(20, "no result yet")
        return
    try:
        p = res[0]["payload"]
        decrypted_by = sorted({e["payload"].get("trustee") for e in by_type.get("decryption_share", [])
                               if type(e["payload"].get("trustee")) is int})
        named = p["trustees"]
        if not (isinstance(named, list) and all(type(j) is int for j in named) and named == decrypted_by):
            rep.fail(20, f"the result names trustees {named!r:.60}; the trustees who published decryption shares "
                         f"are {decrypted_by}")
        claimed = {(r["unit"], r["question"]): (r["yes"], r["no"]) for r in p["results"]}
        if set(claimed) != set(published):
            rep.fail(20, "the result must have one entry per unit and question")
        for key, (yes, no) in claimed.items():
            if key not in published:
                continue
            ct, count = published[key]
            if not (all(type(n) is int for n in (yes, no)) and yes >= 0 and no >= 0 and yes + no == count):
                rep.fail(20, f"unit {key[0]}, question {key[1]}: yes and no must be integers (not true or false) "
                             "adding up to the ballots counted")
                continue
            sh = shares.get(key, {})
            if len(sh) < st.k:
                rep.fail(20, f"unit {key[0]}, question {key[1]}: too few shares to check the result")
                continue
            chosen = dict(sorted(sh.items())[: st.k])
            if combine(ct, chosen) != group.base_mul(yes):
                rep.fail(20, f"unit {key[0]}, question {key[1]}: {yes} Yes is not what the tally decrypts to")
    except (KeyError, TypeError, ValueError) as exc:
        rep.fail(20, f"the result does not decode: {exc}")


# ---------------------------------------------------------------- postal votes in a hybrid ballot (22-24)


def _postal_applies(st: _State, by_type: dict[str, list[dict[str, Any]]]) -> bool:
    """Whether checks 22-24 have anything to check: a hybrid declaration, a postal votes event or postal figures
    in the result. Otherwise they are skipped (a ballot without postal votes)."""
    if st.hybrid is not None or by_type.get("postal_votes"):
        return True
    res = by_type.get("result", [])
    p = res[0]["payload"] if res else {}
    return isinstance(p, dict) and ("postal" in p or "combined" in p)


def _postal_not_checked(rep: Report, fail: bool, failing: str, skipping: str) -> None:
    for n in POSTAL_CHECKS:
        if rep.checks[n].status == "pass":
            rep.fail(n, "cannot be checked: " + failing) if fail else rep.skip(n, skipping)


def _postal_votes(rep: Report, st: _State, by_type: dict[str, list[dict[str, Any]]],
                  complete_required: bool) -> PostalVotes | None:
    """Check 22: exactly one postal votes event in a hybrid ballot, well formed, with the manifest's rule, signed by
    the scrutineer. Returns the decoded event (even if its signature fails, so that 23 and 24 are still checked),
    or None where there is none that decodes."""
    evs = by_type.get("postal_votes", [])
    if st.hybrid is None:
        for ev in evs:
            rep.fail(22, f"event {ev['seq']}: postal votes in a ballot that the election does not declare hybrid")
        rep.skip(23, "the election does not declare a hybrid ballot")
        return None
    if not evs:
        if complete_required or by_type.get("encrypted_tally"):
            rep.fail(22, "a hybrid ballot's record has no postal votes event before its encrypted tally")
            _postal_not_checked(rep, True, "no postal votes event (check 22)", "")
        else:
            _postal_not_checked(rep, False, "", "the scrutineer has not yet published the postal votes")
        return None
    if len(evs) > 1:
        rep.fail(22, f"{len(evs)} postal votes events: a hybrid ballot has exactly one")
        _postal_not_checked(rep, True, "more than one postal votes event (check 22)", "")
        return None
    ev = evs[0]
    try:
        pv, signature = parse_postal_votes(ev["payload"], st.units, st.questions)
    except (PostalFormatError, group.DecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        rep.fail(22, f"event {ev['seq']}: the postal votes do not decode: {exc}")
        _postal_not_checked(rep, True, "the postal votes event does not decode (check 22)", "")
        return None
    if pv.rule != st.hybrid.rule:
        rep.fail(22, f"event {ev['seq']}: the postal votes apply {pv.rule}, the election's rule is {st.hybrid.rule}")
    assert st.fingerprint is not None
    if not verify_postal_votes(st.hybrid.scrutineer, st.fingerprint, pv, signature):
        rep.fail(22, f"event {ev['seq']}: the scrutineer's signature on the postal votes does not verify")
    return pv


def _double_votes(rep: Report, st: _State, pv: PostalVotes, last: dict[bytes, int]) -> dict[int, str]:
    """Check 23 (its list part): every member who voted twice is listed once, in credential order, with a
    credential on the published list for that unit that cast an online ballot, and the vote the rule lets stand;
    under "online vote stands" each unit's set-aside postal papers are the members listed for it, under "postal
    vote stands" none. Returns the positions of the online ballots that are set aside (postal vote stands)."""
    assert st.hybrid is not None
    rule = st.hybrid.rule
    aside: dict[int, str] = {}
    listed: dict[str, int] = {}
    seen: set[bytes] = set()
    prev: bytes | None = None
    for d in pv.double_votes:
        c, short = d.credential, d.credential.hex()[:16] + "..."
        if c in seen:
            rep.fail(23, f"credential {short} is listed twice among the members who voted online and by post")
            continue
        if prev is not None and c < prev:
            rep.fail(23, f"credential {short}: the members who voted twice must be listed in credential order")
        seen.add(c)
        prev = c
        listed[d.unit] = listed.get(d.unit, 0) + 1
        unit = st.cred_units.get(c)
        if unit is None:
            rep.fail(23, f"credential {short} (listed as voting twice) is not on the published credential list")
            continue
        if unit != d.unit:
            rep.fail(23, f"credential {short} is on the list for unit {unit}, not {d.unit}")
            continue
        if d.stands != STANDS[rule]:
            rep.fail(23, f"credential {short}: its {d.stands} vote is said to stand; the rule is {rule}")
        if c not in last:
            rep.fail(23, f"credential {short} is listed as voting twice but cast no online ballot")
            continue
        if rule == POSTAL_VOTE_STANDS:
            aside[last[c]] = unit
    for u in pv.units:
        want = listed.get(u.unit, 0) if rule == ONLINE_VOTE_STANDS else 0
        if u.set_aside != want:
            why = (f"{want} members who voted twice are listed for it" if rule == ONLINE_VOTE_STANDS else
                   "under postal_vote_stands no postal paper is set aside")
            rep.fail(23, f"unit {u.unit}: {u.set_aside} postal papers set aside, but {why}")
    return aside


def _set_aside_still_counted(rep: Report, st: _State, unit: str,
                             items: list[tuple[bytes, tuple[tuple[bytes, bytes], ...]]],
                             published: dict[tuple[str, str], tuple[Ciphertext, int]],
                             tallies: dict[tuple[str, int], Ciphertext], counted: int) -> None:
    """Check 23 (its tally part): under "postal vote stands", the unit's encrypted tally must leave out the online
    ballots set aside. Where it does not match (check 17 fails too), say so under 23 if the published tally is the
    right one plus the set-aside ballots (all of them, or any one), or claims their number on top."""
    zero = Ciphertext(group.IDENTITY, group.IDENTITY)
    pub = [published.get((unit, q)) for q in st.questions]
    if any(x is None for x in pub):
        return
    adjusted = [tallies.get((unit, qi), zero) for qi in range(len(st.questions))]
    if all(x is not None and x[0] == a and x[1] == counted for x, a in zip(pub, adjusted, strict=True)):
        return
    candidates = [items] + ([[it] for it in items] if len(items) > 1 else [])
    for cand in candidates:
        plus = list(adjusted)
        for _cred, cts in cand:
            for qi, (alpha, beta) in enumerate(cts):
                plus[qi] = plus[qi] + Ciphertext(alpha, beta)
        if all(x is not None and x[0] == ct for x, ct in zip(pub, plus, strict=True)):
            rep.fail(23, f"unit {unit}: the encrypted tally still counts the online ballots of {len(cand)} "
                         "member(s) whose postal vote stands")
            return
    if any(x is not None and isinstance(x[1], int) and counted < x[1] <= counted + len(items) for x in pub):
        rep.fail(23, f"unit {unit}: the encrypted tally claims set-aside online ballots among its ballots "
                     f"({counted} counted once the {len(items)} set aside are left out)")


def _figures(obj: Any, what: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    """A result's ``postal`` or ``combined`` list: (unit, question) -> (yes, no, spoilt), counts non-negative."""
    if not isinstance(obj, list):
        raise ValueError(f"the result's {what} figures must be a list")
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for r in obj:
        if not isinstance(r, dict) or set(r) != {"unit", "question", "yes", "no", "spoilt"}:
            raise ValueError(f"a {what} figure has exactly: unit, question, yes, no, spoilt")
        key = (r["unit"], r["question"])
        if not all(isinstance(k, str) for k in key):
            raise ValueError(f"a {what} figure's unit and question are text")
        counts = (r["yes"], r["no"], r["spoilt"])
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
            raise ValueError(f"unit {key[0]}, question {key[1]}: {what} counts must be non-negative integers")
        if key in out:
            raise ValueError(f"unit {key[0]}, question {key[1]}: given twice in the {what} figures")
        out[key] = counts
    return out


def _combined(rep: Report, st: _State, by_type: dict[str, list[dict[str, Any]]], pv: PostalVotes | None,
              complete_required: bool) -> None:
    """Check 24: the result's postal figures are the scrutineer's signed ones and each combined figure is the
    decrypted online one plus the postal one (spoilt: the postal spoilt; online ballots cannot be spoilt)."""
    if rep.checks[24].status != "pass":
        return
    res = by_type.get("result", [])
    if not res:
        rep.fail(24, "no result") if complete_required else rep.skip(24, "no result yet")
        return
    p = res[0]["payload"]
    if st.hybrid is None:
        if isinstance(p, dict) and ("postal" in p or "combined" in p):
            rep.fail(24, "the result gives postal or combined figures for a ballot that is not hybrid")
        else:
            rep.skip(24, "the election does not declare a hybrid ballot")
        return
    if pv is None:
        rep.fail(24, "cannot be checked: no valid postal votes event (check 22)")
        return
    try:
        online = {(r["unit"], r["question"]): (r["yes"], r["no"]) for r in p["results"]}
        if "postal" not in p or "combined" not in p:
            raise ValueError("a hybrid ballot's result gives postal and combined figures")
        postal = _figures(p["postal"], "postal")
        combined = _figures(p["combined"], "combined")
    except (KeyError, TypeError, ValueError) as exc:
        rep.fail(24, f"the result's figures do not decode: {exc}")
        return
    keys = {(u, q) for u in st.units for q in st.questions}
    for what, figures in (("postal", postal), ("combined", combined)):
        if set(figures) != keys:
            rep.fail(24, f"the result's {what} figures must have one entry per unit and question")
    signed = pv.figures()
    for u in st.units:
        for q in st.questions:
            key, s = (u, q), signed[(u, q)]
            if key in postal and postal[key] != (s.yes, s.no, s.spoilt):
                rep.fail(24, f"unit {u}, question {q}: the postal figures are not the scrutineer's signed count")
            if key not in combined or key not in online:
                continue
            oy, on = online[key]
            if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (oy, on)):
                rep.fail(24, f"unit {u}, question {q}: the online figures are not non-negative integers")
                continue
            want = (oy + s.yes, on + s.no, s.spoilt)
            if combined[key] != want:
                rep.fail(24, f"unit {u}, question {q}: combined {combined[key]} (yes, no, spoilt) is not online "
                             f"+ postal {want}")
