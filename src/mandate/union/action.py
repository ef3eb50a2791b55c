"""Calling the action: notices of industrial action (s.234A), of suspension and of resumption, each sent as a
signed package (platform/exchange.py), and the employer's acknowledgements of receipt imported as proof.

The rulebook (law/action.py) decides every date and content item; this module gathers the facts (the frozen
electorate gives the categories, workplaces and numbers), refuses what the law refuses, renders the notice to
HTML and PDF, signs the package and stores it. The facts in a package are numbers and categories, never a
member's name or membership number.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mandate.dates import human_date
from mandate.law.action import ActionNoticeAnswer, action_notice, resumption_notice
from mandate.law.dates import DateOutOfRange
from mandate.law.model import OutOfScope
from mandate.platform import exchange
from mandate.platform.audit import record
from mandate.platform.documents import issue_document
from mandate.platform.models import Document
from mandate.union.models import (
    ActionNotice,
    Elector,
    Employer,
    EmployerKey,
    Mandate,
    Member,
    SentPackage,
    SigningKey,
    Union,
)

SUSPENSION_REASONS = {
    "agreed_suspension": "suspended by agreement with the employer, with an agreed date of resumption (s.234A(7B))",
    "court_order": "suspended to comply with a court order or an undertaking given to a court (s.234A(7A))",
    "union_decision": "the union's authorisation of the action ends; resuming needs a fresh notice (s.234A(7))",
}


class ActionRefused(Exception):
    """The notice cannot be issued; ``problems`` are sentences a person can act on."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def _actor(actor: Any) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else getattr(actor, "username", "") or "anonymous"


# ---- keys -----------------------------------------------------------------------------------------------------
def signing_key(union: Union) -> SigningKey:
    """The union's signing key, made on first use (once, however many ask at the same time)."""
    existing = SigningKey.objects.filter(union=union).first()
    if existing:
        return existing
    seed = exchange.new_seed()
    try:
        with transaction.atomic():
            key = SigningKey.objects.create(union=union, seed=seed, public_key=exchange.public_key(seed).hex())
    except IntegrityError:
        return SigningKey.objects.get(union=union)
    record(None, "exchange.key_created", "Union", union.pk, public_key=key.public_key)
    return key


def public_key_of(union: Union) -> tuple[str, str]:
    """(the public key in hex, its fingerprint) as the union publishes them."""
    key = signing_key(union)
    return key.public_key, exchange.fingerprint(bytes.fromhex(key.public_key))


def record_employer_key(employer: Employer, text: str, actor: Any = None) -> EmployerKey:
    key = exchange.parse_public_key(text)
    obj, created = EmployerKey.objects.get_or_create(employer=employer, public_key=key.hex(),
                                                     defaults={"recorded_by": _actor(actor)})
    if created:
        record(actor, "exchange.employer_key_recorded", "Employer", employer.pk, fingerprint=exchange.fingerprint(key))
    return obj


# ---- the facts of a notice ------------------------------------------------------------------------------------
def _electorate(mandate: Mandate) -> Any:
    if mandate.ballot is None or mandate.unit is None:
        raise ActionRefused([f"The {mandate} was entered by hand, so there is no frozen electorate to give the "
                             "categories, workplaces and numbers the notice must state. Issue notices from a "
                             "mandate counted here."])
    return Elector.objects.filter(ballot=mandate.ballot, unit=mandate.unit, employer=mandate.employer)


def notice_figures(mandate: Mandate) -> dict[str, Any]:
    electors = _electorate(mandate)
    by_category = Counter(electors.values_list("job_category", flat=True))
    by_workplace = Counter(electors.values_list("workplace__name", flat=True))
    frozen = mandate.ballot.frozen_at if mandate.ballot else None
    when = human_date(timezone.localtime(frozen).date()) if frozen else "the ballot"
    return {
        "total": sum(by_category.values()),
        "by_category": dict(sorted(by_category.items())),
        "by_workplace": dict(sorted(by_workplace.items())),
        "explanation": f"Counted from the union's membership register as frozen for the ballot on {when}: every "
                       f"member employed by {mandate.employer.name} who was entitled to vote in "
                       f"{mandate.unit_name}, by their job category and workplace as the register records them.",
    }


