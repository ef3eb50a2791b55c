"""Hypothesis properties: ElGamal round trip and homomorphism, completeness and soundness of every proof,
typed secrets."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.crypto import elgamal, group, proofs
from mandate.crypto.ballot import ElectionContext, check_ballot, encrypt_ballot, parse_ballot
from mandate.crypto.credentials import CredentialAuthority
from mandate.crypto.hashing import TAG_SCHNORR_POK, frame
from mandate.crypto.secrets import Secret, SecretLeakError
from mandate.crypto.tally import discrete_log

KP = elgamal.generate_keypair()
CTX = (b"ristretto255", b"f" * 32, KP.public, b"credential", b"strike")
FAST = settings(max_examples=15, deadline=None)


@FAST
@given(st.integers(min_value=0, max_value=300))
def test_encryption_round_trip(m: int) -> None:
    ct, _ = elgamal.encrypt(KP.public, m)
    assert discrete_log(elgamal.decrypt_to_point(KP.secret, ct), 300) == m


@FAST
@given(st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=12))
def test_homomorphism(votes: list[int]) -> None:
    total = elgamal.sum_ciphertexts([elgamal.encrypt(KP.public, m)[0] for m in votes])
    assert discrete_log(elgamal.decrypt_to_point(KP.secret, total), len(votes)) == sum(votes)


@FAST
@given(st.integers(min_value=0, max_value=1))
def test_zero_one_proof_complete(m: int) -> None:
    ct, r = elgamal.encrypt(KP.public, m)
    proof = proofs.prove_01(KP.public, ct, m, r, CTX)
    assert proofs.verify_01(KP.public, ct, proof, CTX)
    assert proofs.ZeroOneProof.from_json(proof.to_json()) == proof


@FAST
@given(st.integers(min_value=2, max_value=10**6), st.integers(min_value=0, max_value=1))
def test_zero_one_proof_sound_for_other_values(m: int, claimed: int) -> None:
    """A prover who encrypted m >= 2 and runs the honest algorithm for 0 or 1 yields a proof that fails."""
    ct, r = elgamal.encrypt(KP.public, m)
    proof = proofs.prove_01(KP.public, ct, claimed, r, CTX)
    assert not proofs.verify_01(KP.public, ct, proof, CTX)


@FAST
@given(st.integers(min_value=0, max_value=1), st.sampled_from(range(5)))
def test_zero_one_proof_bound_to_its_statement(m: int, which: int) -> None:
    ct, r = elgamal.encrypt(KP.public, m)
    proof = proofs.prove_01(KP.public, ct, m, r, CTX)
    other_ct, _ = elgamal.encrypt(KP.public, m)
    moved_ctx = list(CTX)
    moved_ctx[which] = moved_ctx[which] + b"x"
    assert not proofs.verify_01(KP.public, other_ct, proof, CTX)  # another ciphertext
    assert not proofs.verify_01(KP.public, ct, proof, tuple(moved_ctx))  # another voter, question, election
    tampered = proofs.ZeroOneProof(proof.c0, proof.c1, (proof.v0 + 1) % group.ORDER, proof.v1)
    assert not proofs.verify_01(KP.public, ct, tampered, CTX)


@FAST
@given(st.integers(min_value=1, max_value=group.ORDER - 1))
def test_decryption_share_proof(x: int) -> None:
    secret = Secret("test key", x)
    public = group.base_mul(x)
    ct, _ = elgamal.encrypt(KP.public, 1)
    share = group.mul(x, ct.alpha)
    proof = proofs.prove_dleq(secret, public, ct.alpha, share, CTX)
    assert proofs.verify_dleq(public, ct.alpha, share, proof, CTX)
    wrong = group.add(share, group.GENERATOR)
    assert not proofs.verify_dleq(public, ct.alpha, wrong, proof, CTX)
    # soundness: an honest-algorithm proof for a wrong share fails
    assert not proofs.verify_dleq(public, ct.alpha, wrong, proofs.prove_dleq(secret, public, ct.alpha, wrong, CTX), CTX)


@FAST
@given(st.integers(min_value=1, max_value=group.ORDER - 1), st.binary(max_size=40))
def test_schnorr(x: int, message: bytes) -> None:
    public = group.base_mul(x)
    proof = proofs.schnorr_prove(TAG_SCHNORR_POK, Secret("k", x), public, (message,))
    assert proofs.schnorr_verify(TAG_SCHNORR_POK, public, proof, (message,))
    assert not proofs.schnorr_verify(TAG_SCHNORR_POK, public, proof, (message + b"!",))
    assert not proofs.schnorr_verify(TAG_SCHNORR_POK, group.add(public, group.GENERATOR), proof, (message,))
    # a prover who does not know log(public) and uses another key fails
    assert not proofs.schnorr_verify(
        TAG_SCHNORR_POK, public, proofs.schnorr_prove(TAG_SCHNORR_POK, Secret("k", x + 1), public, (message,)),
        (message,))


@FAST
@given(st.lists(st.binary(max_size=6), max_size=4), st.lists(st.binary(max_size=6), max_size=4))
def test_hash_framing_is_injective(a: list[bytes], b: list[bytes]) -> None:
    if a != b:
        assert frame("t", a) != frame("t", b)


def test_signed_ballot_round_trip_and_replay_under_another_credential() -> None:
    ca = CredentialAuthority()
    creds = ca.issue([("a", "u"), ("b", "u")])
    ctx = ElectionContext(b"e" * 32, KP.public, ("strike", "asos"))
    ballot, _ = encrypt_ballot(ctx, creds["a"], {"strike": 1, "asos": 0})
    assert check_ballot(ctx, parse_ballot(json.loads(json.dumps(ballot.to_json())))) == []
    replay = ballot.to_json()
    replay["credential"] = creds["b"].public.hex()
    assert set(check_ballot(ctx, parse_ballot(replay))) == {"signature", "proof"}
    other_election = ElectionContext(b"x" * 32, KP.public, ("strike", "asos"))
    assert "election" in check_ballot(other_election, parse_ballot(ballot.to_json()))


def test_secrets_refuse_to_leak() -> None:
    s = Secret("voter signing key", 12345)
    assert "12345" not in repr(s) and "12345" not in str(s) and "12345" not in f"{s}"
    with pytest.raises(SecretLeakError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        json.dumps({"k": s})
    with pytest.raises(TypeError):
        hash(s)
    assert copy.deepcopy(s) is s
    assert s.reveal() == 12345
    from mandate.crypto.record import canonical_json

    with pytest.raises(SecretLeakError):
        canonical_json({"k": s})
