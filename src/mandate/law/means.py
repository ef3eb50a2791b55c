"""Means of voting (spec §12): which are permissible for a ballot opening on a day, and their conditions.

Postal voting is the only means until the Trade Unions (Permissible Means of Voting) Order 2026 commences; the
rulebook ships it as a pending commencement (expected August 2026, flagged uncertain) and a deployment records
the made Order (:mod:`mandate.law.recorded`). Pass the recorded commencements (or a parameter set built with
them, :func:`mandate.law.params.parameters_with`): every answer resting on one says so in its warnings.

The conditions and contents per method are data (``parameters/voting_methods.toml``), each with its section.
A wing asks :func:`method_conditions` what to record and :func:`unmet_conditions` which recorded facts are
missing; nothing here knows a method's rules of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mandate.dates import human_date
from mandate.law.model import Citation, Collector, LawWarning
from mandate.law.params import ParameterSet, parameters_with, resolve
from mandate.law.recorded import RecordedCommencement

METHODS = ("postal", "electronic", "hybrid", "workplace")
METHOD_WORDS = {"postal": "postal voting", "electronic": "electronic voting",
                "hybrid": "hybrid voting (by post or online)", "workplace": "workplace voting"}
BALLOT_KINDS = ("industrial_action", "election", "political_fund", "merger")


def _params(params: ParameterSet | None, commencements: Iterable[RecordedCommencement] | None) -> ParameterSet:
    if params is not None and commencements:
        raise ValueError("give either params or commencements, not both")
    if commencements:
        return parameters_with(tuple(commencements))
    return resolve(params)


@dataclass(frozen=True)
class Condition:
    """One condition of a means of voting, with its section. ``applies`` is False only where the condition
    depends on a fact given (``when``) that makes it inapplicable (a postal ballot of 50 or fewer)."""

    id: str
    text: str
    section: str
    check: str | None
    applies: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "section": self.section, "check": self.check,
                "applies": self.applies}


@dataclass(frozen=True)
class ContentItem:
    id: str
    text: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "text": self.text, "section": self.section}


@dataclass(frozen=True)
class Means:
    """The permissible means of voting for a ballot opening on ``opening_day``."""

    opening_day: date
    methods: tuple[str, ...]
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"opening_day": self.opening_day.isoformat(), "methods": list(self.methods),
                "citations": [c.as_dict() for c in self.citations],
                "warnings": [w.as_dict() for w in self.warnings]}


@dataclass(frozen=True)
class MethodConditions:
    """A method's conditions and the content of its paper or screen, for a ballot opening on a day."""

    method: str
    opening_day: date
    permissible: bool
    permissible_means: tuple[str, ...]
    conditions: tuple[Condition, ...]
    content: tuple[ContentItem, ...]
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]

    @property
    def scrutineer_always(self) -> bool:
        """Whether the method needs an independent scrutineer whatever the number entitled to vote."""
        return any(c.check == "scrutineer_appointed" and c.applies and c.id != "scrutineer-over-50"
                   for c in self.conditions)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "opening_day": self.opening_day.isoformat(),
                "permissible": self.permissible, "permissible_means": list(self.permissible_means),
                "conditions": [c.as_dict() for c in self.conditions if c.applies],
                "not_applicable": [c.as_dict() for c in self.conditions if not c.applies],
                "content": [i.as_dict() for i in self.content],
                "citations": [c.as_dict() for c in self.citations],
                "warnings": [w.as_dict() for w in self.warnings]}


class ImpermissibleMethod(ValueError):
    """A means of voting that is not permissible for the ballot's opening day (or for its kind of ballot)."""


def permissible_means(opening_day: date, commencements: Iterable[RecordedCommencement] | None = None,
                      params: ParameterSet | None = None) -> Means:
    """The means of voting permissible for a ballot opening on ``opening_day``: postal only until the
    Permissible Means of Voting Order 2026 commences (recorded by the deployment in ``commencements``)."""
    p = _params(params, commencements)
    p.regime_for("opening_day", opening_day)  # out of scope before 1 March 2017, in words
    v = p.value("permissible_means_of_voting", opening_day)
    out = Collector()
    out.cite(v.citation)
    for r in v.rests_on:
        c = p.commencement_of(r.id)
        if c is not None:
            out.cite(c.citation)
    for w in p.notes_for(v, on=opening_day):
        out.warn(w)
    return Means(opening_day=opening_day, methods=tuple(v.value), citations=tuple(out.citations),
                 warnings=tuple(out.warnings))