def called_not_entitled(mandate: Mandate, figures: dict[str, Any]) -> list[Member]:
    """Members the notice would call (in a notified category at a notified workplace of this employer) who were
    members at the date of the ballot but were not given a vote: calling them loses ballot support (s.232A)."""
    entitled = set(Elector.objects.filter(ballot=mandate.ballot).values_list("membership_number", flat=True))
    candidates = Member.objects.filter(
        union=mandate.union, employer=mandate.employer, workplace__name__in=list(figures["by_workplace"]),
        job_category__in=list(figures["by_category"]), joined_on__lte=mandate.date_of_ballot,
    ).exclude(left_on__lte=mandate.date_of_ballot)
    return [m for m in candidates.order_by("membership_number") if m.membership_number not in entitled]


def _s231a_day(mandate: Mandate) -> date | None:
    if mandate.ballot is None:
        return None
    doc = (Document.objects.filter(kind="s231a-result", related_type="Ballot", related_id=str(mandate.ballot.pk),
                                   addressed_to_scope=mandate.employer.code).order_by("created_at").first())
    return (doc.received_on or doc.sent_on) if doc else None


def plan(mandate: Mandate, *, days: list[date], continuous: bool, forms: list[str], expected_receipt: date,
         agreed_7_days: bool = False) -> ActionNoticeAnswer:
    """The rulebook's answer for this notice, without issuing it, or ActionRefused for dates outside its scope."""
    try:
        return action_notice(receipt=expected_receipt, kind=mandate.kind, days=days, continuous=continuous,
                             date_of_ballot=mandate.date_of_ballot, mandate_last_day=mandate.last_day,
                             forms=forms if mandate.kind == "action_short_of_strike" else [],
                             s231a_done=_s231a_day(mandate), agreed_7_days=agreed_7_days)
    except (OutOfScope, DateOutOfRange) as exc:
        raise ActionRefused([str(exc)]) from None


def _facts(mandate: Mandate, kind: str, answer: ActionNoticeAnswer | None, figures: dict[str, Any],
           extra: dict[str, Any]) -> dict[str, Any]:
    items = {i.id for i in answer.items} if answer else set()
    out: dict[str, Any] = {
        "document": kind, "union": mandate.union.name, "employer": mandate.employer.name,
        "employer_code": mandate.employer.code, "action": mandate.kind,
        "date_of_ballot": mandate.date_of_ballot.isoformat(), "mandate_last_day": mandate.last_day.isoformat(),
        "categories": list(figures["by_category"]), "workplaces": list(figures["by_workplace"]),
        "total": figures["total"], "explanation": figures["explanation"],
        "number_per_workplace": figures["by_workplace"],
    }
    if "per_category" in items:
        out["number_per_category"] = figures["by_category"]
    if answer is not None:
        out.update({"continuous": answer.continuous, "days": [d.isoformat() for d in answer.days],
                    "forms_of_action": list(answer.forms), "regime": answer.regime,
                    "notice_period_days": answer.period_days,
                    "latest_receipt": answer.latest_receipt.isoformat() if answer.latest_receipt else None,
                    "content_items": sorted(items)})
    out.update(extra)
    return out


def _send(mandate: Mandate, *, doc_kind: str, title: str, template: str, context: dict[str, Any], facts: dict[str, Any],
          sent_on: date, actor: Any) -> SentPackage:
    doc = issue_document(kind=doc_kind, title=title, template=template, context=context, issued_by_side="union",
                         issued_by_scope=mandate.union.code, addressed_to_scope=mandate.employer.code,
                         sent_on=sent_on, related=mandate)
    return sign_document(mandate.union, mandate.employer, doc, facts, actor=actor)


