"""The set-up checks (4-8): the election's parameters, the trustees' commitments, reveals and proofs, the election
key and the verification keys, and the signed credential lists. They run in order, in the calling process, and
leave a :class:`Setup`: what the later checks verify against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, parse_bytes32, parse_point
from mandate.crypto.credentials import PublicCredential, verify_credential_list
from mandate.crypto.fastpath import BallotLineChecker
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.keygen import commitment_hash, election_public_key, verification_key, verify_pok
from mandate.crypto.postal import Hybrid, PostalFormatError, parse_hybrid
from mandate.crypto.verifier.checks import Check
from mandate.crypto.verifier.events import (
    FormatError,
    a_list,
    ascending,
    challenge_response,
    exact,
    int_key,
    keyed,
    text_key,
)
from mandate.crypto.verifier.report import Report

SETUP_TYPES = ("election", "dkg_commit", "dkg_reveal", "election_key", "credentials")
ELECTION_KEYS = ("protocol", "group", "generator", "election_id", "title", "questions", "units", "trustees",
                 "threshold", "credential_authority")
_CHECK_OF = {"election": Check.ELECTION_PARAMETERS, "dkg_commit": Check.TRUSTEES_COMMIT_BEFORE_REVEAL,
             "dkg_reveal": Check.TRUSTEES_PROOFS, "election_key": Check.ELECTION_KEY,
             "credentials": Check.CREDENTIALS_LIST}


@dataclass
class Setup:
    """What the set-up events establish (each part only once its check passed)."""

    manifest: dict[str, Any] | None = None
    manifest_hash: bytes | None = None
    title: str = ""
    election_id: str = ""
    questions: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    unit_names: dict[str, str] = field(default_factory=dict)
    n: int = 0
    k: int = 0
    authority: bytes | None = None
    commits: dict[int, bytes] = field(default_factory=dict)
    coefficients: dict[int, list[bytes]] = field(default_factory=dict)
    fingerprint: bytes | None = None
    public_key: bytes | None = None
    vkeys: dict[int, bytes] = field(default_factory=dict)
    cred_units: dict[bytes, str] = field(default_factory=dict)
    hybrid: Hybrid | None = None  # the manifest's hybrid declaration (postal votes), if any
    ok: bool = True
    fast: BallotLineChecker | None = None

    def context(self) -> ElectionContext | None:
        """The election as the ballot checks need it, where the whole set-up is valid."""
        if self.fingerprint is None or self.public_key is None or not self.questions or not self.ok:
            return None
        return ElectionContext(self.fingerprint, self.public_key, self.questions)

    def fast_checker(self, ctx: ElectionContext) -> BallotLineChecker:
        if self.fast is None:
            self.fast = BallotLineChecker(ctx.fingerprint, ctx.public_key, ctx.questions, self.cred_units)
        return self.fast


def setup_event(rep: Report, st: Setup, ev: dict[str, Any], event_hash_bytes: bytes) -> None:
    """Check one set-up event; anything that does not decode fails that event's check."""
    t, p = ev["type"], ev["payload"]
    try:
        if t == "election":
            _election(rep, st, p, event_hash_bytes)
        elif t == "dkg_commit":
            _commit(rep, st, p, ev["seq"])
        elif t == "dkg_reveal":
            _reveal(rep, st, p, ev["seq"])
        elif t == "election_key":
            _election_key(rep, st, p, event_hash_bytes)
        elif t == "credentials":
            _credentials(rep, st, p, ev["seq"])
    except (KeyError, TypeError, ValueError, group.DecodeError) as exc:
        rep.fail(_CHECK_OF[t], f"event {ev['seq']} ({t}) does not decode: {exc}")
        st.ok = False


def _election(rep: Report, st: Setup, p: dict[str, Any], h: bytes) -> None:
    if st.manifest is not None:
        rep.fail(Check.ELECTION_PARAMETERS, "more than one election event")
        st.ok = False
        return
    st.manifest, st.manifest_hash = p, h
    problems = []
    try:
        exact(p, ELECTION_KEYS, "the election event", optional=("hybrid",))
    except FormatError as exc:
        problems.append(str(exc))
    if p.get("protocol") != PROTOCOL or p.get("group") != group.GROUP_NAME:
        problems.append("protocol or group is not mandate/v1 over ristretto255")
    if p.get("generator") != group.GENERATOR.hex():
        problems.append("generator is not the standard ristretto255 generator")
    if not isinstance(p.get("title"), str) or not isinstance(p.get("election_id"), str):
        problems.append("the election's title and id are text")
    questions: dict[str, Any] = {}
    units: dict[str, Any] = {}
    for what, lst, keys, out in (("question", "questions", ("id", "text"), questions),
                                 ("unit", "units", ("id", "name"), units)):
        try:
            items = [exact(x, keys, f"a {what}") for x in a_list(p.get(lst), f"the election's {lst}")]
            out.update(keyed(items, lambda x: text_key(x["id"], "an id"), f"the election's {lst}"))
            if not out or not all(out) or not all(isinstance(x[keys[1]], str) for x in items):
                raise FormatError(f"{lst} must be a non-empty list of unique, non-empty ids, each with its text")
        except FormatError as exc:
            problems.append(str(exc))
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
        rep.fail(Check.ELECTION_PARAMETERS, msg)
    if problems:
        st.ok = False
        return
    st.title, st.election_id = p["title"], p["election_id"]
    st.questions = tuple(questions)
    st.units = tuple(units)
    st.unit_names = {u: x["name"] for u, x in units.items()}
    st.n, st.k = int(n or 0), int(k or 0)


