"""Postal votes in a hybrid ballot: the scrutineer's signed count per unit, and the members who voted twice.

In a hybrid ballot every member has a postal pack and an online credential. The independent scrutineer counts
the postal voting papers and publishes, after the end of voting, one ``postal_votes`` event: per ballot unit and
question the postal Yes, No and spoilt (or blank) figures, and the credentials of the members who voted both
online and by post, each with the vote that stands under the election's double-vote rule:

* ``postal_vote_stands``: the member's online ballots are set aside (the encrypted tally leaves them out);
* ``online_vote_stands``: the member's postal paper is set aside, and the event says how many per unit.

The event is Schnorr-signed by the scrutineer's key, published in the election manifest (``hybrid``). Exact
fields, hash inputs and checks: docs/record-format.md sections 6.1 and 7.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import parse_point, parse_scalar
from mandate.crypto.hashing import (
    TAG_POSTAL_VOTES,
    TAG_POSTAL_VOTES_SIGNATURE,
    hash_bytes,
    text,
    u64,
)
from mandate.crypto.proofs import ChallengeResponse, schnorr_prove, schnorr_verify
from mandate.crypto.secrets import Secret
from mandate.crypto.shape import FormatError, exact

POSTAL_VOTE_STANDS = "postal_vote_stands"
ONLINE_VOTE_STANDS = "online_vote_stands"
RULES = (POSTAL_VOTE_STANDS, ONLINE_VOTE_STANDS)
STANDS = {POSTAL_VOTE_STANDS: "postal", ONLINE_VOTE_STANDS: "online"}  # rule -> the vote that stands
U64_MAX = (1 << 64) - 1


class PostalFormatError(FormatError):
    """A postal votes event (or a manifest's hybrid declaration) that does not follow the format."""


@dataclass(frozen=True, slots=True)
class Hybrid:
    """The election manifest's ``hybrid`` declaration."""

    scrutineer: bytes  # the scrutineer's public key, a point (not identity)
    rule: str  # one of RULES

    def to_json(self) -> dict[str, str]:
        return {"scrutineer": self.scrutineer.hex(), "double_vote_rule": self.rule}


@dataclass(frozen=True, slots=True)
class QuestionCount:
    question: str
    yes: int
    no: int
    spoilt: int


@dataclass(frozen=True, slots=True)
class UnitCount:
    unit: str
    papers: int  # postal papers counted (set-aside papers excluded)
    set_aside: int  # postal papers set aside because the member's online vote stands
    counts: tuple[QuestionCount, ...]  # in the election's question order


@dataclass(frozen=True, slots=True)
class DoubleVote:
    """A member who voted both online and by post: their credential, its ballot unit and the vote that stands."""

    credential: bytes
    unit: str
    stands: str  # "postal" or "online"


@dataclass(frozen=True, slots=True)
class PostalVotes:
    rule: str
    units: tuple[UnitCount, ...]
    double_votes: tuple[DoubleVote, ...]

    def content_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "units": [{"unit": u.unit, "papers": u.papers, "set_aside": u.set_aside,
                       "counts": [{"question": c.question, "yes": c.yes, "no": c.no, "spoilt": c.spoilt}
                                  for c in u.counts]} for u in self.units],
            "double_votes": [{"credential": d.credential.hex(), "unit": d.unit, "stands": d.stands}
                             for d in self.double_votes],
        }

    def figures(self) -> dict[tuple[str, str], QuestionCount]:
        """The postal count of each (unit, question)."""
        return {(u.unit, c.question): c for u in self.units for c in u.counts}


def parse_hybrid(obj: Any) -> Hybrid:
    """The manifest's ``hybrid`` object: exactly ``scrutineer`` (point, not identity) and ``double_vote_rule``."""
    if not isinstance(obj, dict) or set(obj) != {"scrutineer", "double_vote_rule"}:
        raise PostalFormatError("hybrid has exactly: scrutineer, double_vote_rule")
    if obj["double_vote_rule"] not in RULES:
        raise PostalFormatError("double_vote_rule must be " + " or ".join(RULES))
    try:
        key = parse_point(obj["scrutineer"])
    except group.DecodeError as exc:
        raise PostalFormatError(f"scrutineer key: {exc}") from exc
    return Hybrid(key, obj["double_vote_rule"])


def _count(obj: Any, name: str) -> int:
    if not isinstance(obj, int) or isinstance(obj, bool) or not 0 <= obj <= U64_MAX:
        raise PostalFormatError(f"{name} must be an integer from 0 to 2^64 - 1")
    return obj


def _is_text(obj: Any) -> bool:
    """A JSON string that is Unicode text, so that it has a UTF-8 encoding to hash (JSON can also write a lone
    surrogate, such as ``"\\ud800"``, which has none)."""
    if not isinstance(obj, str):
        return False
    try:
        obj.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_postal_votes(payload: Any, units: Sequence[str], questions: Sequence[str]
                       ) -> tuple[PostalVotes, ChallengeResponse]:
    """Decode a ``postal_votes`` payload against the election's units and questions (both in order).

    Raises PostalFormatError naming the first field that does not follow the format. Checks the shape only:
    whether the double votes are right is the verifier's check 23, the signature its check 22."""
    try:
        return _parse_postal_votes(payload, units, questions)
    except PostalFormatError:
        raise
    except FormatError as exc:  # a shape rule (mandate.crypto.shape), said as a postal votes error
        raise PostalFormatError(str(exc)) from None