def sign_document(union: Union, employer: Employer, doc: Document, facts: dict[str, Any],
                  actor: Any = None) -> SentPackage:
    """The signed package of an issued document (its PDF and ``facts``), stored to send and to match receipts."""
    if not doc.pdf:
        raise ActionRefused([f"The document “{doc.title}” has no PDF to sign."])
    existing = SentPackage.objects.filter(document=doc).first()
    if existing:
        return existing
    key = signing_key(union)
    raw = exchange.make_package(kind=doc.kind, title=doc.title, issuer=union.name, facts=facts, pdf=bytes(doc.pdf),
                                seed=bytes(key.seed))
    try:
        with transaction.atomic():
            package = SentPackage.objects.create(union=union, employer=employer, document=doc, package=raw,
                                                 digest=exchange.package_digest(raw))
    except IntegrityError:  # signed at the same moment by another request: that one stands
        return SentPackage.objects.get(document=doc)
    record(actor, "exchange.package_signed", "Document", doc.pk, kind=doc.kind, digest=package.digest)
    return package


def issue_action_notice(mandate: Mandate, *, days: list[date], continuous: bool, forms: list[str] | None = None,
                        expected_receipt: date, sent_on: date, agreed_7_days: bool = False,
                        actor: Any = None) -> ActionNotice:
    """Issue the notice of industrial action to the mandate's employer, or ActionRefused with every reason."""
    forms = [f.strip() for f in (forms or []) if f.strip()]
    figures = notice_figures(mandate)
    answer = plan(mandate, days=days, continuous=continuous, forms=forms, expected_receipt=expected_receipt,
                  agreed_7_days=agreed_7_days)
    problems = [r.message for r in answer.refusals]
    if expected_receipt < sent_on:
        problems.append("The employer cannot receive the notice before the day it is sent.")
    missing = called_not_entitled(mandate, figures)
    if missing:
        shown = ", ".join(m.membership_number for m in missing[:10]) + (" …" if len(missing) > 10 else "")
        problems.append(f"{len(missing)} member(s) in the notified categories and workplaces were members at the "
                        f"date of the ballot but were not given a vote ({shown}): calling them would lose the "
                        f"support of the ballot (s.232A). Exclude them from the call or re-ballot.")
    if problems:
        raise ActionRefused(problems)
    facts = _facts(mandate, "notice of industrial action (s.234A)", answer, figures, {})
    title = f"Notice of industrial action to {mandate.employer.name}"
    context = {"title": title, "union": mandate.union, "employer": mandate.employer, "mandate": mandate,
               "answer": answer, "figures": figures, "facts": facts, "sent_on": sent_on}
    with transaction.atomic():
        Mandate.objects.select_for_update().filter(pk=mandate.pk).first()  # one notice at a time per mandate
        same = ActionNotice.objects.filter(
            mandate=mandate, kind="action", continuous=continuous, days=[d.isoformat() for d in answer.days],
            forms="\n".join(answer.forms), expected_receipt=expected_receipt, sent_on=sent_on).first()
        if same is not None:  # submitted twice: the notice already issued, not a second one
            return same
        package = _send(mandate, doc_kind="s234a-notice", title=title, template="union/action/notice_doc.html",
                        context=context, facts=facts, sent_on=sent_on, actor=actor)
        notice = ActionNotice.objects.create(
            union=mandate.union, mandate=mandate, employer=mandate.employer, kind="action", continuous=continuous,
            days=[d.isoformat() for d in answer.days], forms="\n".join(answer.forms),
            expected_receipt=expected_receipt, sent_on=sent_on, regime=answer.regime,
            latest_receipt=answer.latest_receipt, facts=facts, package=package, created_by=_actor(actor))
        record(actor, "action.notice_issued", "ActionNotice", notice.pk, mandate=mandate.pk,
               first_day=answer.days[0], regime=answer.regime)
    return notice