def _commit(rep: Report, st: Setup, p: dict[str, Any], seq: int) -> None:
    exact(p, ("trustee", "commitment"), "a trustee's commitment")
    i = p["trustee"]
    if type(i) is not int or i in st.commits or st.coefficients:  # JSON true is not trustee 1
        rep.fail(Check.TRUSTEES_COMMIT_BEFORE_REVEAL, f"event {seq}: commitment out of turn or repeated "
                                                      f"(trustee {i!r:.40})")
        st.ok = False
    st.commits[i] = parse_bytes32(p["commitment"])


def _reveal(rep: Report, st: Setup, p: dict[str, Any], seq: int) -> None:
    exact(p, ("trustee", "coefficients", "proof"), "a trustee's reveal")
    i = int_key(p["trustee"], "a reveal's trustee")
    if len(st.commits) != st.n or sorted(st.commits) != list(range(1, st.n + 1)):
        rep.fail(Check.TRUSTEES_COMMIT_BEFORE_REVEAL, f"event {seq}: trustee {i} revealed before every trustee "
                                                      "had committed")
        st.ok = False
    if i in st.coefficients:
        rep.fail(Check.TRUSTEES_COMMIT_BEFORE_REVEAL, f"event {seq}: trustee {i} revealed twice")
        st.ok = False
        return
    coeffs = [parse_point(c) for c in a_list(p["coefficients"], "coefficients")]
    if len(coeffs) != st.k:
        rep.fail(Check.TRUSTEES_PROOFS, f"trustee {i} revealed {len(coeffs)} coefficients, threshold is {st.k}")
        st.ok = False
        return
    assert st.manifest_hash is not None
    if st.commits.get(i) != commitment_hash(st.manifest_hash, i, st.k, coeffs):
        rep.fail(Check.TRUSTEES_COMMIT_BEFORE_REVEAL, f"trustee {i}'s reveal does not match its commitment")
        st.ok = False
    if not verify_pok(st.manifest_hash, i, coeffs[0], challenge_response(p["proof"], "a proof of knowledge")):
        rep.fail(Check.TRUSTEES_PROOFS, f"trustee {i}'s proof of knowledge fails")
        st.ok = False
    st.coefficients[i] = coeffs


def _election_key(rep: Report, st: Setup, p: dict[str, Any], h: bytes) -> None:
    exact(p, ("public_key", "verification_keys"), "the election key event")
    if sorted(st.coefficients) != list(range(1, st.n + 1)):
        rep.fail(Check.ELECTION_KEY, "the election key was published before every trustee revealed")
        st.ok = False
        return
    coeffs = [st.coefficients[i] for i in range(1, st.n + 1)]
    pk = parse_point(p["public_key"])
    if pk != election_public_key(coeffs):
        rep.fail(Check.ELECTION_KEY, "the election public key is not the sum of the trustees' constant commitments")
        st.ok = False
    entries = [exact(v, ("trustee", "key"), "a verification key")
               for v in a_list(p["verification_keys"], "verification_keys")]
    vks = {j: parse_point(v["key"]) for j, v in keyed(
        entries, lambda v: int_key(v["trustee"], "a verification key's trustee"), "verification_keys").items()}
    if sorted(vks) != list(range(1, st.n + 1)):
        rep.fail(Check.ELECTION_KEY, "verification keys must be given for trustees 1..n")
        st.ok = False
    for j, key in vks.items():
        if key != verification_key(coeffs, j):
            rep.fail(Check.ELECTION_KEY, f"trustee {j}'s verification key does not follow from the commitments")
            st.ok = False
    st.fingerprint, st.public_key, st.vkeys = h, pk, vks


def _credentials(rep: Report, st: Setup, p: dict[str, Any], seq: int) -> None:
    exact(p, ("entries", "signature"), "a credentials event")
    if st.fingerprint is None or st.authority is None:
        rep.fail(Check.CREDENTIALS_LIST, f"event {seq}: credentials before the election key")
        st.ok = False
        return
    raw = [exact(e, ("credential", "unit"), "a credential entry") for e in a_list(p["entries"], "entries")]
    # sorted by credential (so each once in the event), and each once across every credentials event
    ascending([e["credential"] for e in raw], f"event {seq}: the credentials")
    entries: list[PublicCredential] = []
    for e in raw:
        cred = parse_point(e["credential"])
        unit = text_key(e["unit"], "a credential's unit")
        if unit not in st.units:
            rep.fail(Check.CREDENTIALS_LIST, f"event {seq}: credential for unknown unit {unit!r:.40}")
        if cred in st.cred_units:
            rep.fail(Check.CREDENTIALS_LIST, f"event {seq}: credential {cred.hex()[:16]}... is given twice "
                                             "(in an earlier credentials event)")
        entries.append(PublicCredential(cred, unit))
    signature = challenge_response(p["signature"], "the credential authority's signature")
    if not verify_credential_list(st.authority, st.fingerprint, entries, signature):
        rep.fail(Check.CREDENTIALS_LIST, f"event {seq}: the credential authority's signature does not verify")
        st.ok = False
        return
    for c in entries:
        st.cred_units[c.credential] = c.unit
