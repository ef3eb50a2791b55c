"""The ballot's people doing their part from files: the trustees' key ceremony and decryption, and the credential
authority's list, each on its own machine (the `mandate trustee` and `mandate credentials` commands).

Every step reads the record published so far (the bulletin board, JSON Lines as docs/record-format.md says, its
hash chain checked) and writes a *message*: exactly the payload of the record event that the step contributes
(`dkg_commit`, `dkg_reveal`, `election_key`, `credentials`, `decryption_share`, `result`). Secrets go only into
secret files (:mod:`mandate.crypto.secret_file`); a message is plain JSON and is refused if it would hold one.

Phase 3 of the key generation (docs: :mod:`mandate.crypto.keygen`) sends f_i(j) to trustee j *privately*: here each
such share is its own secret file, which the sending trustee delivers to trustee j by hand or over an encrypted
channel of their choosing; the record never holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import parse_bytes32, parse_point
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.group import ORDER
from mandate.crypto.keygen import (
    commitment_hash,
    election_public_key,
    eval_commitments,
    verification_key,
    verify_pok,
)
from mandate.crypto.proofs import ChallengeResponse
from mandate.crypto.record import GENESIS_PARENT, canonical_json, read_lines
from mandate.crypto.secrets import Secret
from mandate.crypto.tally import combine, discrete_log, share_context, verify_share
from mandate.crypto.verifier.events import FormatError, a_list, challenge_response, exact, parse_event_line


class CeremonyError(ValueError):
    """A step refused: out of order, a message that does not check, a record that is not the election's."""


def message_json(payload: dict[str, Any]) -> str:
    """A message as it is written to a file (the record's canonical JSON: a Secret in it raises SecretLeakError)."""
    return canonical_json(payload).decode("ascii")


# ---------------------------------------------------------------- the record so far


def read_record(path: Path) -> list[dict[str, Any]]:
    """The record's events, its hash chain checked (seq 0, 1, ..., each naming its parent, each hash right)."""
    path = Path(path)
    if not path.is_file():
        raise CeremonyError(f"the record {path} does not exist")
    events: list[dict[str, Any]] = []
    parent = GENESIS_PARENT
    for n, line in enumerate(read_lines(path)):
        ev, computed, error = parse_event_line(line)
        if ev is None or computed is None:
            raise CeremonyError(f"the record's line {n + 1} cannot be read: {error}")
        if ev["seq"] != n or ev["parent"] != parent.hex() or ev["hash"] != computed.hex():
            raise CeremonyError(f"the record's hash chain is broken at line {n + 1}")
        parent = computed
        events.append(ev)
    if not events or events[0]["type"] != "election":
        raise CeremonyError("the record does not start with its election event")
    return events


@dataclass
class Board:
    """What the record so far says about the set-up."""

    election_hash: bytes
    manifest: dict[str, Any]
    n: int
    k: int
    units: tuple[str, ...]
    questions: tuple[str, ...]
    commits: dict[int, bytes] = field(default_factory=dict)
    reveals: dict[int, dict[str, Any]] = field(default_factory=dict)
    election_key: dict[str, Any] | None = None
    fingerprint: bytes | None = None
    tally: dict[str, Any] | None = None
    share_events: list[dict[str, Any]] = field(default_factory=list)

    def trustees(self) -> list[int]:
        return list(range(1, self.n + 1))

    def missing_commits(self) -> list[int]:
        return [i for i in self.trustees() if i not in self.commits]

    def missing_reveals(self) -> list[int]:
        return [i for i in self.trustees() if i not in self.reveals]


def board(events: list[dict[str, Any]]) -> Board:
    """The set-up as the record gives it (CeremonyError if the election event cannot be used)."""
    try:
        return _board(events)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, CeremonyError):
            raise
        raise CeremonyError(f"the record's set-up cannot be used ({exc.__class__.__name__})") from None


