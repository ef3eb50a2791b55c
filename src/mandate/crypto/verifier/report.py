"""The verifier's report: each check's outcome, what the record holds, and the figures the verifier proved.

A check is ``pass``, ``fail`` or ``skip``; if the verifier itself stops on an unexpected error (a bug, never a
property of the record), the report says so as its own outcome: ``error`` holds the message and every check that
had not failed by then is ``error`` too (it was not completed, so it cannot be said to pass). ``ok`` is true only
when no check failed and there was no error.

``verified`` holds the election's title and fingerprint, the ballots counted, set aside and challenged, and per
unit and question the decrypted online Yes and No (and in a hybrid ballot the postal and combined figures), only
when every check passed on a complete record: each of those figures is then one that a check proved (16, 17, 20,
22-24). Otherwise it is None, and the outputs say that the figures are not verified.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mandate.crypto.fastpath import backend
from mandate.crypto.verifier.checks import CHECKS, Check

PASS, FAIL, SKIP, ERROR = "pass", "fail", "skip", "error"
MAX_DETAILS = 20


@dataclass
class CheckResult:
    number: int
    name: str
    title: str
    status: str = PASS  # pass, fail, skip or error
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "title": self.title, "status": self.status,
                "details": self.details}


@dataclass(frozen=True)
class Figures:
    """Yes and No (and, for postal and combined figures, spoilt) for one unit and question."""

    yes: int
    no: int
    spoilt: int | None = None

    def to_json(self) -> dict[str, int]:
        out = {"yes": self.yes, "no": self.no}
        if self.spoilt is not None:
            out["spoilt"] = self.spoilt
        return out


@dataclass(frozen=True)
class QuestionResult:
    question: str
    online: Figures  # the decrypted online figures (check 20)
    postal: Figures | None = None  # hybrid ballot: the scrutineer's signed figures (22, 24)
    combined: Figures | None = None  # hybrid ballot: online + postal (24)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question": self.question, "online": self.online.to_json()}
        if self.postal is not None and self.combined is not None:
            out["postal"], out["combined"] = self.postal.to_json(), self.combined.to_json()
        return out


@dataclass(frozen=True)
class UnitResult:
    unit: str
    name: str
    ballots_counted: int  # online ballots in the unit's tally (check 17)
    questions: tuple[QuestionResult, ...]
    postal_papers: int | None = None  # hybrid ballot: postal papers counted (22)
    postal_papers_set_aside: int | None = None  # hybrid ballot, online vote stands (23)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit, "name": self.name, "ballots_counted": self.ballots_counted,
                               "questions": [q.to_json() for q in self.questions]}
        if self.postal_papers is not None:
            out["postal_papers"] = self.postal_papers
            out["postal_papers_set_aside"] = self.postal_papers_set_aside
        return out


@dataclass(frozen=True)
class BallotCounts:
    """Online ballots: ballot events (``cast``), those counted in the tallies, those replaced by the same voter's
    later ballot, those set aside because the member's postal vote stands, and challenged ballots."""

    cast: int
    counted: int
    replaced: int
    set_aside: int
    challenged: int


@dataclass(frozen=True)
class Verified:
    """What a record that passed every check proves (see the module's notes)."""

    title: str
    election_id: str
    fingerprint: str
    ballots: BallotCounts
    units: tuple[UnitResult, ...]
    double_vote_rule: str | None = None  # hybrid ballot only

    @property
    def hybrid(self) -> bool:
        return self.double_vote_rule is not None

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "election_id": self.election_id, "fingerprint": self.fingerprint,
                "hybrid": self.hybrid, "double_vote_rule": self.double_vote_rule, "ballots": asdict(self.ballots),
                "units": [u.to_json() for u in self.units]}


@dataclass
class Report:
    checks: dict[int, CheckResult]
    events: int = 0
    ballots: int = 0
    head: str = ""
    seconds: float = 0.0
    arithmetic: str = field(default_factory=backend)
    error: str | None = None  # the verifier stopped on an unexpected error (its own outcome, not a check)
    verified: Verified | None = None

    @classmethod
    def new(cls, with_since: bool) -> Report:
        checks: dict[int, CheckResult] = {Check(n): CheckResult(n, name, title) for n, name, title in CHECKS}
        rep = cls(checks)
        if not with_since:
            rep.skip(Check.RECORD_EXTENDS, "no earlier head given")
        return rep

    def fail(self, check: Check, message: str) -> None:
        c = self.checks[check]
        c.status = FAIL
        if len(c.details) < MAX_DETAILS:
            c.details.append(message)
        elif len(c.details) == MAX_DETAILS:
            c.details.append("(further failures not listed)")

    def skip(self, check: Check, message: str) -> None:
        c = self.checks[check]
        if c.status == PASS:
            c.status = SKIP
            c.details.append(message)

    def passed(self, check: Check) -> bool:
        return self.checks[check].status == PASS

    def stopped(self, exc: BaseException) -> None:
        """The verifier stopped on an unexpected error: say so, and mark every check not yet failed or skipped
        as not completed."""
        self.error = f"{exc.__class__.__name__}: {exc}"
        self.verified = None
        for c in self.checks.values():
            if c.status == PASS:
                c.status = ERROR
                c.details.append("not completed: the verifier stopped on an unexpected error")

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.status not in (FAIL, ERROR) for c in self.checks.values())

    @property
    def status(self) -> str:
        """``pass`` (no check failed), ``fail`` (some check failed) or ``error`` (the verifier stopped)."""
        return ERROR if self.error is not None else PASS if self.ok else FAIL

    def failed(self) -> list[tuple[int, str]]:
        return [(Check(c.number), c.name) for c in self.checks.values() if c.status == FAIL]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "error": self.error, "events": self.events,
                "ballots": self.ballots, "head": self.head, "seconds": round(self.seconds, 3),
                "arithmetic": self.arithmetic, "checks": [c.to_json() for c in self.checks.values()],
                "verified": self.verified.to_json() if self.verified is not None else None}
