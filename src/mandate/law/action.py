"""The notice of industrial action (TULRCA 1992 s.234A), decided from the rulebook's dated parameters.

Given the day the employer will receive the notice, the mandate (the date of the ballot and its last day) and
the action called (strike or action short of a strike, continuous from a start day or on listed days, the
forms of action short of a strike), :func:`action_notice` answers with the content the notice must carry under
the regime of that day of receipt, the latest day the employer may receive it, and every reason the notice
would not protect the action (refusals). :func:`resumption_notice` says whether resumed action needs a fresh
notice (s.234A(7)-(7B)).

The period (14 days before the first day of action for a notice received up to 17 February 2026, 7 if the
employer agreed; 10 days, with no agreed reduction, for one received from 18 February 2026) and the content
come from ``parameters/notices.toml`` and ``parameters/action.toml``; nothing here is a constant of the law.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from mandate.dates import human_date
from mandate.law.dates import days_before
from mandate.law.model import Citation, Collector, LawWarning
from mandate.law.params import ParameterSet, resolve
from mandate.law.requirements import Item
from mandate.law.timeline import latest_action_notice_receipt

KINDS = ("strike", "action_short_of_strike")
S234 = Citation(section="TULRCA 1992 s.234(1)", url="https://www.legislation.gov.uk/ukpga/1992/52/section/234",
                rule="action is supported by the ballot only until the end of the mandate")
S233 = Citation(section="TULRCA 1992 s.233(3)(b)", url="https://www.legislation.gov.uk/ukpga/1992/52/section/233",
                rule="no call of the action before the date of the ballot")
S234A4 = Citation(section="TULRCA 1992 s.234A(4)", url="https://www.legislation.gov.uk/ukpga/1992/52/section/234A",
                  rule="the notice must be received within the appropriate period")


@dataclass(frozen=True)
class Refusal:
    """Why the notice would not protect the action, in words an official can act on."""

    code: str  # not_covered, late, before_result, no_days, forms_missing, continuous_one_day
    message: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "section": self.section}


@dataclass(frozen=True)
class ActionNoticeAnswer:
    kind: str
    regime: str
    receipt: date
    continuous: bool
    days: tuple[date, ...]
    forms: tuple[str, ...]
    items: tuple[Item, ...]
    period_days: int
    latest_receipt: date | None
    latest_receipt_regime: str | None
    window_opens: date | None
    date_of_ballot: date
    mandate_last_day: date
    refusals: tuple[Refusal, ...]
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def first_day(self) -> date | None:
        return self.days[0] if self.days else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": "notice of industrial action (s.234A)",
            "kind": self.kind, "regime": self.regime, "receipt": self.receipt.isoformat(),
            "continuous": self.continuous, "days": [d.isoformat() for d in self.days], "forms": list(self.forms),
            "items": [i.as_dict() for i in self.items], "period_days": self.period_days,
            "latest_receipt": self.latest_receipt.isoformat() if self.latest_receipt else None,
            "latest_receipt_regime": self.latest_receipt_regime,
            "window_opens": self.window_opens.isoformat() if self.window_opens else None,
            "date_of_ballot": self.date_of_ballot.isoformat(), "mandate_last_day": self.mandate_last_day.isoformat(),
            "ok": self.ok, "refusals": [r.as_dict() for r in self.refusals],
            "citations": [c.as_dict() for c in self.citations], "warnings": [w.as_dict() for w in self.warnings],
        }


def _list(days: Iterable[date]) -> str:
    shown = [human_date(d) for d in days]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def action_notice(*, receipt: date, kind: str, days: Iterable[date], continuous: bool, date_of_ballot: date,
                  mandate_last_day: date, forms: Iterable[str] = (), s231a_done: date | None = None,
                  agreed_7_days: bool = False, params: ParameterSet | None = None) -> ActionNoticeAnswer:
    """The s.234A notice for action of ``kind`` on ``days`` (continuous: the one start day), received on
    ``receipt``, under a mandate from the ballot of ``date_of_ballot`` lasting to ``mandate_last_day``.

    ``s231a_done`` is the day the union told the employer the result (s.231A), when known: the appropriate
    period begins with it. ``agreed_7_days``: the employer agreed to 7 days' notice (TUA 2016 regime only)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    p = resolve(params)
    chosen = tuple(sorted(set(days)))
    named_forms = tuple(f.strip() for f in forms if f.strip())
    regime = p.regime_for("action_notice_receipt", receipt)
    content = p.value("action_notice_content", receipt)
    period_v = p.value("action_notice_days", receipt)
    agreed_v = p.value("action_notice_agreed_days", receipt)
    out = Collector()
    for v in (content, period_v, agreed_v):
        out.cite(v.citation)
        out.warn_all(p.notes_for(v))
    items = [Item(id=i["id"], text=i["text"], section=i["section"]) for i in content.value]
    if kind == "action_short_of_strike":
        forms_v = p.value("action_notice_forms_item", receipt)
        out.cite(forms_v.citation)
        out.warn_all(p.notes_for(forms_v))
        items.append(Item(id=forms_v.value["id"], text=forms_v.value["text"], section=forms_v.value["section"]))
    period = int(period_v.value)
    if agreed_7_days:
        if agreed_v.repealed:
            out.warn(LawWarning(code="agreed-period-repealed", parameter="action_notice_agreed_days",
                                message=f"A notice received on {human_date(receipt)} cannot be shortened by "
                                        f"agreement with the employer ({agreed_v.citation.section}): "
                                        f"{period} days apply."))
        else:
            period = int(agreed_v.value)
    refusals: list[Refusal] = []
    if not chosen:
        refusals.append(Refusal("no_days", "Give the day the action starts, or every day of discontinuous action.",
                                "s.234A(3)(b)"))
    if continuous and len(chosen) > 1:
        refusals.append(Refusal("continuous_one_day", "Continuous action has one start day; for action on "
                                "several separate days choose discontinuous action.", "s.234A(3)(b)"))
    if kind == "action_short_of_strike" and not named_forms:
        refusals.append(Refusal("forms_missing", "Name the forms of action short of a strike being called.",
                                "s.234A(3)(b); Code of Practice"))
    early = [d for d in chosen if d <= date_of_ballot]
    if early:
        out.cite(S233)
        refusals.append(Refusal("not_covered", f"The mandate does not cover {_list(early)}: action can be called "
                                f"only after the date of the ballot, {human_date(date_of_ballot)}.", "s.233(3)(b)"))
    late_days = [d for d in chosen if d > mandate_last_day]
    if late_days:
        out.cite(S234)
        refusals.append(Refusal("not_covered", f"The mandate does not cover {_list(late_days)}: it ends with "
                                f"{human_date(mandate_last_day)}. A fresh ballot is needed for later action.",
                                "s.234(1)"))
    if continuous and chosen and not late_days:
        out.warn(LawWarning(code="continuous-stops-at-mandate-end",
                            message=f"Continuous action is supported only up to and including "
                                    f"{human_date(mandate_last_day)}, the last day of the mandate (s.234(1))."))
    latest: date | None = None
    latest_regime: str | None = None
    if chosen:
        first = chosen[0]
        out.cite(S234A4)
        latest, latest_regime, _ = latest_action_notice_receipt(first, agreed_7_days=agreed_7_days, params=p)
        if receipt > days_before(first, period):
            refusals.append(Refusal(
                "late", f"The notice would be late: received on {human_date(receipt)} ({regime.id}: {period} days' "
                        f"notice), it had to be received by {human_date(days_before(first, period))} for action "
                        f"from {human_date(first)}. The latest day of receipt for that first day is "
                        f"{human_date(latest)}.", "s.234A(4)"))
    if s231a_done is not None and receipt < s231a_done:
        refusals.append(Refusal(
            "before_result", f"The notice would be received on {human_date(receipt)}, before the employer was told "
                             f"the result on {human_date(s231a_done)}: the appropriate period begins with that day.",
            "s.234A(4)"))
    return ActionNoticeAnswer(
        kind=kind, regime=regime.id, receipt=receipt, continuous=continuous, days=chosen, forms=named_forms,
        items=tuple(items), period_days=period, latest_receipt=latest, latest_receipt_regime=latest_regime,
        window_opens=s231a_done, date_of_ballot=date_of_ballot, mandate_last_day=mandate_last_day,
        refusals=tuple(refusals), citations=tuple(out.citations), warnings=tuple(out.warnings))


@dataclass(frozen=True)
class ResumptionAnswer:
    needs_notice: bool
    reason: Item
    citations: tuple[Citation, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"needs_notice": self.needs_notice, "reason": self.reason.as_dict(),
                "citations": [c.as_dict() for c in self.citations]}


RESUMPTION_REASONS = ("new_notice", "court_order", "agreed_suspension")


def resumption_notice(reason: str, resumes_on: date, params: ParameterSet | None = None) -> ResumptionAnswer:
    """Whether action resuming on ``resumes_on`` needs a fresh s.234A notice: ``reason`` is why it stopped:
    ``court_order`` (s.234A(7A)), ``agreed_suspension`` with an agreed resumption date (s.234A(7B)), or
    ``new_notice`` (the union's authorisation ceased: s.234A(7))."""
    if reason not in RESUMPTION_REASONS:
        raise ValueError(f"reason must be one of {', '.join(RESUMPTION_REASONS)}, not {reason!r}")
    p = resolve(params)
    v = p.value("action_resumption_notice", resumes_on)
    item = next(Item(id=i["id"], text=i["text"], section=i["section"]) for i in v.value if i["id"] == reason)
    return ResumptionAnswer(needs_notice=reason == "new_notice", reason=item, citations=(v.citation,))