def _board(events: list[dict[str, Any]]) -> Board:
    m = events[0]["payload"]
    n, k = m.get("trustees"), m.get("threshold")
    if not (type(n) is int and type(k) is int and 1 <= k <= n <= 1000):
        raise CeremonyError("the election event does not give 1 <= threshold <= trustees")
    b = Board(bytes.fromhex(events[0]["hash"]), m, n, k, tuple(u["id"] for u in m["units"]),
              tuple(q["id"] for q in m["questions"]))
    for ev in events[1:]:
        t, p = ev["type"], ev["payload"]
        if t == "dkg_commit":
            i = p.get("trustee")
            if type(i) is not int or not 1 <= i <= n or i in b.commits or b.reveals:
                raise CeremonyError(f"event {ev['seq']}: a commitment out of turn, repeated or from an unknown "
                                    "trustee")
            try:
                b.commits[i] = parse_bytes32(p.get("commitment"))
            except group.DecodeError as exc:
                raise CeremonyError(f"event {ev['seq']}: trustee {i}'s commitment does not decode") from exc
        elif t == "dkg_reveal":
            i = p.get("trustee")
            if type(i) is not int or i in b.reveals:
                raise CeremonyError(f"event {ev['seq']}: a reveal repeated or from an unknown trustee")
            b.reveals[i] = p
        elif t == "election_key":
            b.election_key, b.fingerprint = p, bytes.fromhex(ev["hash"])
        elif t == "encrypted_tally":
            b.tally = p
        elif t == "decryption_share":
            b.share_events.append(p)
    return b


# ---------------------------------------------------------------- the key ceremony


def parse_reveal(b: Board, p: Any, what: str) -> tuple[int, list[bytes], ChallengeResponse]:
    """A reveal message's trustee, coefficients and proof, checked against that trustee's commitment and its proof
    of knowledge (CeremonyError naming the trustee otherwise)."""
    try:
        exact(p, ("trustee", "coefficients", "proof"), what)
        i = p["trustee"]
        if type(i) is not int or i not in b.trustees():
            raise CeremonyError(f"{what}: not a trustee of this election ({str(i)[:20]})")
        coeffs = [parse_point(c) for c in a_list(p["coefficients"], "coefficients")]
        proof = challenge_response(p["proof"], "a proof of knowledge")
    except (FormatError, group.DecodeError) as exc:
        raise CeremonyError(f"{what} does not decode: {exc}") from None
    if len(coeffs) != b.k:
        raise CeremonyError(f"trustee {i} revealed {len(coeffs)} coefficients; the threshold is {b.k}")
    if i not in b.commits:
        raise CeremonyError(f"trustee {i} has no commitment in the record")
    if b.commits[i] != commitment_hash(b.election_hash, i, b.k, coeffs):
        raise CeremonyError(f"trustee {i}'s reveal does not match trustee {i}'s commitment in the record "
                            "(the commitment or the reveal was altered)")
    if not verify_pok(b.election_hash, i, coeffs[0], proof):
        raise CeremonyError(f"trustee {i}'s proof of knowledge does not verify")
    return i, coeffs, proof


def checked_coefficients(b: Board) -> dict[int, list[bytes]]:
    """Every trustee's revealed coefficients, each checked against its commitment (all n needed)."""
    if b.missing_commits():
        raise CeremonyError("not every trustee has committed: missing " + _names(b.missing_commits()))
    if b.missing_reveals():
        raise CeremonyError("not every trustee has revealed: missing " + _names(b.missing_reveals()))
    out: dict[int, list[bytes]] = {}
    for i in b.trustees():
        _, coeffs, _ = parse_reveal(b, b.reveals[i], f"trustee {i}'s reveal")
        out[i] = coeffs
    return out


def election_key_payload(b: Board) -> dict[str, Any]:
    """The election_key message: PK and every verification key, from the checked reveals."""
    all_c = [c for _, c in sorted(checked_coefficients(b).items())]
    return {"public_key": election_public_key(all_c).hex(),
            "verification_keys": [{"trustee": j, "key": verification_key(all_c, j).hex()} for j in b.trustees()]}


def check_election_key(b: Board) -> dict[int, bytes]:
    """The published election key, checked to follow from the reveals; returns the verification keys."""
    if b.election_key is None or b.fingerprint is None:
        raise CeremonyError("the record has no election key yet")
    expected = election_key_payload(b)
    if b.election_key != expected:
        raise CeremonyError("the record's election key does not follow from the trustees' reveals")
    return {v["trustee"]: bytes.fromhex(v["key"]) for v in expected["verification_keys"]}


