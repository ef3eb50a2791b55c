"""Postal votes in a hybrid ballot (22-24): the scrutineer's signed event, the members who voted online and by
post and the rule that says which of their votes stands, and the combined result.

Checks 22-24 are skipped for a ballot that declares no hybrid and holds no postal votes or figures.
"""

from __future__ import annotations

from typing import Any

from mandate.crypto import group
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.postal import (
    ONLINE_VOTE_STANDS,
    POSTAL_VOTE_STANDS,
    STANDS,
    PostalFormatError,
    PostalVotes,
    parse_postal_votes,
    verify_postal_votes,
)
from mandate.crypto.verifier.ballots import Ciphertexts
from mandate.crypto.verifier.checks import POSTAL_CHECKS, Check
from mandate.crypto.verifier.events import FormatError, a_list, exact, keyed, unit_question
from mandate.crypto.verifier.report import Report
from mandate.crypto.verifier.setup import Setup
from mandate.crypto.verifier.tally import ZERO, Count, Events, Tally

FIGURE_KEYS = ("unit", "question", "yes", "no", "spoilt")


def postal_applies(st: Setup, events: Events) -> bool:
    """Whether checks 22-24 have anything to check: a hybrid declaration, a postal votes event or postal figures
    in the result. Otherwise they are skipped (a ballot without postal votes)."""
    if st.hybrid is not None or events.get("postal_votes"):
        return True
    res = events.get("result", [])
    p = res[0]["payload"] if res else {}
    return isinstance(p, dict) and ("postal" in p or "combined" in p)


def not_checked(rep: Report, fail: bool, failing: str, skipping: str) -> None:
    for n in POSTAL_CHECKS:
        if rep.passed(n):
            rep.fail(n, "cannot be checked: " + failing) if fail else rep.skip(n, skipping)


def postal_votes(rep: Report, st: Setup, events: Events, complete_required: bool) -> PostalVotes | None:
    """Check 22: exactly one postal votes event in a hybrid ballot, well formed, with the manifest's rule, signed by
    the scrutineer. Returns the decoded event (even if its signature fails, so that 23 and 24 are still checked),
    or None where there is none that decodes."""
    evs = events.get("postal_votes", [])
    if st.hybrid is None:
        for ev in evs:
            rep.fail(Check.POSTAL_SIGNATURE, f"event {ev['seq']}: postal votes in a ballot that the election does "
                                             "not declare hybrid")
        rep.skip(Check.POSTAL_NO_DOUBLE_COUNT, "the election does not declare a hybrid ballot")
        return None
    if not evs:
        if complete_required or events.get("encrypted_tally"):
            rep.fail(Check.POSTAL_SIGNATURE, "a hybrid ballot's record has no postal votes event before its "
                                             "encrypted tally")
            not_checked(rep, True, "no postal votes event (check 22)", "")
        else:
            not_checked(rep, False, "", "the scrutineer has not yet published the postal votes")
        return None
    if len(evs) > 1:
        rep.fail(Check.POSTAL_SIGNATURE, f"{len(evs)} postal votes events: a hybrid ballot has exactly one")
        not_checked(rep, True, "more than one postal votes event (check 22)", "")
        return None
    ev = evs[0]
    try:
        pv, signature = parse_postal_votes(ev["payload"], st.units, st.questions)
    except (PostalFormatError, group.DecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        rep.fail(Check.POSTAL_SIGNATURE, f"event {ev['seq']}: the postal votes do not decode: {exc}")
        not_checked(rep, True, "the postal votes event does not decode (check 22)", "")
        return None
    if pv.rule != st.hybrid.rule:
        rep.fail(Check.POSTAL_SIGNATURE, f"event {ev['seq']}: the postal votes apply {pv.rule}, the election's rule "
                                         f"is {st.hybrid.rule}")
    assert st.fingerprint is not None
    if not verify_postal_votes(st.hybrid.scrutineer, st.fingerprint, pv, signature):
        rep.fail(Check.POSTAL_SIGNATURE, f"event {ev['seq']}: the scrutineer's signature on the postal votes does "
                                         "not verify")
    return pv


def double_votes(rep: Report, st: Setup, pv: PostalVotes, count: Count) -> None:
    """Check 23 (its list part): every member who voted twice is listed once, in credential order, with a
    credential on the published list for that unit that cast an online ballot, and the vote the rule lets stand;
    under "online vote stands" each unit's set-aside postal papers are the members listed for it, under "postal
    vote stands" none. Sets ``count.aside``: the positions of the online ballots set aside (postal vote stands)."""
    assert st.hybrid is not None
    rule = st.hybrid.rule
    listed: dict[str, int] = {}
    seen: set[bytes] = set()
    prev: bytes | None = None
    fail = rep.fail
    for d in pv.double_votes:
        c, short = d.credential, d.credential.hex()[:16] + "..."
        if c in seen:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short} is given twice among the members who voted "
                                               "online and by post")
            continue
        if prev is not None and c < prev:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short}: the members who voted twice must be listed in "
                                               "credential order")
        seen.add(c)
        prev = c
        listed[d.unit] = listed.get(d.unit, 0) + 1
        unit = st.cred_units.get(c)
        if unit is None:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short} (listed as voting twice) is not on the "
                                               "published credential list")
            continue
        if unit != d.unit:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short} is on the list for unit {unit}, not {d.unit}")
            continue
        if d.stands != STANDS[rule]:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short}: its {d.stands} vote is said to stand; the rule "
                                               f"is {rule}")
        if c not in count.last:
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"credential {short} is listed as voting twice but cast no online "
                                               "ballot")
            continue
        if rule == POSTAL_VOTE_STANDS:
            count.aside[count.last[c]] = unit
    for u in pv.units:
        want = listed.get(u.unit, 0) if rule == ONLINE_VOTE_STANDS else 0
        if u.set_aside != want:
            why = (f"{want} members who voted twice are listed for it" if rule == ONLINE_VOTE_STANDS else
                   "under postal_vote_stands no postal paper is set aside")
            fail(Check.POSTAL_NO_DOUBLE_COUNT, f"unit {u.unit}: {u.set_aside} postal papers set aside, but {why}")


