"""Signed packages of the ballot's documents to an employer: the notice of ballot (s.226A), the sample voting
paper (s.226A(1)(b)) and the result (s.231A), beside the notices of action (union/action.py).

Each package is the issued document's PDF with a JSON of its facts (the lists, numbers and dates the statute
requires; never a member's name or number), signed with the union's Ed25519 key through the one signer,
:func:`mandate.union.action.sign_document` (one package per document, made when first asked for). Only a
document that still stands (not withdrawn or superseded) is packaged. The s.231A result of a ballot that has an
election record carries the record's fingerprint and head hash (:func:`election_record_of`), so that the
employer can check the turnout and the majorities from the public record alone.
"""

from __future__ import annotations

from typing import Any

from mandate.platform.models import Document
from mandate.union import ballots as svc
from mandate.union import rules
from mandate.union.action import ActionRefused, sign_document
from mandate.union.electronic.models import Election
from mandate.union.models import Ballot, Employer, IssuedDocument, Mandate, SentPackage, Union

PACKAGED = {"s226a-notice": "notice of ballot (s.226A)", "sample-paper": "sample voting paper (s.226A(1)(b))",
            "s231a-result": "result of the ballot (s.231A)"}


def election_record_of(ballot: Ballot) -> dict[str, Any] | None:
    """The election record's identity for the s.231A result: its fingerprint (the election_key event's hash),
    head hash and length, or None for a ballot without one (a postal ballot, or an election whose key
    ceremony never finished)."""
    election = Election.objects.filter(ballot=ballot).first()
    if election is None or not election.fingerprint:
        return None
    return {"election_id": election.election_id, "fingerprint": election.fingerprint, "head": election.head,
            "length": election.length, "method": ballot.voting_method}


def _ballot_of(doc: Document) -> Ballot:
    return Ballot.objects.select_related("union").get(pk=int(doc.related_id))


def packageable(union: Union) -> list[tuple[Document, Ballot, Employer, SentPackage | None]]:
    """The union's current ballot documents to employers, with their package if one was made."""
    issued = (IssuedDocument.objects.filter(ballot__union=union, state="current", kind__in=list(PACKAGED))
              .exclude(addressee="").select_related("ballot").order_by("ballot_id", "pk"))
    employers = {e.code: e for e in Employer.objects.filter(union=union)}
    docs = {d.pk: d for d in Document.objects.filter(pk__in=[i.document_id for i in issued]).defer("pdf", "html")}
    packages = {p.document_id: p for p in SentPackage.objects.filter(document_id__in=list(docs))}
    return [(docs[i.document_id], i.ballot, employers[i.addressee], packages.get(i.document_id))
            for i in issued if i.addressee in employers and i.document_id in docs]


def _common(doc: Document, ballot: Ballot, employer: Employer) -> dict[str, Any]:
    return {"document": PACKAGED[doc.kind], "union": ballot.union.name, "employer": employer.name,
            "employer_code": employer.code, "ballot": ballot.title, "opening_day": ballot.opening_day.isoformat(),
            "closing_day": ballot.closing_day.isoformat(), "voting_method": ballot.voting_method,
            "sent_on": doc.sent_on.isoformat() if doc.sent_on else None}


def _notice_facts(doc: Document, ballot: Ballot, employer: Employer) -> dict[str, Any]:
    figures = svc.notice_figures(ballot, employer)
    receipt = doc.received_on or doc.sent_on or ballot.opening_day
    req = rules.notice_requirements(receipt)
    ids = {i["id"] for i in req["items"]}
    out = {"intends_to_hold_ballot": True, "categories": list(figures["by_category"]),
           "workplaces": list(figures["by_workplace"]), "total": figures["total"],
           "content_regime": rules.notice_regime_in_document(doc) or req.get("regime", ""),
           "content_items": sorted(ids)}
    if "per_category" in ids:
        out["number_per_category"] = figures["by_category"]
    if "per_workplace" in ids:
        out["number_per_workplace"] = figures["by_workplace"]
    if "explanation" in ids:
        out["explanation"] = figures["explanation"]
    return out


def _sample_facts(doc: Document, ballot: Ballot, employer: Employer) -> dict[str, Any]:
    req = rules.paper_requirements(ballot.opening_day)
    return {"questions": [{"kind": q.kind, "text": q.text, "action_types": q.action_type_list()}
                          for q in ballot.questions.all()],
            "scrutineer": ballot.scrutineer_name if rules.needs_scrutineer(ballot) else None,
            "statement": req.get("statement", ""), "content_items": sorted(i["id"] for i in req["items"])}


def _result_facts(doc: Document, ballot: Ballot, employer: Employer) -> dict[str, Any]:
    names = set(ballot.electors.filter(employer=employer).values_list("unit__name", flat=True))
    units = []
    for u in ballot.assessment.get("units", []):
        if u["name"] not in names:
            continue
        units.append({"name": u["name"], "entitled": u["entitled"], "votes_cast": u["votes_cast"],
                      "turnout_threshold_met": u.get("turnout_threshold_met"),
                      "questions": {q: {k: a.get(k) for k in ("yes", "no", "spoilt", "majority", "supported")}
                                    for q, a in u.get("questions", {}).items()},
                      "result_information": [{"id": i["id"], "section": i["section"], "value": i["value"]}
                                             for i in u.get("result_information", [])]})
    mandates = [{"unit": m.unit_name, "action": m.kind, "last_day": m.last_day.isoformat()}
                for m in Mandate.objects.filter(ballot=ballot, employer=employer).order_by("unit_name", "kind")]
    return {"date_of_ballot": ballot.closing_day.isoformat(), "units": units, "mandates": mandates,
            "election_record": election_record_of(ballot)}


FACTS = {"s226a-notice": _notice_facts, "sample-paper": _sample_facts, "s231a-result": _result_facts}


def facts_of(doc: Document, ballot: Ballot, employer: Employer) -> dict[str, Any]:
    return {**_common(doc, ballot, employer), **FACTS[doc.kind](doc, ballot, employer)}


def package_document(union: Union, doc: Document, actor: Any = None) -> SentPackage:
    """The signed package of a ballot's document to its employer (made once; asked again, the same one)."""
    if doc.kind not in PACKAGED or doc.related_type != "Ballot":
        raise ActionRefused([f"“{doc.title}” is not a document the union sends an employer as a package."])
    existing = SentPackage.objects.filter(document=doc).first()
    if existing:
        return existing
    issued = IssuedDocument.objects.filter(document=doc, ballot__union=union).first()
    if issued is None:
        raise ActionRefused(["That document belongs to another union."])
    if issued.state != "current":
        raise ActionRefused([f"“{doc.title}” was {issued.state}: only a document that stands is sent."])
    employer = Employer.objects.filter(union=union, code=issued.addressee).first()
    if employer is None:
        raise ActionRefused([f"“{doc.title}” is addressed to no employer."])
    ballot = _ballot_of(doc)
    full = Document.objects.get(pk=doc.pk)
    return sign_document(union, employer, full, facts_of(full, ballot, employer), actor=actor)
