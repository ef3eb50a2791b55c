"""What documents must contain, by the regime for their trigger date: voting paper (s.229), notice of
ballot (s.226A), notice of industrial action (s.234A), statement of the result (s.231, s.231A)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mandate.law.means import ContentItem, MethodConditions, method_conditions
from mandate.law.model import Citation, Collector, LawWarning
from mandate.law.params import ParameterSet, resolve

Item = ContentItem  # an item a document must carry: its id, its words and the section requiring it


@dataclass(frozen=True)
class Requirements:
    """The items a document must carry, for the regime in force on ``on`` for ``trigger``."""

    document: str
    regime: str
    trigger: str
    on: date
    items: tuple[Item, ...]
    statement: str | None = None
    timing: dict[str, Any] = field(default_factory=dict)
    citations: tuple[Citation, ...] = ()
    warnings: tuple[LawWarning, ...] = ()
    method: MethodConditions | None = None  # the means of voting asked about, its conditions and content

    @property
    def fields(self) -> list[Item]:
        return list(self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "regime": self.regime,
            "trigger": self.trigger,
            "on": self.on.isoformat(),
            "items": [i.as_dict() for i in self.items],
            "statement": self.statement,
            "timing": self.timing,
            "citations": [c.as_dict() for c in self.citations],
            "warnings": [w.as_dict() for w in self.warnings],
            **({"method": self.method.as_dict()} if self.method else {}),
        }


def _items(raw: list[dict[str, str]]) -> tuple[Item, ...]:
    return tuple(Item(id=i["id"], text=i["text"], section=i["section"]) for i in raw)


def voting_paper_requirements(opening: date, params: ParameterSet | None = None, *, method: str | None = None,
                              entitled: int | None = None) -> Requirements:
    """Fields a voting paper must carry and the exact s.229(4) statement, for a ballot opening on ``opening``.

    With ``method`` (postal, electronic, hybrid, workplace), also the method's conditions and what its paper,
    pack or screen carries (:func:`mandate.law.means.method_conditions`); ``entitled`` settles the conditions
    that depend on the ballot's size."""
    p = resolve(params)
    regime = p.regime_for("opening_day", opening)
    fields_v = p.value("voting_paper_fields", opening)
    statement_v = p.value("voting_paper_statement", opening)
    means_v = p.value("permissible_means_of_voting", opening)
    out = Collector()
    for v in (fields_v, statement_v, means_v):
        out.cite(v.citation)
        out.warn_all(p.notes_for(v, on=opening))
    answer = None
    if method is not None:
        answer = method_conditions(method, opening, entitled=entitled, params=p)
        for c in answer.citations:
            out.cite(c)
        out.warn_all(list(answer.warnings))
    return Requirements(document="voting paper", regime=regime.id, trigger="opening_day", on=opening,
                        items=_items(fields_v.value), statement=str(statement_v.value),
                        timing={"permissible_means_of_voting": list(means_v.value)},
                        citations=tuple(out.citations), warnings=tuple(out.warnings), method=answer)


def ballot_notice_requirements(receipt_date: date, params: ParameterSet | None = None) -> Requirements:
    """Content of the s.226A notice of ballot, chosen by the date the employer receives it."""
    p = resolve(params)
    regime = p.regime_for("ballot_notice_receipt", receipt_date)
    content = p.value("ballot_notice_content", receipt_date)
    days = p.value("ballot_notice_days_before_opening", receipt_date)
    sample = p.value("sample_paper_days_before_opening", receipt_date)
    out = Collector()
    for v in (content, days, sample):
        out.cite(v.citation)
        out.warn_all(p.notes_for(v))
    return Requirements(
        document="notice of ballot (s.226A)", regime=regime.id, trigger="ballot_notice_receipt", on=receipt_date,
        items=_items(content.value),
        timing={"notice_days_before_opening": days.value, "sample_paper_days_before_opening": sample.value},
        citations=tuple(out.citations), warnings=tuple(out.warnings))


def action_notice_requirements(receipt_date: date, params: ParameterSet | None = None) -> Requirements:
    """Content and notice period of the s.234A notice of industrial action, by the date it is received."""
    p = resolve(params)
    regime = p.regime_for("action_notice_receipt", receipt_date)
    content = p.value("action_notice_content", receipt_date)
    days = p.value("action_notice_days", receipt_date)
    agreed = p.value("action_notice_agreed_days", receipt_date)
    out = Collector()
    for v in (content, days, agreed):
        out.cite(v.citation)
        out.warn_all(p.notes_for(v))
    return Requirements(
        document="notice of industrial action (s.234A)", regime=regime.id, trigger="action_notice_receipt",
        on=receipt_date, items=_items(content.value),
        timing={"days_before_first_action_day": days.value,
                "days_if_agreed_with_employer": None if agreed.repealed else agreed.value,
                "period_begins": "the day the union satisfies s.231A (informing the employer of the result)"},
        citations=tuple(out.citations), warnings=tuple(out.warnings))


def result_information_items(opening: date, params: ParameterSet | None = None) -> Requirements:
    """What the union must tell members (s.231) and every relevant employer (s.231A) after the ballot."""
    p = resolve(params)
    regime = p.regime_for("opening_day", opening)
    items_v = p.value("result_information_items", opening)
    out = Collector()
    out.cite(items_v.citation)
    out.warn_all(p.notes_for(items_v))
    overseas = p.uncertainties.get("overseas-members-denominator")
    if overseas:
        out.warn(LawWarning(code=f"uncertain:{overseas.id}", uncertainty=overseas.id,
                            message="Members outside Great Britain throughout the voting period are left out of the "
                                    "'entitled' figure here and given separately (s.232). " + overseas.summary))
    return Requirements(document="statement of the result (s.231, s.231A)", regime=regime.id,
                        trigger="opening_day", on=opening,
                        items=_items(items_v.value),
                        timing={"when": "as soon as reasonably practicable after the ballot (Metrobus v Unite "
                                        "[2009] EWCA Civ 829: about two days was too long)"},
                        citations=tuple(out.citations), warnings=tuple(out.warnings))
