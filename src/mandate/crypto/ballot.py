"""Ballots: encrypt, prove, sign; Benaloh cast-or-challenge; tracking codes.

A ballot holds, for each question of the election in order, an exponential ElGamal ciphertext of 0 (No) or
1 (Yes) with a disjunctive Chaum-Pedersen proof bound to the election, the voter's credential and the question;
the whole ballot is Schnorr-signed with the voter's credential key. The tracking code is a hash of the signed
ballot. A challenged ballot (Benaloh) reveals its nonces and votes, is never counted, and anyone can check it.
Exact JSON and hash inputs: docs/record-format.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mandate.crypto import group
from mandate.crypto.credentials import VoterCredential
from mandate.crypto.elgamal import Ciphertext, encrypt
from mandate.crypto.group import GROUP_NAME
from mandate.crypto.hashing import (
    TAG_BALLOT_CONTENT,
    TAG_BALLOT_SIGNATURE,
    TAG_TRACKING_CODE,
    challenge_context,
    hash_bytes,
    scalar,
    text,
    u64,
)
from mandate.crypto.proofs import (
    ChallengeResponse,
    ZeroOneProof,
    prove_01,
    schnorr_prove,
    schnorr_verify,
    verify_01,
)
from mandate.crypto.secrets import Secret


@dataclass(frozen=True, slots=True)
class ElectionContext:
    """What a booth and a verifier need to make or check a ballot."""

    fingerprint: bytes  # 32 bytes: the hash of the record's election_key event
    public_key: bytes  # the election public key H
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    ciphertext: Ciphertext
    proof: ZeroOneProof


@dataclass(frozen=True, slots=True)
class Ballot:
    election: bytes
    credential: bytes
    answers: tuple[Answer, ...]
    signature: ChallengeResponse

    def to_json(self) -> dict[str, Any]:
        return {
            "election": self.election.hex(),
            "credential": self.credential.hex(),
            "answers": [
                {
                    "question": a.question,
                    "alpha": a.ciphertext.alpha.hex(),
                    "beta": a.ciphertext.beta.hex(),
                    "proof": a.proof.to_json(),
                }
                for a in self.answers
            ],
            "signature": self.signature.to_json(),
        }


@dataclass(frozen=True, slots=True)
class BallotSecrets:
    """The booth's private side of a ballot: the votes and the nonces. Never published unless challenged."""

    votes: tuple[int, ...]
    nonces: tuple[Secret, ...]


def _hex(obj: Any, n: int) -> bytes:
    if not isinstance(obj, str) or len(obj) != 2 * n:
        raise group.DecodeError(f"expected {2 * n} hexadecimal digits")
    try:
        b = bytes.fromhex(obj)
    except ValueError as exc:
        raise group.DecodeError("not hexadecimal") from exc
    if b.hex() != obj:  # lower case only: one encoding per value
        raise group.DecodeError("hexadecimal must be lower case")
    return b


def parse_point(obj: Any, *, allow_identity: bool = False) -> bytes:
    return group.decode_point(_hex(obj, 32), allow_identity=allow_identity)


def parse_scalar(obj: Any) -> int:
    return group.decode_scalar(_hex(obj, 32))


def parse_bytes32(obj: Any) -> bytes:
    return _hex(obj, 32)


def parse_ballot(obj: Any) -> Ballot:
    """Decode a ballot's JSON, checking every point (canonical, alpha not identity) and scalar (reduced)."""
    if not isinstance(obj, dict) or set(obj) != {"election", "credential", "answers", "signature"}:
        raise group.DecodeError("a ballot has exactly: election, credential, answers, signature")
    answers = obj["answers"]
    if not isinstance(answers, list) or not answers:
        raise group.DecodeError("answers must be a non-empty list")
    parsed = []
    for a in answers:
        if not isinstance(a, dict) or set(a) != {"question", "alpha", "beta", "proof"}:
            raise group.DecodeError("an answer has exactly: question, alpha, beta, proof")
        if not isinstance(a["question"], str) or not isinstance(a["proof"], dict):
            raise group.DecodeError("malformed answer")
        p = a["proof"]
        if set(p) != {"c0", "c1", "v0", "v1"}:
            raise group.DecodeError("a 0/1 proof has exactly: c0, c1, v0, v1")
        proof = ZeroOneProof(parse_scalar(p["c0"]), parse_scalar(p["c1"]), parse_scalar(p["v0"]), parse_scalar(p["v1"]))
        ct = Ciphertext(parse_point(a["alpha"]), parse_point(a["beta"], allow_identity=True))
        parsed.append(Answer(a["question"], ct, proof))
    sig = obj["signature"]
    if not isinstance(sig, dict) or set(sig) != {"c", "v"}:
        raise group.DecodeError("a signature has exactly: c, v")
    return Ballot(
        parse_bytes32(obj["election"]),
        parse_point(obj["credential"]),
        tuple(parsed),
        ChallengeResponse(parse_scalar(sig["c"]), parse_scalar(sig["v"])),
    )


