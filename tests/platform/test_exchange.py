"""Signed packages and acknowledgements: Ed25519 through libsodium, and every way a package is refused."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.platform import exchange as ex

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
FACTS = {"total": 60, "workplaces": {"Newport": 39, "Titchfield": 21}, "days": ["2026-12-01"]}
UNION_SEED = bytes(range(32))
HR_SEED = bytes(range(32, 64))
TRUSTED = {ex.public_key(UNION_SEED): "PCS"}


def _package(pdf: bytes = PDF, facts: dict | None = None) -> bytes:
    return ex.make_package(kind="s234a-notice", title="Notice of industrial action", issuer="PCS",
                           facts=facts or FACTS, pdf=pdf, seed=UNION_SEED)


def test_libsodium_ed25519_matches_rfc8032_test_vector_1():
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    assert ex.public_key(seed).hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert ex.sign(b"", seed).hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_a_package_opens_with_its_facts_and_pdf():
    opened = ex.open_package(_package(), TRUSTED)
    assert (opened.facts, opened.pdf, opened.issuer) == (FACTS, PDF, "PCS")
    assert opened.digest == ex.package_digest(_package())  # deterministic signatures, same digest


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(PDF) - 1), flip=st.integers(min_value=1, max_value=255))
def test_one_changed_byte_of_the_pdf_is_refused(position, flip):
    data = json.loads(_package())
    pdf = bytearray(PDF)
    pdf[position] ^= flip
    data["pdf"] = base64.b64encode(bytes(pdf)).decode()
    with pytest.raises(ex.PackageRefused, match="not the one that was signed"):
        ex.open_package(json.dumps(data), TRUSTED)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_one_changed_byte_of_the_facts_or_the_signature_is_refused(data):
    raw = _package()
    body = json.loads(raw)
    facts_text = json.dumps(body["facts"])
    i = data.draw(st.integers(min_value=0, max_value=len(facts_text) - 1))
    changed = facts_text[:i] + data.draw(st.sampled_from("0123456789xyz")) + facts_text[i + 1:]
    try:
        new_facts = json.loads(changed)
    except json.JSONDecodeError:
        new_facts = {"changed": changed}
    if new_facts != body["facts"]:
        tampered = {**body, "facts": new_facts}
        with pytest.raises(ex.PackageRefused, match="signature does not verify"):
            ex.open_package(json.dumps(tampered), TRUSTED)
    sig = bytearray(bytes.fromhex(body["signature"]))
    j = data.draw(st.integers(min_value=0, max_value=63))
    sig[j] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(ex.PackageRefused, match="signature does not verify"):
        ex.open_package(json.dumps({**body, "signature": sig.hex()}), TRUSTED)


def test_unsigned_unknown_and_malformed_packages_are_refused_with_the_reason():
    body = json.loads(_package())
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    with pytest.raises(ex.PackageRefused, match="unsigned"):
        ex.open_package(json.dumps(unsigned), TRUSTED)
    stranger = ex.make_package(kind="k", title="t", issuer="PCS", facts=FACTS, pdf=PDF, seed=HR_SEED)
    with pytest.raises(ex.PackageRefused, match="not recorded here"):
        ex.open_package(stranger, TRUSTED)
    # a stranger's package claiming the union's key does not verify
    forged = {**json.loads(stranger), "public_key": ex.public_key(UNION_SEED).hex()}
    with pytest.raises(ex.PackageRefused, match="signature does not verify"):
        ex.open_package(json.dumps(forged), TRUSTED)
    for raw, reason in [(b"\x00\xff", "not JSON"), (b"[1]", "not a JSON object"), (b"{}", "format"),
                        (json.dumps({**body, "extra": 1}), "never has"),
                        (json.dumps({**body, "pdf": "!!"}), "base64"), ("a" * (ex.MAX_PACKAGE_BYTES + 1), "larger")]:
        with pytest.raises(ex.PackageRefused, match=reason):
            ex.open_package(raw, TRUSTED)


def test_a_receipt_verifies_and_any_change_is_refused():
    hr_trusted = {ex.public_key(HR_SEED): "ONS"}
    digest = ex.package_digest(_package())
    raw = ex.make_receipt(package_sha256=digest, received_on=date(2026, 11, 20), recipient="ONS", seed=HR_SEED)
    r = ex.open_receipt(raw, hr_trusted)
    assert (r.package_sha256, r.received_on) == (digest, date(2026, 11, 20))
    again = ex.make_receipt(package_sha256=digest, received_on=date(2026, 11, 20), recipient="ONS", seed=HR_SEED)
    assert ex.open_receipt(again, hr_trusted).digest != r.digest  # a fresh nonce: each acknowledgement is one
    body = json.loads(raw)
    with pytest.raises(ex.PackageRefused, match="signature does not verify"):
        ex.open_receipt(json.dumps({**body, "received_on": "2026-11-19"}), hr_trusted)
    with pytest.raises(ex.PackageRefused, match="not recorded here"):
        ex.open_receipt(raw, TRUSTED)
    with pytest.raises(ex.PackageRefused, match="unsigned"):
        ex.open_receipt(json.dumps({k: v for k, v in body.items() if k != "signature"}), hr_trusted)


def test_public_keys_are_parsed_from_what_people_paste():
    key = ex.public_key(UNION_SEED)
    spaced = " ".join(key.hex()[i:i + 8] for i in range(0, 64, 8))
    assert ex.parse_public_key(spaced) == key
    for bad in ["zz", "ab" * 31, ""]:
        with pytest.raises(ex.PackageRefused):
            ex.parse_public_key(bad)
    assert len(ex.fingerprint(key).split()) == 8


def test_a_signed_package_with_a_nul_in_its_facts_is_refused():
    raw = _package(facts={"title": "a\x00b"})
    with pytest.raises(ex.PackageRefused, match="NUL"):
        ex.open_package(raw, TRUSTED)
    assert ex.open_package(_package(facts={"path": "C:\\u0000"}), TRUSTED)  # a backslash is not a NUL