def _parse_postal_votes(payload: Any, units: Sequence[str], questions: Sequence[str]
                        ) -> tuple[PostalVotes, ChallengeResponse]:
    p = exact(payload, {"rule", "units", "double_votes", "signature"}, "a postal votes event")
    if p["rule"] not in RULES:
        raise PostalFormatError("rule must be " + " or ".join(RULES))
    if not isinstance(p["units"], list) or [u.get("unit") if isinstance(u, dict) else None
                                            for u in p["units"]] != list(units):
        raise PostalFormatError("units must list every ballot unit once, in the election's order")
    parsed_units = []
    for u in p["units"]:
        u = exact(u, {"unit", "papers", "set_aside", "counts"}, "a unit's postal count")
        papers = _count(u["papers"], f"unit {u['unit']}: papers")
        set_aside = _count(u["set_aside"], f"unit {u['unit']}: set_aside")
        if not isinstance(u["counts"], list) or [c.get("question") if isinstance(c, dict) else None
                                                 for c in u["counts"]] != list(questions):
            raise PostalFormatError(f"unit {u['unit']}: counts must list every question once, in the election's "
                                    "order")
        counts = []
        for c in u["counts"]:
            c = exact(c, {"question", "yes", "no", "spoilt"}, "a question's postal count")
            where = f"unit {u['unit']}, question {c['question']}"
            qc = QuestionCount(c["question"], _count(c["yes"], f"{where}: yes"), _count(c["no"], f"{where}: no"),
                               _count(c["spoilt"], f"{where}: spoilt"))
            if qc.yes + qc.no + qc.spoilt != papers:
                raise PostalFormatError(f"{where}: yes + no + spoilt must equal the unit's {papers} papers")
            counts.append(qc)
        parsed_units.append(UnitCount(u["unit"], papers, set_aside, tuple(counts)))
    if not isinstance(p["double_votes"], list):
        raise PostalFormatError("double_votes must be a list")
    doubles = []
    for d in p["double_votes"]:
        d = exact(d, {"credential", "unit", "stands"}, "a double vote")
        try:
            cred = parse_point(d["credential"])
        except group.DecodeError as exc:
            raise PostalFormatError(f"a double vote's credential: {exc}") from exc
        if not _is_text(d["unit"]) or d["stands"] not in ("postal", "online"):
            raise PostalFormatError("a double vote's unit is text and stands is postal or online")
        doubles.append(DoubleVote(cred, d["unit"], d["stands"]))
    sig = exact(p["signature"], {"c", "v"}, "the signature")
    try:
        signature = ChallengeResponse(parse_scalar(sig["c"]), parse_scalar(sig["v"]))
    except group.DecodeError as exc:
        raise PostalFormatError(f"signature: {exc}") from exc
    return PostalVotes(p["rule"], tuple(parsed_units), tuple(doubles)), signature


def postal_votes_digest(fingerprint: bytes, pv: PostalVotes) -> bytes:
    """P = H("mandate/v1/postal-votes", FP, rule, units with their counts, double votes): 64 bytes."""
    items: list[bytes] = [fingerprint, text(pv.rule), u64(len(pv.units))]
    for u in pv.units:
        items += [text(u.unit), u64(u.papers), u64(u.set_aside), u64(len(u.counts))]
        for c in u.counts:
            items += [text(c.question), u64(c.yes), u64(c.no), u64(c.spoilt)]
    items.append(u64(len(pv.double_votes)))
    for d in pv.double_votes:
        items += [d.credential, text(d.unit), text(d.stands)]
    return hash_bytes(TAG_POSTAL_VOTES, *items)


def sign_postal_votes(scrutineer_secret: Secret, scrutineer_public: bytes, fingerprint: bytes,
                      pv: PostalVotes) -> dict[str, Any]:
    """The ``postal_votes`` payload, signed by the scrutineer."""
    digest = postal_votes_digest(fingerprint, pv)
    sig = schnorr_prove(TAG_POSTAL_VOTES_SIGNATURE, scrutineer_secret, scrutineer_public,
                        (text(group.GROUP_NAME), fingerprint, digest))
    return dict(pv.content_json(), signature=sig.to_json())


def verify_postal_votes(scrutineer_public: bytes, fingerprint: bytes, pv: PostalVotes,
                        signature: ChallengeResponse) -> bool:
    """Whether the scrutineer's signature covers exactly these postal votes, in this election."""
    digest = postal_votes_digest(fingerprint, pv)
    return schnorr_verify(TAG_POSTAL_VOTES_SIGNATURE, scrutineer_public, signature,
                          (text(group.GROUP_NAME), fingerprint, digest))