def share_for(coefficients: Sequence[Secret], j: int) -> Secret:
    """f(j) for the polynomial with these (secret) coefficients."""
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * j + a.reveal()) % ORDER
    return Secret("key share contribution", acc)


def share_matches(share: Secret, sender_coefficients: Sequence[bytes], receiver: int) -> bool:
    return group.base_mul(share.reveal()) == eval_commitments(sender_coefficients, receiver)


# ---------------------------------------------------------------- decryption and result


def tallies(b: Board) -> dict[tuple[str, str], tuple[Ciphertext, int]]:
    if b.tally is None:
        raise CeremonyError("the record has no encrypted tally yet (voting has not been closed and tallied)")
    out: dict[tuple[str, str], tuple[Ciphertext, int]] = {}
    try:
        for t in a_list(b.tally.get("tallies"), "tallies"):
            exact(t, ("unit", "question", "alpha", "beta", "ballots"), "a tally")
            key = (t["unit"], t["question"])
            if key in out or t["unit"] not in b.units or t["question"] not in b.questions:
                raise CeremonyError(f"the encrypted tally gives an unknown or repeated tally {str(key)[:80]}")
            if type(t["ballots"]) is not int or t["ballots"] < 0:
                raise CeremonyError("a tally's count of ballots is not a whole number")
            out[key] = (Ciphertext(parse_point(t["alpha"], allow_identity=True),
                                   parse_point(t["beta"], allow_identity=True)), t["ballots"])
    except (FormatError, group.DecodeError) as exc:
        raise CeremonyError(f"the encrypted tally does not decode: {exc}") from None
    return out


def check_share_message(b: Board, vkeys: dict[int, bytes], p: Any) -> tuple[int, dict[tuple[str, str], bytes]]:
    """A decryption_share message checked against the tally and the trustee's verification key: (trustee, shares);
    CeremonyError naming the trustee if any share's proof fails."""
    assert b.fingerprint is not None and b.election_key is not None
    pk = bytes.fromhex(b.election_key["public_key"])
    ts = tallies(b)
    try:
        exact(p, ("trustee", "shares"), "a decryption share message")
        j = p["trustee"]
        if type(j) is not int or j not in vkeys:
            raise CeremonyError(f"a decryption share from an unknown trustee ({str(j)[:20]})")
        items = [exact(s, ("unit", "question", "share", "proof"), "a decryption share")
                 for s in a_list(p["shares"], "shares")]
        got: dict[tuple[str, str], bytes] = {}
        for s in items:
            key = (s["unit"], s["question"])
            if key not in ts or key in got:
                raise CeremonyError(f"trustee {j}: a share for an unknown or repeated tally {key}")
            d = parse_point(s["share"], allow_identity=True)
            proof = challenge_response(s["proof"], "a decryption share's proof")
            if not verify_share(vkeys[j], ts[key][0], d, proof, share_context(b.fingerprint, pk, j, *key)):
                raise CeremonyError(f"trustee {j}'s decryption share for {key[0]}, {key[1]} does not verify: "
                                    f"trustee {j} published a wrong share")
            got[key] = d
    except (FormatError, group.DecodeError, TypeError) as exc:
        raise CeremonyError(f"a decryption share message does not decode: {exc}") from None
    if set(got) != set(ts):
        raise CeremonyError(f"trustee {j}'s message lacks a share for some tally")
    return j, got


def result_payload(b: Board, shares: dict[int, dict[tuple[str, str], bytes]]) -> dict[str, Any]:
    """The result from the given (checked) shares of at least k trustees."""
    if len(shares) < b.k:
        raise CeremonyError(f"{len(shares)} valid decryption shares; {b.k} are needed")
    results = []
    for key, (ct, ballots) in tallies(b).items():
        try:
            yes = discrete_log(combine(ct, {j: s[key] for j, s in shares.items()}), ballots)
        except ValueError:
            raise CeremonyError(f"the tally for {key[0]}, {key[1]} does not decrypt to a count of at most "
                                f"{ballots} ballots: the encrypted tally is wrong") from None
        results.append({"unit": key[0], "question": key[1], "yes": yes, "no": ballots - yes})
    return {"trustees": sorted(shares), "results": results}


def _names(indices: list[int]) -> str:
    return ", ".join(f"trustee {i}" for i in indices)
