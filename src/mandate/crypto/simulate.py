"""Simulate a whole election in one process: key generation, credentials, ballots, re-votes, challenges,
close, postal votes (a hybrid ballot, optional), tally and threshold decryption; for tests and benchmarks.

Randomness: the *true votes*, ballot units, who re-votes or challenges, the order of ballots and which trustees
decrypt come from ``random.Random(seed)`` so that a run can be repeated and its true totals compared (in a hybrid
ballot, who votes by post and how come from a second generator seeded from the same seed, so that a ballot
without postal votes draws exactly what it always drew). Every cryptographic secret (trustee coefficients,
credential keys, the scrutineer's key, encryption and proof nonces) comes from the operating system's CSPRNG
through Python's ``secrets`` and never from the seed: someone who knows the seed can neither decrypt a simulated
record nor forge its scrutineer's signature. Ballots are made in parallel worker processes (fork).
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json, tracking_code
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.keygen import election_public_key, run_dkg, verification_key
from mandate.crypto.postal import (
    ONLINE_VOTE_STANDS,
    POSTAL_VOTE_STANDS,
    STANDS,
    DoubleVote,
    Hybrid,
    PostalVotes,
    QuestionCount,
    UnitCount,
    sign_postal_votes,
)
from mandate.crypto.record import RecordWriter
from mandate.crypto.secrets import random_secret_scalar
from mandate.crypto.tally import combine, decryption_share, discrete_log, share_context

CREDENTIALS_PER_EVENT = 10_000
KNOWN_QUESTIONS = ("strike", "action_short_of_strike")
DOUBLE_VOTE_RULES = {"postal": POSTAL_VOTE_STANDS, "online": ONLINE_VOTE_STANDS}
POSTAL_SPOILT_SHARE = 0.03  # share of postal answers left blank or spoilt, per question


class SettingsError(ValueError):
    """A simulation setting is out of range; ``option`` names it as the command line spells it."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
        self.message = message


def check_settings(
    *,
    voters: int,
    units: int,
    questions: list[str],
    trustees: int,
    threshold: int,
    revote_share: float,
    challenge_share: float,
    out: Path,
    workers: int | None = None,
    postal_share: float = 0.0,
    double_vote_share: float = 0.01,
    double_vote_rule: str = "postal",
) -> None:
    """Refuse, before anything is written, settings the simulation cannot run with (raises SettingsError)."""
    if voters < 1:
        raise SettingsError("--voters", f"must be at least 1 (got {voters})")
    if units < 1:
        raise SettingsError("--units", f"must be at least 1 (got {units})")
    if not questions:
        raise SettingsError("--questions", "name at least one of " + ", ".join(KNOWN_QUESTIONS))
    unknown = [q for q in questions if q not in KNOWN_QUESTIONS]
    if unknown:
        raise SettingsError("--questions", f"unknown question {unknown[0]!r}: use "
                            + " and/or ".join(KNOWN_QUESTIONS))
    if len(set(questions)) != len(questions):
        raise SettingsError("--questions", "each question may be named only once")
    if trustees < 1:
        raise SettingsError("--trustees", f"must be at least 1 (got {trustees})")
    if not 1 <= threshold <= trustees:
        raise SettingsError("--threshold", f"must be between 1 and the number of trustees ({trustees}), "
                            f"got {threshold}")
    for option, share in (("--revote-share", revote_share), ("--challenge-share", challenge_share),
                          ("--postal-share", postal_share), ("--double-vote-share", double_vote_share)):
        if not 0.0 <= share <= 1.0:  # also refuses NaN
            raise SettingsError(option, f"must be between 0 and 1 (got {share})")
    if double_vote_rule not in DOUBLE_VOTE_RULES:
        raise SettingsError("--double-vote-rule", f"must be postal or online (got {double_vote_rule!r})")
    if workers is not None and workers < 0:
        raise SettingsError("--workers", f"must be 0 or more (got {workers})")
    out = Path(out)
    if out.is_dir():
        raise SettingsError("--out", f"{out} is a folder, not a file")
    if not out.parent.is_dir():
        raise SettingsError("--out", f"the folder {out.parent} does not exist")