def set_aside_still_counted(rep: Report, st: Setup, count: Count, t: Tally) -> None:
    """Check 23 (its tally part): under "postal vote stands", each unit's encrypted tally must leave out the online
    ballots set aside. Where it does not match (check 17 fails too), say so under 23 if the published tally is the
    right one plus the set-aside ballots (all of them, or any one), or claims their number on top."""
    for unit, items in count.aside_cts.items():
        _still_counted(rep, st, unit, items, t.published, count.tallies, count.unit_counts.get(unit, 0))


def _still_counted(rep: Report, st: Setup, unit: str, items: list[tuple[bytes, Ciphertexts]],
                   published: dict[tuple[str, str], tuple[Ciphertext, Any]],
                   tallies: dict[tuple[str, int], Ciphertext], counted: int) -> None:
    pub = [published.get((unit, q)) for q in st.questions]
    if any(x is None for x in pub):
        return
    adjusted = [tallies.get((unit, qi), ZERO) for qi in range(len(st.questions))]
    if all(x is not None and x[0] == a and x[1] == counted for x, a in zip(pub, adjusted, strict=True)):
        return
    candidates = [items] + ([[it] for it in items] if len(items) > 1 else [])
    for cand in candidates:
        plus = list(adjusted)
        for _cred, cts in cand:
            for qi, (alpha, beta) in enumerate(cts):
                plus[qi] = plus[qi] + Ciphertext(alpha, beta)
        if all(x is not None and x[0] == ct for x, ct in zip(pub, plus, strict=True)):
            rep.fail(Check.POSTAL_NO_DOUBLE_COUNT, f"unit {unit}: the encrypted tally still counts the online "
                                                   f"ballots of {len(cand)} member(s) whose postal vote stands")
            return
    if any(x is not None and type(x[1]) is int and counted < x[1] <= counted + len(items) for x in pub):
        rep.fail(Check.POSTAL_NO_DOUBLE_COUNT, f"unit {unit}: the encrypted tally claims set-aside online ballots "
                                               f"among its ballots ({counted} counted once the {len(items)} set "
                                               "aside are left out)")


