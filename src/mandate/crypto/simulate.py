"""Simulate a whole election in one process: key generation, credentials, ballots, re-votes, challenges,
close, tally and threshold decryption; for tests and benchmarks.

Randomness: the *true votes*, ballot units, who re-votes or challenges, the order of ballots and which trustees
decrypt come from ``random.Random(seed)`` so that a run can be repeated and its true totals compared. Every
cryptographic secret (trustee coefficients, credential keys, encryption and proof nonces) comes from the
operating system's CSPRNG through Python's ``secrets`` and never from the seed: a simulated record cannot be
decrypted by someone who knows the seed. Ballots are made in parallel worker processes (fork).
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
from mandate.crypto.record import RecordWriter
from mandate.crypto.tally import combine, decryption_share, discrete_log, share_context

CREDENTIALS_PER_EVENT = 10_000
KNOWN_QUESTIONS = ("strike", "action_short_of_strike")


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
    for option, share in (("--revote-share", revote_share), ("--challenge-share", challenge_share)):
        if not 0.0 <= share <= 1.0:  # also refuses NaN
            raise SettingsError(option, f"must be between 0 and 1 (got {share})")
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
) -> dict[str, Any]:
    """Write a complete record to ``out`` and return (and write to ``<out>.truth.json``) the true totals.

    Settings are checked first (SettingsError). Both files are written to temporary files in the same folder
    and renamed into place only when the whole run has succeeded: a failure leaves any earlier files as they
    were and no partial file behind."""
    out = Path(out)
    check_settings(voters=voters, units=units, questions=questions, trustees=trustees, threshold=threshold,
                   revote_share=revote_share, challenge_share=challenge_share, out=out, workers=workers)
    truth_path = Path(str(out) + ".truth.json")
    temps: list[Path] = []
    try:
        fd, record_tmp = _temp_beside(out)
        temps.append(record_tmp)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            summary = _run(fh, voters=voters, units=units, questions=questions, trustees=trustees,
                           threshold=threshold, revote_share=revote_share, challenge_share=challenge_share,
                           seed=seed, workers=workers, progress=progress)
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
) -> dict[str, Any]:
    rng = random.Random(seed)
    unit_ids = [f"unit-{u + 1}" for u in range(units)]
    ca = CredentialAuthority()
    w = RecordWriter(fh)
    manifest = {
        "protocol": PROTOCOL,
        "group": "ristretto255",
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
    for voter, unit in voter_units:
        final = tuple(rng.randint(0, 1) for _ in range(nq))
        if rng.random() < challenge_share:
            firsts.append(Task(voter, tuple(rng.randint(0, 1) for _ in range(nq)), "challenge", False))
        if rng.random() < revote_share:
            firsts.append(Task(voter, tuple(rng.randint(0, 1) for _ in range(nq)), "cast", False))
            lasts.append(Task(voter, final, "cast", True))
        else:
            firsts.append(Task(voter, final, "cast", True))
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
    w.append("end_of_voting", {"ballots": n_ballots, "challenges": n_challenges, "counted": voters})
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
    w.append("result", {"trustees": chosen, "results": results})
    head = w.head.hex()
    return {
        "record": "",
        "head": head,
        "voters": voters,
        "ballots": n_ballots,
        "challenges": n_challenges,
        "true_totals": {u: {q: {"yes": truth[u][q], "no": counted_per_unit[u] - truth[u][q]} for q in questions}
                        for u in unit_ids},
        "decrypted_matches_truth": decrypted == truth,
    }
