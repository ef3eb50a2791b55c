"""Data shapes of the statutory rulebook: inputs, answers, citations, warnings and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

QUESTIONS = ("strike", "action_short_of_strike")
QUESTION_WORDS = {"strike": "strike", "action_short_of_strike": "action short of strike"}


class InconsistentFigures(ValueError):  # the name (not ...Error) is the public contract
    """Ballot figures that cannot all be true: names the unit, the question (if any) and the figures."""

    def __init__(self, unit: str, question: str | None, figures: dict[str, int], problem: str) -> None:
        self.unit = unit
        self.question = question
        self.figures = dict(figures)
        self.problem = problem
        shown = ", ".join(f"{k} {v}" for k, v in figures.items())
        where = f"unit '{unit}'" + (f", question '{question}'" if question else "")
        super().__init__(f"Inconsistent figures in {where}: {problem} ({shown})")


class OutOfScope(ValueError):
    """A date before the rulebook's first regime (1 March 2017), or otherwise outside its scope."""


@dataclass(frozen=True)
class Citation:
    """A section of legislation an answer rests on."""

    section: str
    url: str
    rule: str = ""
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "section": self.section, "url": self.url}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class LawWarning:
    """Something a person should look at: an uncertain parameter, a disagreement, an ignored input."""

    code: str
    message: str
    parameter: str | None = None
    uncertainty: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "parameter": self.parameter,
                "uncertainty": self.uncertainty}


# ---- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionResult:
    """One question's count in a unit. ``blank``: papers returned with this question left unanswered (the
    other question answered), which are neither spoilt nor a Yes or No (s.229(2): each question is answered
    and counted on its own; s.231(e) counts spoilt or invalid papers). yes + no + spoilt + blank = votes cast."""

    yes: int
    no: int
    spoilt: int
    blank: int = 0


@dataclass(frozen=True)
class UnitResult:
    """One ballot unit (a separate workplace or employer ballot, s.228; or the single aggregated ballot)."""

    name: str
    entitled: int
    votes_cast: int
    questions: dict[str, QuestionResult]


@dataclass(frozen=True)
class BallotFacts:
    opened: date
    closed: date
    important_public_services: bool | None  # None: not given (needed only where the 40% rule can apply)
    union_believes_not_ips: bool
    units: list[UnitResult]
    agreed_mandate_months: int | None = None
    court_excluded_days: int = 0


# ---- answers -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionAssessment:
    question: str
    yes: int
    no: int
    spoilt: int
    blank: int
    majority: bool
    strict_majority: bool
    ips_40_percent_met: bool | None
    supported: bool

    def as_dict(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"majority": self.majority, "ips_40_percent_met": self.ips_40_percent_met,
                               "supported": self.supported}
        if detail:
            out.update(yes=self.yes, no=self.no, spoilt=self.spoilt, blank=self.blank,
                       strict_majority=self.strict_majority)
        return out


@dataclass(frozen=True)
class ResultItem:
    """One item of the s.231 / s.231A statement, filled in."""

    id: str
    text: str
    section: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "section": self.section, "value": self.value}


@dataclass(frozen=True)
class UnitAssessment:
    name: str
    entitled: int
    votes_cast: int
    turnout: float
    turnout_threshold_met: bool | None
    questions: dict[str, QuestionAssessment]
    result_information: tuple[ResultItem, ...] = ()

    def as_dict(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "turnout": self.turnout,
            "turnout_threshold_met": self.turnout_threshold_met,
            "questions": {q: a.as_dict(detail) for q, a in self.questions.items()},
        }
        if detail:
            out.update(entitled=self.entitled, votes_cast=self.votes_cast,
                       result_information=[i.as_dict() for i in self.result_information])
        return out


@dataclass(frozen=True)
class MandateAnswer:
    last_day: date
    review: bool
    months: int
    citation: Citation

    def as_dict(self) -> dict[str, Any]:
        return {"last_day": self.last_day.isoformat(), "review": self.review}


@dataclass(frozen=True)
class Assessment:
    regime: str
    opened: date
    closed: date
    ips_rule_applies: bool
    units: tuple[UnitAssessment, ...]
    mandate: MandateAnswer
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]

    def as_dict(self, detail: bool = False) -> dict[str, Any]:
        """The JSON shape of issue 3 (``detail=True`` adds the figures and the s.231 statement)."""
        return {
            "regime": self.regime,
            "units": [u.as_dict(detail) for u in self.units],
            "mandate": self.mandate.as_dict(),
            "citations": [c.as_dict() for c in self.citations],
            "warnings": [w.as_dict() for w in self.warnings],
        }


# Warnings about an uncertainty, an awaited (pending) commencement or a recorded one: one per answer.
ONCE_PER_ANSWER = ("uncertain:", "pending:", "recorded:")


@dataclass
class Collector:
    """Gathers citations and warnings without duplicates, in first-seen order."""

    citations: list[Citation] = field(default_factory=list)
    warnings: list[LawWarning] = field(default_factory=list)

    def cite(self, c: Citation) -> None:
        if c not in self.citations:
            self.citations.append(c)

    def warn(self, w: LawWarning | None) -> None:
        """Add ``w`` unless it is already there; an uncertainty, an awaited commencement or a recorded one is
        warned about once per answer, however many of the values used depend on it (the first one's words are
        kept)."""
        if w is None or w in self.warnings:
            return
        if w.code.startswith(ONCE_PER_ANSWER) and any(x.code == w.code for x in self.warnings):
            return
        self.warnings.append(w)

    def warn_all(self, ws: list[LawWarning]) -> None:
        for w in ws:
            self.warn(w)