def method_conditions(method: str, opening_day: date,
                      commencements: Iterable[RecordedCommencement] | None = None, *,
                      entitled: int | None = None, params: ParameterSet | None = None) -> MethodConditions:
    """The conditions for ``method`` (postal, electronic, hybrid, workplace) in a ballot opening on
    ``opening_day``, and what its paper, pack or screen carries. ``entitled`` (all units together) settles the
    conditions that depend on the size of the ballot. Where the method is not permissible on that day the
    answer says so (``permissible`` False) and lists the conditions it would have once the Order commences."""
    if method not in METHODS:
        raise ValueError(f"unknown means of voting {method!r}; expected one of {', '.join(METHODS)}")
    if entitled is not None and (isinstance(entitled, bool) or not isinstance(entitled, int) or entitled < 0):
        raise ValueError(f"entitled must be a whole number of at least 0, got {entitled!r}")
    p = _params(params, commencements)
    means = permissible_means(opening_day, params=p)
    # Postal voting is permissible whatever becomes of the Order: that the Order is awaited says nothing of it.
    awaited = [w for w in means.warnings if method != "postal" or not w.code.startswith("pending:")]
    out = Collector(citations=list(means.citations), warnings=awaited)
    permissible = method in means.methods
    conditions_v = p.value("method_conditions", opening_day)
    content_v = p.value("method_content", opening_day)
    if not permissible:
        # Show what the method will need: the conditions as they stand once the Order is in force.
        later = [v for v in p.parameters["method_conditions"].values if v.declared_from == "EBALLOT_ORDER"]
        later_content = [v for v in p.parameters["method_content"].values if v.declared_from == "EBALLOT_ORDER"]
        if later and later_content:
            conditions_v, content_v = later[0], later_content[0]
        out.warn(LawWarning(
            code="method-not-permissible", parameter="permissible_means_of_voting",
            message=f"{METHOD_WORDS[method].capitalize()} is not permissible for a ballot opening on "
                    f"{human_date(opening_day)}: the means permissible then are "
                    f"{', '.join(METHOD_WORDS[m] for m in means.methods)} ({means.citations[0].section}). "
                    f"The conditions below are those the draft Order and Code set once it is in force."))
    for v in (conditions_v, content_v):
        out.cite(v.citation)
        for w in p.notes_for(v, on=opening_day):
            if method != "postal" or not w.code.startswith("pending:"):
                out.warn(w)
    threshold = int(p.value("scrutineer_entitled_threshold", opening_day).value)
    conditions = []
    for raw in conditions_v.value:
        if method not in raw["methods"]:
            continue
        applies = True
        if raw.get("when") == "entitled_over_50" and entitled is not None:
            applies = entitled > threshold
        conditions.append(Condition(id=raw["id"], text=raw["text"], section=raw["section"],
                                    check=raw.get("check"), applies=applies))
    content = tuple(ContentItem(id=i["id"], text=i["text"], section=i["section"])
                    for i in content_v.value if method in i["methods"])
    return MethodConditions(method=method, opening_day=opening_day, permissible=permissible,
                            permissible_means=means.methods, conditions=tuple(conditions), content=content,
                            citations=tuple(out.citations), warnings=tuple(out.warnings))


def check_permissible(method: str, opening_day: date, commencements: Iterable[RecordedCommencement] | None = None,
                      *, ballot_kind: str = "industrial_action", params: ParameterSet | None = None) -> Means:
    """The permissible means, or ImpermissibleMethod in words where ``method`` is not one of them (or is
    workplace voting outside an industrial action ballot)."""
    if ballot_kind not in BALLOT_KINDS:
        raise ValueError(f"unknown kind of ballot {ballot_kind!r}; expected one of {', '.join(BALLOT_KINDS)}")
    answer = method_conditions(method, opening_day, commencements, params=params)
    if not answer.permissible:
        pending = [w for w in answer.warnings if w.code.startswith("pending:")]
        raise ImpermissibleMethod(
            f"{METHOD_WORDS[method].capitalize()} is not permissible for a ballot opening on "
            f"{human_date(opening_day)}: only {', '.join(METHOD_WORDS[m] for m in answer.permissible_means)} "
            f"({answer.citations[0].section})."
            + (" The Permissible Means of Voting Order 2026 is awaited: no commencement is recorded." if pending
               else ""))
    if ballot_kind != "industrial_action" and any(c.check == "industrial_action_ballot" for c in answer.conditions):
        condition = next(c for c in answer.conditions if c.check == "industrial_action_ballot")
        raise ImpermissibleMethod(f"{METHOD_WORDS[method].capitalize()} is permitted for industrial action "
                                  f"ballots only ({condition.section}).")
    return permissible_means(opening_day, commencements, params=params)


def unmet_conditions(method: str, opening_day: date, facts: Mapping[str, bool],
                     commencements: Iterable[RecordedCommencement] | None = None, *, entitled: int | None = None,
                     params: ParameterSet | None = None) -> list[Condition]:
    """The conditions of ``method`` whose ``check`` is not shown true in ``facts`` (a wing's recorded facts,
    e.g. {"scrutineer_appointed": True, "security_assessment_recorded": False}). A fact not given is unmet."""
    answer = method_conditions(method, opening_day, commencements, entitled=entitled, params=params)
    return [c for c in answer.conditions if c.applies and c.check and not facts.get(c.check, False)]