def _temp_beside(target: Path) -> tuple[int, Path]:
    """A new temporary file in target's folder (so that os.replace is atomic), with target's permissions."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(fd, mode)
    return fd, Path(name)


@dataclass(frozen=True)
class Task:
    voter: str
    votes: tuple[int, ...]
    kind: str  # "cast" or "challenge"
    counted: bool


_SIM: dict[str, Any] = {}


def _make_ballots(tasks: list[Task]) -> tuple[list[tuple[str, dict[str, Any]]], dict[tuple[str, int], Ciphertext]]:
    ctx: ElectionContext = _SIM["ctx"]
    creds: dict[str, VoterCredential] = _SIM["creds"]
    out: list[tuple[str, dict[str, Any]]] = []
    sums: dict[tuple[str, int], Ciphertext] = {}
    for t in tasks:
        cred = creds[t.voter]
        ballot, secret = encrypt_ballot(ctx, cred, dict(zip(ctx.questions, t.votes, strict=True)))
        payload: dict[str, Any] = {"ballot": ballot.to_json(), "tracking_code": tracking_code(ballot)}
        if t.kind == "challenge":
            payload["reveal"] = reveal_json(ballot, secret)
        elif t.counted:
            for qi, a in enumerate(ballot.answers):
                key = (cred.unit, qi)
                sums[key] = a.ciphertext if key not in sums else sums[key] + a.ciphertext
        out.append(("challenge" if t.kind == "challenge" else "ballot", payload))
    return out, sums


def simulate(
    *,
    voters: int,
    units: int,
    questions: list[str],
    trustees: int = 5,
    threshold: int = 3,
    revote_share: float = 0.05,
    challenge_share: float = 0.01,
    seed: int = 1,
    out: Path,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    postal_share: float = 0.0,
    double_vote_share: float = 0.01,
    double_vote_rule: str = "postal",
) -> dict[str, Any]:
    """Write a complete record to ``out`` and return (and write to ``<out>.truth.json``) the true totals.

    ``postal_share`` > 0 makes a hybrid ballot: that share of members vote by post only, and of those who vote
    online, ``double_vote_share`` also vote by post; ``double_vote_rule`` ("postal" or "online") says which of
    their two votes stands. The true totals are then the combined (online + postal) totals after the rule.
    With ``postal_share`` 0 the record is exactly what it was before hybrid ballots existed.

    Settings are checked first (SettingsError). Both files are written to temporary files in the same folder
    and renamed into place only when the whole run has succeeded: a failure leaves any earlier files as they
    were and no partial file behind."""
    out = Path(out)
    check_settings(voters=voters, units=units, questions=questions, trustees=trustees, threshold=threshold,
                   revote_share=revote_share, challenge_share=challenge_share, out=out, workers=workers,
                   postal_share=postal_share, double_vote_share=double_vote_share,
                   double_vote_rule=double_vote_rule)
    truth_path = Path(str(out) + ".truth.json")
    temps: list[Path] = []
    try:
        fd, record_tmp = _temp_beside(out)
        temps.append(record_tmp)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            summary = _run(fh, voters=voters, units=units, questions=questions, trustees=trustees,
                           threshold=threshold, revote_share=revote_share, challenge_share=challenge_share,
                           seed=seed, workers=workers, progress=progress, postal_share=postal_share,
                           double_vote_share=double_vote_share, double_vote_rule=double_vote_rule)
        summary["record"] = str(out)
        fd, truth_tmp = _temp_beside(truth_path)
        temps.append(truth_tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(summary, indent=2) + "\n")
        os.replace(record_tmp, out)
        temps.remove(record_tmp)
        os.replace(truth_tmp, truth_path)
        temps.remove(truth_tmp)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return summary


def _run(
    fh: Any,
    *,
    voters: int,
    units: int,
    questions: list[str],
    trustees: int,
    threshold: int,
    revote_share: float,
    challenge_share: float,
    seed: int,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    postal_share: float = 0.0,
    double_vote_share: float = 0.01,
    double_vote_rule: str = "postal",
) -> dict[str, Any]:
    rng = random.Random(seed)
    hybrid = postal_share > 0
    rule = DOUBLE_VOTE_RULES[double_vote_rule]
    unit_ids = [f"unit-{u + 1}" for u in range(units)]
    ca = CredentialAuthority()
    w = RecordWriter(fh)
    manifest = {
        "protocol": PROTOCOL,
        "group": group.GROUP_NAME,
        "generator": group.GENERATOR.hex(),
        "election_id": f"simulated-{seed}",
        "title": "Simulated statutory industrial action ballot",
        "questions": [{"id": q, "text": f"Are you prepared to take part in {q.replace('_', ' ')}?"}
                      for q in questions],
        "units": [{"id": u, "name": f"Ballot unit {i + 1}"} for i, u in enumerate(unit_ids)],
        "trustees": trustees,
        "threshold": threshold,
        "credential_authority": ca.public.hex(),
    }
    if hybrid:
        scrutineer_secret = random_secret_scalar("scrutineer key")
        scrutineer = Hybrid(group.base_mul(scrutineer_secret.reveal()), rule)
        manifest["hybrid"] = scrutineer.to_json()
    manifest_hash = w.append("election", manifest).hash
    tr, commits, reveals = run_dkg(trustees, threshold, manifest_hash)
    for t, c in zip(tr, commits, strict=True):
        w.append("dkg_commit", {"trustee": t.index, "commitment": c.hex()})
    for t, (coeffs, proof) in zip(tr, reveals, strict=True):
        w.append("dkg_reveal", {"trustee": t.index, "coefficients": [c.hex() for c in coeffs],
                                "proof": proof.to_json()})
    all_coeffs = [c for c, _ in reveals]
    pk = election_public_key(all_coeffs)
    vkeys = {t.index: verification_key(all_coeffs, t.index) for t in tr}
    fp = w.append("election_key", {"public_key": pk.hex(), "verification_keys": [
        {"trustee": j, "key": k.hex()} for j, k in sorted(vkeys.items())]}).hash
    ctx = ElectionContext(fp, pk, tuple(questions))
    voter_units = [(f"voter-{v + 1:07d}", rng.choice(unit_ids)) for v in range(voters)]
    creds = ca.issue(voter_units)
    public = ca.public_list()
    for offset in range(0, len(public), CREDENTIALS_PER_EVENT):
        entries = public[offset: offset + CREDENTIALS_PER_EVENT]
        sig = sign_credential_list(ca.secret, ca.public, fp, entries)
        w.append("credentials", {"entries": [{"credential": e.credential.hex(), "unit": e.unit}
                                             for e in entries], "signature": sig.to_json()})
    # who votes how: seeded; the last cast ballot of each voter is the true vote
    nq = len(questions)
    truth: dict[str, dict[str, int]] = {u: dict.fromkeys(questions, 0) for u in unit_ids}
    counted_per_unit: dict[str, int] = dict.fromkeys(unit_ids, 0)
    firsts: list[Task] = []
    lasts: list[Task] = []
    # a hybrid ballot: postal papers (1 Yes, 0 No, None spoilt or blank, per question) from their own generator
    prng = random.Random(f"mandate-postal-{seed}") if hybrid else None
    postal = {u: {q: {"yes": 0, "no": 0, "spoilt": 0} for q in questions} for u in unit_ids}
    papers: dict[str, int] = dict.fromkeys(unit_ids, 0)
    set_aside: dict[str, int] = dict.fromkeys(unit_ids, 0)
    doubles: list[DoubleVote] = []
    online_voters = 0

    def post(paper: tuple[int | None, ...], unit: str) -> None:
        papers[unit] += 1
        for q, m in zip(questions, paper, strict=True):
            postal[unit][q]["spoilt" if m is None else "yes" if m else "no"] += 1

    for voter, unit in voter_units:
        double = False
        if prng is not None:
            paper = tuple(None if prng.random() < POSTAL_SPOILT_SHARE else prng.randint(0, 1) for _ in range(nq))
            if prng.random() < postal_share:
                post(paper, unit)  # votes by post only
                continue
            double = prng.random() < double_vote_share
            if double:
                doubles.append(DoubleVote(creds[voter].public, unit, STANDS[rule]))
                if rule == POSTAL_VOTE_STANDS:
                    post(paper, unit)
                else:
                    set_aside[unit] += 1
        online_voters += 1
        counted = not (double and rule == POSTAL_VOTE_STANDS)  # else the online ballot is set aside
        final = tuple(rng.randint(0, 1) for _ in range(nq))
        if rng.random() < challenge_share:
            firsts.append(Task(voter, tuple(rng.randint(0, 1) for _ in range(nq)), "challenge", False))
        if rng.random() < revote_share:
            firsts.append(Task(voter, tuple(rng.randint(0, 1) for _ in range(nq)), "cast", False))
            lasts.append(Task(voter, final, "cast", counted))
        else:
            firsts.append(Task(voter, final, "cast", counted))
        if not counted:
            continue
        counted_per_unit[unit] += 1
        for q, m in zip(questions, final, strict=True):
            truth[unit][q] += m
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    tasks = firsts + lasts
    # ballots, made in parallel (forked workers inherit the credentials; secrets are never pickled)
    _SIM.update(ctx=ctx, creds=creds)
    size = 250
    spans = [tasks[i: i + size] for i in range(0, len(tasks), size)]
    sums: dict[tuple[str, int], Ciphertext] = {}
    n_ballots = n_challenges = 0
    nworkers = workers or os.cpu_count() or 1

    def consume(events: list[tuple[str, dict[str, Any]]], part: dict[tuple[str, int], Ciphertext]) -> None:
        nonlocal n_ballots, n_challenges
        for type_, payload in events:
            w.append(type_, payload)
            if type_ == "ballot":
                n_ballots += 1
            else:
                n_challenges += 1
        for key, ct in part.items():
            sums[key] = ct if key not in sums else sums[key] + ct

    done = 0
    try:
        if nworkers > 1 and len(tasks) > 2 * size:
            with ProcessPoolExecutor(max_workers=nworkers, mp_context=get_context("fork")) as pool:
                for (events, part), span in zip(pool.map(_make_ballots, spans), spans, strict=True):
                    consume(events, part)
                    done += len(span)
                    if progress:
                        progress(done, len(tasks))
        else:
            for span in spans:
                consume(*_make_ballots(span))
                done += len(span)
                if progress:
                    progress(done, len(tasks))
    finally:
        _SIM.clear()
    w.append("end_of_voting", {"ballots": n_ballots, "challenges": n_challenges, "counted": online_voters})
    if hybrid:
        pv = PostalVotes(rule, tuple(
            UnitCount(u, papers[u], set_aside[u], tuple(QuestionCount(q, **postal[u][q]) for q in questions))
            for u in unit_ids), tuple(sorted(doubles, key=lambda d: d.credential)))
        w.append("postal_votes", sign_postal_votes(scrutineer_secret, scrutineer.scrutineer, fp, pv))
    zero = Ciphertext(group.IDENTITY, group.IDENTITY)
    tallies = {(u, q): sums.get((u, qi), zero) for u in unit_ids for qi, q in enumerate(questions)}
    w.append("encrypted_tally", {"tallies": [
        {"unit": u, "question": q, "alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
         "ballots": counted_per_unit[u]} for (u, q), ct in tallies.items()]})
    chosen = sorted(rng.sample(range(1, trustees + 1), threshold))
    shares: dict[tuple[str, str], dict[int, bytes]] = {key: {} for key in tallies}
    for j in chosen:
        t = tr[j - 1]
        assert t.key_share is not None
        items = []
        for (u, q), ct in tallies.items():
            d, proof = decryption_share(t.key_share, vkeys[j], ct, share_context(fp, pk, j, u, q))
            shares[(u, q)][j] = d
            items.append({"unit": u, "question": q, "share": d.hex(), "proof": proof.to_json()})
        w.append("decryption_share", {"trustee": j, "shares": items})
    results = []
    decrypted: dict[str, dict[str, int]] = {u: {} for u in unit_ids}
    for (u, q), ct in tallies.items():
        yes = discrete_log(combine(ct, shares[(u, q)]), counted_per_unit[u])
        decrypted[u][q] = yes
        results.append({"unit": u, "question": q, "yes": yes, "no": counted_per_unit[u] - yes})
    online_totals = {u: {q: {"yes": truth[u][q], "no": counted_per_unit[u] - truth[u][q]} for q in questions}
                     for u in unit_ids}
    result: dict[str, Any] = {"trustees": chosen, "results": results}
    true_totals: dict[str, dict[str, dict[str, int]]] = online_totals
    matches = decrypted == truth
    if hybrid:
        # the combined figures from what was decrypted (not from the truth), so that the truth can check them
        combined = {u: {q: {"yes": decrypted[u][q] + postal[u][q]["yes"],
                            "no": counted_per_unit[u] - decrypted[u][q] + postal[u][q]["no"],
                            "spoilt": postal[u][q]["spoilt"]} for q in questions} for u in unit_ids}
        result["postal"] = [dict(unit=u, question=q, **postal[u][q]) for (u, q) in tallies]
        result["combined"] = [dict(unit=u, question=q, **combined[u][q]) for (u, q) in tallies]
        true_totals = {u: {q: {k: online_totals[u][q].get(k, 0) + postal[u][q][k] for k in ("yes", "no", "spoilt")}
                           for q in questions} for u in unit_ids}
        matches = matches and combined == true_totals
    w.append("result", result)
    summary: dict[str, Any] = {
        "record": "",
        "head": w.head.hex(),
        "voters": voters,
        "ballots": n_ballots,
        "challenges": n_challenges,
        "true_totals": true_totals,
        "decrypted_matches_truth": matches,
    }
    if hybrid:
        summary["hybrid"] = {
            "double_vote_rule": rule,
            "online_voters": online_voters,
            "postal_papers": sum(papers.values()),
            "double_votes": len(doubles),
            "postal_papers_set_aside": sum(set_aside.values()),
            "online_totals": online_totals,
            "postal_totals": postal,
        }
    return summary