def proof_context(ctx: ElectionContext, credential: bytes, question: str) -> tuple[bytes, ...]:
    return (*challenge_context(ctx.fingerprint, ctx.public_key), credential, text(question))


def ballot_digest(election: bytes, credential: bytes, answers: Sequence[Answer]) -> bytes:
    items: list[bytes] = [election, credential, u64(len(answers))]
    for a in answers:
        items += [
            text(a.question),
            a.ciphertext.alpha,
            a.ciphertext.beta,
            scalar(a.proof.c0),
            scalar(a.proof.c1),
            scalar(a.proof.v0),
            scalar(a.proof.v1),
        ]
    return hash_bytes(TAG_BALLOT_CONTENT, *items)


def signature_items(election: bytes, digest: bytes) -> tuple[bytes, ...]:
    return (text(GROUP_NAME), election, digest)


def tracking_code(ballot: Ballot) -> str:
    """The voter's tracking code: 64 lower-case hexadecimal digits (first 32 bytes of the hash)."""
    digest = ballot_digest(ballot.election, ballot.credential, ballot.answers)
    return hash_bytes(TAG_TRACKING_CODE, digest, scalar(ballot.signature.c), scalar(ballot.signature.v))[:32].hex()


def encrypt_ballot(
    ctx: ElectionContext, credential: VoterCredential, votes: Mapping[str, int]
) -> tuple[Ballot, BallotSecrets]:
    """Encrypt, prove and sign a ballot. votes maps each question id to 0 (No) or 1 (Yes)."""
    if set(votes) != set(ctx.questions):
        raise ValueError("a ballot answers every question of the election, and only those")
    answers = []
    nonces = []
    vote_list = []
    for q in ctx.questions:
        m = votes[q]
        ct, r = encrypt(ctx.public_key, m)
        proof = prove_01(ctx.public_key, ct, m, r, proof_context(ctx, credential.public, q))
        answers.append(Answer(q, ct, proof))
        nonces.append(r)
        vote_list.append(m)
    digest = ballot_digest(ctx.fingerprint, credential.public, answers)
    sig = schnorr_prove(
        TAG_BALLOT_SIGNATURE, credential.secret, credential.public, signature_items(ctx.fingerprint, digest)
    )
    return Ballot(ctx.fingerprint, credential.public, tuple(answers), sig), BallotSecrets(
        tuple(vote_list), tuple(nonces)
    )


def check_ballot(ctx: ElectionContext, ballot: Ballot) -> list[str]:
    """Verify a parsed ballot against the election; returns the parts that failed (empty if valid), among
    "election", "questions", "signature" and "proof"."""
    failed: list[str] = []
    if ballot.election != ctx.fingerprint:
        failed.append("election")
    if tuple(a.question for a in ballot.answers) != ctx.questions:
        return failed + ["questions"]
    digest = ballot_digest(ballot.election, ballot.credential, ballot.answers)
    if not schnorr_verify(
        TAG_BALLOT_SIGNATURE, ballot.credential, ballot.signature, signature_items(ballot.election, digest)
    ):
        failed.append("signature")
    for a in ballot.answers:
        if not verify_01(ctx.public_key, a.ciphertext, a.proof, proof_context(ctx, ballot.credential, a.question)):
            failed.append("proof")
            break
    return failed


# ---------------------------------------------------------------- Benaloh challenge


def reveal_json(ballot: Ballot, secrets: BallotSecrets) -> list[dict[str, Any]]:
    """Deliberately open a challenged ballot: its votes and nonces (the ballot is then spoilt, never cast)."""
    return [
        {"question": a.question, "vote": m, "nonce": group.encode_scalar(r.reveal()).hex()}
        for a, m, r in zip(ballot.answers, secrets.votes, secrets.nonces, strict=True)
    ]


def check_reveal(ctx: ElectionContext, ballot: Ballot, reveal: Any) -> bool:
    """A challenged ballot's reveal must open every ciphertext: alpha = rG and beta = rH + vG."""
    if not isinstance(reveal, list) or len(reveal) != len(ballot.answers):
        return False
    for a, item in zip(ballot.answers, reveal, strict=True):
        if not isinstance(item, dict) or item.keys() != {"question", "vote", "nonce"}:
            return False  # exactly these keys (docs/record-format.md 5.1)
        if item["question"] != a.question or item["vote"] not in (0, 1):
            return False
        if isinstance(item.get("vote"), bool):
            return False
        try:
            r = parse_scalar(item.get("nonce"))
        except group.DecodeError:
            return False
        if group.base_mul(r) != a.ciphertext.alpha:
            return False
        if group.add(group.mul(r, ctx.public_key), group.base_mul(item["vote"])) != a.ciphertext.beta:
            return False
    return True
