"""The employer checks an electronic ballot's s.231A result from the public election record alone.

The result's package names the record (its fingerprint, the election_key event's hash, and its head hash).
HR supplies the record file the union publishes; the independent verifier (:mod:`mandate.crypto.verifier`,
no database, no server, no vote seen) runs every check over it, and the figures it proves (ballots counted and
Yes/No per unit and question, with the postal papers of a hybrid ballot) are compared with what the result
says. The finding is written in the employer's words: whether the turnout and the majority in each unit are
what the result says. The number entitled is the union's figure (the record lists credentials, not members),
so the turnout test is the result's entitled figure against the votes the record proves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from mandate.crypto.verifier import verify_record
from mandate.law.params import default_parameters

MAX_RECORD_BYTES = 512 * 1024 * 1024


@dataclass
class Finding:
    """``ok``: the record verifies, is the one the result names, and every unit's turnout and majorities are
    what the result says. ``lines``: the finding, one sentence a line, for HR."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    head: str = ""


def _threshold(opening: date | None) -> Fraction | None:
    if opening is None:
        return Fraction(1, 2)
    v = default_parameters().value("turnout_threshold", opening)
    return None if v.repealed else Fraction(str(v.value))


def _unit_of(verified: Any, name: str) -> Any:
    for u in verified.units:
        if name in (u.name, u.unit):
            return u
    return None


def _label(question: str) -> str:
    return {"strike": "Strike", "action_short_of_strike": "Action short of a strike"}.get(question, question)


def check_result(facts: dict[str, Any], record: Path, *, opening: date | None = None, workers: int = 1) -> Finding:
    """Run the verifier over ``record`` and compare what it proves with the result's ``facts``."""
    named = facts.get("election_record")
    if not isinstance(named, dict) or not named.get("head"):
        return Finding(False, ["This result names no election record: it is the result of a postal ballot, "
                               "which the scrutineer's report covers. There is nothing to check it against."])
    rep = verify_record(record, workers=workers)
    if not rep.ok:
        failed = "; ".join(f"check {n} ({name})" for n, name in rep.failed()) or (rep.error or "an error")
        return Finding(False, [f"The record file does not verify: {failed} failed. It cannot confirm the result; "
                               "ask the union and its scrutineer for the published record."], rep.head)
    v = rep.verified
    assert v is not None
    if rep.head != named.get("head") or v.fingerprint != named.get("fingerprint"):
        return Finding(False, [f"The record file verifies, but it is not the record this result names (the result "
                               f"names head {str(named.get('head'))[:16]}…, the file's head is {rep.head[:16]}…). "
                               "Check that you have the union's published record for this ballot."], rep.head)
    threshold = _threshold(opening)
    ok = True
    lines = [f"The record verifies: every one of its checks passed, and it is the record the result names "
             f"(fingerprint {v.fingerprint[:16]}…, head {rep.head[:16]}…). No vote was seen to check it."]
    units = facts.get("units") if isinstance(facts.get("units"), list) else []
    if not units:
        return Finding(False, lines + ["The result states no units to compare."], rep.head)
    for unit in units:
        name = str(unit.get("name", ""))
        found = _unit_of(v, name)
        if found is None:
            ok = False
            lines.append(f"{name}: the record has no unit of that name, so its result cannot be confirmed.")
            continue
        proved = found.ballots_counted + (found.postal_papers or 0)
        said, entitled = unit.get("votes_cast"), unit.get("entitled")
        if said != proved:
            ok = False
            lines.append(f"{name}: the result says {said} votes were cast; the record proves {proved}. "
                         "The turnout in the result is not what the record shows.")
        elif threshold is not None and isinstance(entitled, int) and entitled > 0:
            met = Fraction(proved, entitled) >= threshold
            share = f"{100 * proved / entitled:.1f}%"
            if unit.get("turnout_threshold_met") not in (None, met):
                ok = False
                lines.append(f"{name}: the record proves {proved} votes of the {entitled} entitled ({share}); the "
                             f"result's statement that the turnout threshold was {'met' if unit.get('turnout_threshold_met') else 'not met'} is wrong.")
            else:
                lines.append(f"{name}: the record proves {proved} votes cast, as the result says; of the {entitled} "
                             f"entitled that is {share}, so the turnout threshold of {float(threshold):.0%} was "
                             f"{'met' if met else 'not met'}, as the result says.")
        else:
            lines.append(f"{name}: the record proves {proved} votes cast, as the result says.")
        questions = unit.get("questions") if isinstance(unit.get("questions"), dict) else {}
        counted = {q.question: (q.combined or q.online) for q in found.questions}
        for q, claim in questions.items():
            figures = counted.get(q)
            if figures is None or not isinstance(claim, dict):
                ok = False
                lines.append(f"{name}, {_label(q)}: the record has no count for this question.")
                continue
            if (claim.get("yes"), claim.get("no")) != (figures.yes, figures.no):
                ok = False
                lines.append(f"{name}, {_label(q)}: the result says {claim.get('yes')} Yes and {claim.get('no')} No; "
                             f"the record counts {figures.yes} Yes and {figures.no} No. They disagree.")
                continue
            majority = figures.yes > figures.no
            if claim.get("majority") not in (None, majority):
                ok = False
                lines.append(f"{name}, {_label(q)}: the record counts {figures.yes} Yes to {figures.no} No, so the "
                             f"result's statement of a majority is wrong.")
            else:
                lines.append(f"{name}, {_label(q)}: {figures.yes} Yes and {figures.no} No in the record, as the "
                             f"result says: {'a majority voted Yes' if majority else 'no majority for Yes'}.")
    lines.append("The turnout and the majority in each unit are what the result says." if ok else
                 "The result and the public record disagree: do not rely on the result until the union explains.")
    return Finding(ok, lines, rep.head)