def figures(obj: Any, what: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    """A result's ``postal`` or ``combined`` list: (unit, question) -> (yes, no, spoilt), each key once, counts
    non-negative integers."""
    items = [exact(r, FIGURE_KEYS, f"a {what} figure") for r in a_list(obj, f"the result's {what} figures")]
    out: dict[tuple[str, str], tuple[int, int, int]] = {}
    for key, r in keyed(items, lambda r: unit_question(r, f"a {what} figure"), f"the {what} figures").items():
        counts = (r["yes"], r["no"], r["spoilt"])
        if not all(type(n) is int and n >= 0 for n in counts):
            raise FormatError(f"unit {key[0]}, question {key[1]}: {what} counts must be non-negative integers")
        out[key] = counts
    return out


def combined_result(rep: Report, st: Setup, events: Events, pv: PostalVotes | None, t: Tally | None,
                    complete_required: bool) -> None:
    """Check 24: the result's postal figures are the scrutineer's signed ones and each combined figure is the
    decrypted online one plus the postal one (spoilt: the postal spoilt; online ballots cannot be spoilt)."""
    if not rep.passed(Check.RESULT_COMBINED):
        return
    res = events.get("result", [])
    if not res:
        if complete_required:
            rep.fail(Check.RESULT_COMBINED, "no result")
        else:
            rep.skip(Check.RESULT_COMBINED, "no result yet")
        return
    p = res[0]["payload"]
    if st.hybrid is None:
        if isinstance(p, dict) and ("postal" in p or "combined" in p):
            rep.fail(Check.RESULT_COMBINED, "the result gives postal or combined figures for a ballot that is not "
                                            "hybrid")
        else:
            rep.skip(Check.RESULT_COMBINED, "the election does not declare a hybrid ballot")
        return
    if pv is None:
        rep.fail(Check.RESULT_COMBINED, "cannot be checked: no valid postal votes event (check 22)")
        return
    try:
        if not isinstance(p, dict) or "postal" not in p or "combined" not in p:
            raise FormatError("a hybrid ballot's result gives postal and combined figures")
        postal = figures(p["postal"], "postal")
        combined = figures(p["combined"], "combined")
    except (FormatError, KeyError, TypeError, ValueError) as exc:
        rep.fail(Check.RESULT_COMBINED, f"the result's figures do not decode: {exc}")
        return
    _compare_figures(rep, st, pv, t.online if t is not None else {}, postal, combined)


def _compare_figures(rep: Report, st: Setup, pv: PostalVotes, online: dict[tuple[str, str], tuple[Any, Any]],
                     postal: dict[tuple[str, str], tuple[int, int, int]],
                     combined: dict[tuple[str, str], tuple[int, int, int]]) -> None:
    """Check 24 on decoded figures: one per unit and question, the postal ones signed, combined = online + postal."""
    keys = {(u, q) for u in st.units for q in st.questions}
    for what, figs in (("postal", postal), ("combined", combined)):
        if set(figs) != keys:
            rep.fail(Check.RESULT_COMBINED, f"the result's {what} figures must have one entry per unit and question")
    signed = pv.figures()
    for u in st.units:
        for q in st.questions:
            key, s = (u, q), signed[(u, q)]
            if key in postal and postal[key] != (s.yes, s.no, s.spoilt):
                rep.fail(Check.RESULT_COMBINED, f"unit {u}, question {q}: the postal figures are not the "
                                                "scrutineer's signed count")
            if key not in combined or key not in online:
                continue  # no online figure: check 20 fails
            oy, on = online[key]
            if not all(type(n) is int and n >= 0 for n in (oy, on)):
                rep.fail(Check.RESULT_COMBINED, f"unit {u}, question {q}: the online figures are not non-negative "
                                                "integers")
                continue
            want = (oy + s.yes, on + s.no, s.spoilt)
            if combined[key] != want:
                rep.fail(Check.RESULT_COMBINED, f"unit {u}, question {q}: combined {combined[key]} (yes, no, "
                                                f"spoilt) is not online + postal {want}")
