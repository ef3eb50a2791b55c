"""The count (16-20): the re-vote rule and the end of voting, the encrypted tallies, the trustees' decryption
shares and their threshold, and the published result.

:class:`Count` is what the ballots' checks leave for these: which ballot of each credential counts, which are set
aside (a hybrid ballot whose member's postal vote stands) and the sums of the ciphertexts that should be in each
tally. :class:`Tally` is what these checks establish for the postal checks and the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import parse_point
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.tally import combine, share_context, verify_share
from mandate.crypto.verifier.ballots import CastBallot, Ciphertexts
from mandate.crypto.verifier.checks import Check
from mandate.crypto.verifier.events import (
    FormatError,
    a_list,
    ascending,
    challenge_response,
    exact,
    int_key,
    keyed,
    unit_question,
)
from mandate.crypto.verifier.report import Report
from mandate.crypto.verifier.setup import Setup

Events = dict[str, list[dict[str, Any]]]  # event type -> its events, in record order
ZERO = Ciphertext(group.IDENTITY, group.IDENTITY)


@dataclass
class Count:
    """The counted ballots. ``last``: credential -> position (in ``ballots``) of its last ballot; ``aside``: the
    positions of online ballots set aside (their member's postal vote stands) -> unit; ``tallies``: (unit, question
    index) -> the sum of the counted, not set-aside ballots; ``unit_counts``: unit -> those ballots' number;
    ``aside_cts``: unit -> the set-aside ballots' (credential, ciphertexts)."""

    ballots: list[CastBallot]
    last: dict[bytes, int] = field(default_factory=dict)
    aside: dict[int, str] = field(default_factory=dict)
    tallies: dict[tuple[str, int], Ciphertext] = field(default_factory=dict)
    unit_counts: dict[str, int] = field(default_factory=dict)
    aside_cts: dict[str, list[tuple[bytes, Ciphertexts]]] = field(default_factory=dict)

    @classmethod
    def of(cls, ballots: list[CastBallot]) -> Count:
        """The re-vote rule: the last ballot of each credential counts."""
        c = cls(ballots)
        for pos, b in enumerate(ballots):
            if b.credential is not None:
                c.last[b.credential] = pos
        return c

    @property
    def counted(self) -> set[int]:
        return set(self.last.values())

    def subtract_uncounted(self, st: Setup, sums: dict[tuple[str, int], Ciphertext]) -> None:
        """From the sums of every valid ballot, take away the ballots that do not count (replaced by a later
        ballot, or set aside), leaving the tallies the record must publish."""
        counted = self.counted
        self.tallies = dict(sums)
        for pos, b in enumerate(self.ballots):
            if not b.ciphertexts or b.credential is None:
                continue
            unit = st.cred_units[b.credential]
            if pos in counted and pos not in self.aside:
                self.unit_counts[unit] = self.unit_counts.get(unit, 0) + 1
                continue
            if pos in self.aside:
                self.aside_cts.setdefault(unit, []).append((b.credential, b.ciphertexts))
            for qi, (alpha, beta) in enumerate(b.ciphertexts):
                self.tallies[(unit, qi)] = self.tallies[(unit, qi)] - Ciphertext(alpha, beta)


@dataclass
class Tally:
    """What checks 17-20 read from the record: the published tallies ((unit, question) -> (ciphertext, ballots)),
    the valid decryption shares, and the result's online figures ((unit, question) -> (yes, no))."""

    published: dict[tuple[str, str], tuple[Ciphertext, Any]] = field(default_factory=dict)
    shares: dict[tuple[str, str], dict[int, bytes]] = field(default_factory=dict)
    online: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)


def end_of_voting(rep: Report, count: Count, events: Events) -> None:
    """Check 16: the end of voting's counts are the record's. It comes before the postal votes: its counted
    credentials include any set aside later."""
    p = events["end_of_voting"][0]["payload"]
    want = {"ballots": len(count.ballots), "challenges": len(events.get("challenge", [])),
            "counted": len(count.counted)}
    if p != want or any(type(n) is not int for n in p.values()):  # JSON true is not the count 1
        rep.fail(Check.TALLY_REVOTE_RULE, f"end of voting says {p}, the record holds {want}")


def encrypted_tally(rep: Report, st: Setup, count: Count, events: Events, complete_required: bool) -> Tally | None:
    """Check 17: one tally per unit and question, each the sum of the counted ballots with their number."""
    et = events.get("encrypted_tally", [])
    if not et:
        for n in (Check.TALLY_ENCRYPTED, Check.DECRYPTION_SHARES, Check.DECRYPTION_THRESHOLD, Check.RESULT_VALUES):
            rep.fail(n, "no encrypted tally") if complete_required else rep.skip(n, "not tallied yet")
        return None
    t = Tally()
    try:
        p = exact(et[0]["payload"], ("tallies",), "the encrypted tally event")
        items = [exact(x, ("unit", "question", "alpha", "beta", "ballots"), "a tally")
                 for x in a_list(p["tallies"], "tallies")]
        for key, x in keyed(items, lambda x: unit_question(x, "a tally"), "the encrypted tallies").items():
            ct = Ciphertext(parse_point(x["alpha"], allow_identity=True), parse_point(x["beta"], allow_identity=True))
            t.published[key] = (ct, x["ballots"])
    except (FormatError, KeyError, TypeError, group.DecodeError) as exc:
        rep.fail(Check.TALLY_ENCRYPTED, f"the encrypted tally does not decode: {exc}")
        return None
    if set(t.published) != {(u, q) for u in st.units for q in st.questions}:
        rep.fail(Check.TALLY_ENCRYPTED, "the encrypted tally must have one entry per unit and question")
    for u in st.units:
        for qi, q in enumerate(st.questions):
            if (u, q) not in t.published:
                continue
            ct, n = t.published[(u, q)]
            if ct != count.tallies.get((u, qi), ZERO):
                rep.fail(Check.TALLY_ENCRYPTED, f"unit {u}, question {q}: the encrypted tally is not the sum of the "
                                                "counted ballots")
            if type(n) is not int or n != count.unit_counts.get(u, 0):  # JSON true is not the count 1
                rep.fail(Check.TALLY_ENCRYPTED, f"unit {u}, question {q}: {n!r:.40} ballots claimed, "
                                                f"{count.unit_counts.get(u, 0)} counted")
    return t