def issue_suspension(notice: ActionNotice, *, suspended_from: date, reason: str, sent_on: date,
                     expected_receipt: date, resumes_on: date | None = None, actor: Any = None) -> ActionNotice:
    """Tell the employer the action is suspended from ``suspended_from`` (and, if agreed, when it resumes)."""
    problems = []
    if notice.kind != "action":
        problems.append("Only a notice of industrial action can be suspended.")
    if reason not in SUSPENSION_REASONS:
        problems.append(f"Choose why the action is suspended: {', '.join(SUSPENSION_REASONS)}.")
    if reason == "agreed_suspension" and resumes_on is None:
        problems.append("An agreed suspension needs the agreed date of resumption (s.234A(7B)).")
    if resumes_on is not None and resumes_on <= suspended_from:
        problems.append("The action must resume after the day it is suspended from.")
    if resumes_on is not None and resumes_on > notice.mandate.last_day:
        problems.append(f"The mandate does not cover {human_date(resumes_on)}: it ends with "
                        f"{human_date(notice.mandate.last_day)} (s.234(1)).")
    if expected_receipt < sent_on:
        problems.append("The employer cannot receive the notice before the day it is sent.")
    if problems:
        raise ActionRefused(problems)
    mandate = notice.mandate
    figures = dict(total=notice.facts.get("total"), by_category={}, by_workplace=notice.facts.get(
        "number_per_workplace", {}), explanation=notice.facts.get("explanation", ""))
    facts = _facts(mandate, "notice of suspension of industrial action", None, figures, {
        "suspends_notice": notice.package.digest, "suspended_from": suspended_from.isoformat(),
        "resumes_on": resumes_on.isoformat() if resumes_on else None, "reason": SUSPENSION_REASONS[reason]})
    title = f"Notice of suspension of industrial action to {mandate.employer.name}"
    context = {"title": title, "union": mandate.union, "employer": mandate.employer, "notice": notice,
               "suspended_from": suspended_from, "resumes_on": resumes_on, "reason": SUSPENSION_REASONS[reason],
               "sent_on": sent_on, "kind": "suspension"}
    with transaction.atomic():
        package = _send(mandate, doc_kind="action-suspension", title=title, template="union/action/change_doc.html",
                        context=context, facts=facts, sent_on=sent_on, actor=actor)
        out = ActionNotice.objects.create(
            union=mandate.union, mandate=mandate, employer=mandate.employer, kind="suspension", previous=notice,
            days=[suspended_from.isoformat()], reason=reason, expected_receipt=expected_receipt, sent_on=sent_on,
            facts=facts, package=package, created_by=_actor(actor))
        record(actor, "action.suspended", "ActionNotice", out.pk, notice=notice.pk, reason=reason)
    return out


def issue_resumption(suspension: ActionNotice, *, resumes_on: date, sent_on: date, expected_receipt: date,
                     actor: Any = None) -> ActionNotice:
    """Resume suspended action. Where the union's authorisation ended (s.234A(7)) the rulebook requires a fresh
    notice, so the period and the mandate are checked as for a new notice."""
    if suspension.kind != "suspension":
        raise ActionRefused(["Only suspended action can resume."])
    mandate = suspension.mandate
    reason = {"union_decision": "new_notice"}.get(suspension.reason, suspension.reason)
    law = resumption_notice(reason, resumes_on)
    problems: list[str] = []
    answer = None
    if law.needs_notice:
        original = suspension.previous
        assert original is not None
        answer = plan(mandate, days=[resumes_on], continuous=True, forms=original.form_list,
                      expected_receipt=expected_receipt)
        problems += [r.message for r in answer.refusals]
    elif resumes_on > mandate.last_day:
        problems.append(f"The mandate does not cover {human_date(resumes_on)}: it ends with "
                        f"{human_date(mandate.last_day)} (s.234(1)).")
    if expected_receipt < sent_on:
        problems.append("The employer cannot receive the notice before the day it is sent.")
    if problems:
        raise ActionRefused(problems)
    figures = notice_figures(mandate)
    facts = _facts(mandate, "notice of resumption of industrial action", answer, figures, {
        "resumes_notice": suspension.package.digest, "resumes_on": resumes_on.isoformat(),
        "fresh_notice_required": law.needs_notice, "rule": law.reason.text, "rule_section": law.reason.section})
    title = f"Notice of resumption of industrial action to {mandate.employer.name}"
    context = {"title": title, "union": mandate.union, "employer": mandate.employer, "notice": suspension,
               "resumes_on": resumes_on, "reason": law.reason.text, "sent_on": sent_on, "kind": "resumption",
               "suspended_from": date.fromisoformat(suspension.days[0]),
               "answer": answer, "figures": figures}
    with transaction.atomic():
        package = _send(mandate, doc_kind="action-resumption", title=title, template="union/action/change_doc.html",
                        context=context, facts=facts, sent_on=sent_on, actor=actor)
        out = ActionNotice.objects.create(
            union=mandate.union, mandate=mandate, employer=mandate.employer, kind="resumption", previous=suspension,
            continuous=True, days=[resumes_on.isoformat()], reason=reason, expected_receipt=expected_receipt,
            sent_on=sent_on, regime=answer.regime if answer else "",
            latest_receipt=answer.latest_receipt if answer else None, facts=facts, package=package,
            created_by=_actor(actor))
        record(actor, "action.resumed", "ActionNotice", out.pk, notice=suspension.pk, fresh_notice=law.needs_notice)
    return out


# ---- proof of receipt -----------------------------------------------------------------------------------------
def import_receipt(union: Union, raw: bytes | str, actor: Any = None) -> SentPackage:
    """Record the employer's signed acknowledgement as the proof of receipt of the package it names.

    Refused: not an acknowledgement; signed by no employer key recorded here; a package this union never sent;
    the acknowledgement already imported (a replay); a package already acknowledged; a date before sending."""
    trusted = {bytes.fromhex(k.public_key): k.employer.name
               for k in EmployerKey.objects.filter(employer__union=union).select_related("employer")}
    receipt = exchange.open_receipt(raw, trusted)
    with transaction.atomic():
        package = (SentPackage.objects.select_for_update().select_related("employer", "document")
                   .filter(union=union, digest=receipt.package_sha256).first())
        if package is None:
            raise exchange.PackageRefused("The acknowledgement names a package this union did not send.")
        if not EmployerKey.objects.filter(employer=package.employer, public_key=receipt.public_key.hex()).exists():
            raise exchange.PackageRefused(f"The acknowledgement is signed by another employer's key, not "
                                          f"{package.employer.name}'s, to whom the package was sent.")
        recorded = human_date(package.received_on) if package.received_on else ""
        if package.receipt_digest == receipt.digest:
            raise exchange.PackageRefused("This acknowledgement has already been recorded (a replay): the proof "
                                          f"of receipt stands at {recorded}.")
        if package.receipt_digest:
            raise exchange.PackageRefused(f"A receipt on {recorded} is already recorded for "
                                          f"this package; another acknowledgement cannot replace it.")
        sent = package.document.sent_on
        if sent and receipt.received_on < sent:
            raise exchange.PackageRefused(f"The acknowledgement says it was received on "
                                          f"{human_date(receipt.received_on)}, before it was sent on {human_date(sent)}.")
        package.received_on = receipt.received_on
        package.receipt = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        package.receipt_digest = receipt.digest
        package.receipt_recorded_by = _actor(actor)
        package.receipt_recorded_at = timezone.now()
        package.save()
        Document.objects.filter(pk=package.document.pk).update(received_on=receipt.received_on)
        record(actor, "exchange.receipt_recorded", "Document", package.document.pk, received_on=receipt.received_on,
               digest=receipt.digest)
    return package


def notices_for(union: Union) -> list[ActionNotice]:
    return list(ActionNotice.objects.filter(union=union).select_related("employer", "mandate", "package",
                                                                           "package__document"))