def decryption_shares(rep: Report, st: Setup, t: Tally, events: Events) -> None:
    """Checks 18 and 19: every share's proof verifies under its trustee's key, one share per trustee and tally,
    and at least the threshold of them for every tally."""
    assert st.fingerprint is not None and st.public_key is not None
    by_trustee: set[int] = set()
    for ev in events.get("decryption_share", []):
        try:
            p = exact(ev["payload"], ("trustee", "shares"), "a decryption share event")
            j = p["trustee"]
            if type(j) is not int or j not in st.vkeys:  # JSON true is not trustee 1
                rep.fail(Check.DECRYPTION_SHARES, f"event {ev['seq']}: unknown trustee {j!r:.40}")
                continue
            if j in by_trustee:
                rep.fail(Check.DECRYPTION_SHARES, f"event {ev['seq']}: trustee {j} is given twice (a second "
                                                  "decryption share event)")
                continue
            by_trustee.add(j)
            items = [exact(s, ("unit", "question", "share", "proof"), "a decryption share")
                     for s in a_list(p["shares"], "shares")]
            for key, s in keyed(items, lambda s: unit_question(s, "a share"), f"trustee {j}'s shares").items():
                if key not in t.published:
                    rep.fail(Check.DECRYPTION_SHARES, f"event {ev['seq']}: a share for an unknown tally {key}")
                    continue
                d = parse_point(s["share"], allow_identity=True)
                proof = challenge_response(s["proof"], "a decryption share's proof")
                ctxt = share_context(st.fingerprint, st.public_key, j, key[0], key[1])
                if not verify_share(st.vkeys[j], t.published[key][0], d, proof, ctxt):
                    rep.fail(Check.DECRYPTION_SHARES, f"trustee {j}, unit {key[0]}, question {key[1]}: the share's "
                                                      "proof fails")
                    continue
                t.shares.setdefault(key, {})[j] = d
        except (FormatError, KeyError, TypeError, ValueError, group.DecodeError) as exc:
            rep.fail(Check.DECRYPTION_SHARES, f"event {ev['seq']}: a decryption share does not decode: {exc}")
    for key in t.published:
        if len(t.shares.get(key, {})) < st.k:
            rep.fail(Check.DECRYPTION_THRESHOLD, f"unit {key[0]}, question {key[1]}: "
                                                 f"{len(t.shares.get(key, {}))} valid shares, threshold {st.k}")


RESULT_KEYS = ("trustees", "results")


def result_values(rep: Report, st: Setup, t: Tally, events: Events, complete_required: bool) -> None:
    """Check 20: the result names the trustees who decrypted, ascending, and its figures are the decryption of
    the tallies, adding up to the ballots counted."""
    res = events.get("result", [])
    if not res:
        rep.fail(Check.RESULT_VALUES, "no result") if complete_required else rep.skip(Check.RESULT_VALUES,
                                                                                     "no result yet")
        return
    try:
        p = exact(res[0]["payload"], RESULT_KEYS, "the result", optional=("postal", "combined"))
        decrypted_by = sorted({e["payload"]["trustee"] for e in events.get("decryption_share", [])
                               if type(e["payload"].get("trustee")) is int})
        named = a_list(p["trustees"], "the result's trustees")
        try:
            ascending([int_key(j, "a trustee") for j in named], "the result's trustees")
            if named != decrypted_by:
                raise FormatError("they must be the trustees who published decryption shares")
        except (FormatError, TypeError) as exc:
            rep.fail(Check.RESULT_VALUES, f"the result names trustees {named!r:.60}; the trustees who published "
                                          f"decryption shares are {decrypted_by}: {exc}")
        items = [exact(r, ("unit", "question", "yes", "no"), "a result")
                 for r in a_list(p["results"], "the result's results")]
        t.online = {key: (r["yes"], r["no"]) for key, r in keyed(
            items, lambda r: unit_question(r, "a result"), "the results").items()}
    except (FormatError, KeyError, TypeError, ValueError) as exc:
        rep.fail(Check.RESULT_VALUES, f"the result does not decode: {exc}")
        return
    if set(t.online) != set(t.published):
        rep.fail(Check.RESULT_VALUES, "the result must have one entry per unit and question")
    for key, (yes, no) in t.online.items():
        if key not in t.published:
            continue
        ct, n = t.published[key]
        if not (all(type(x) is int for x in (yes, no)) and yes >= 0 and no >= 0 and yes + no == n):
            rep.fail(Check.RESULT_VALUES, f"unit {key[0]}, question {key[1]}: yes and no must be integers (not "
                                          "true or false) adding up to the ballots counted")
            continue
        sh = t.shares.get(key, {})
        if len(sh) < st.k:
            rep.fail(Check.RESULT_VALUES, f"unit {key[0]}, question {key[1]}: too few shares to check the result")
            continue
        chosen = dict(sorted(sh.items())[: st.k])
        if combine(ct, chosen) != group.base_mul(yes):
            rep.fail(Check.RESULT_VALUES, f"unit {key[0]}, question {key[1]}: {yes} Yes is not what the tally "
                                          "decrypts to")
