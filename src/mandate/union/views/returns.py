"""Turnout, the scrutineer's returned papers, the count, the results and the report."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.platform.audit import record
from mandate.platform.roles import UNION_ROLES, has_role, role_required
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import lifecycle, projection, rules, services
from mandate.union.forms import (
    CorrectionForm,
    ReportForm,
    ReturnForm,
)
from mandate.union.views._common import (
    OFFICIAL,
    SCRUTINEER,
    STAFF,
    _appointed,
    _ballot,
    _csv_text,
    _refusals_as_messages,
    _scrutinised_ballot,
    _staff_ballot,
    _valid,
)
from mandate.union.views.documents import MEMBERS_DOCUMENT_KINDS


@role_required(*STAFF)
def turnout(request: HttpRequest, pk: int) -> HttpResponse:
    b = _staff_ballot(request, pk)
    if b.voting_method == "electronic":  # ballots arriving in the record, counted per unit
        from mandate.union.electronic import views as electronic_views

        return electronic_views.turnout(request, b)
    rows = svc.turnout(b)
    total_e = sum(r["entitled"] for r in rows)
    total_r = sum(r["returned"] for r in rows)
    return render(request, "union/turnout.html", {"ballot": b, "rows": rows, "method": projection.METHOD,
                                                  "threshold": rules.turnout_threshold(b), "total_entitled": total_e,
                                                  "total_returned": total_r})


@role_required(*SCRUTINEER)
def returns(request: HttpRequest, pk: int) -> HttpResponse:
    b = _scrutinised_ballot(request, pk)
    kinds = list(b.questions.values_list("kind", flat=True))
    form = ReturnForm(request.POST or None, initial={"received_on": min(date.today(), b.closing_day)})
    for kind in ("strike", "action_short_of_strike"):
        if kind not in kinds:
            del form.fields[kind]
    errors: list[str] = []
    if request.method == "POST":
        try:
            upload = request.FILES.get("file")
            if upload is not None:
                text = _csv_text(upload)
                summary = services.import_returns(b, text, request.user, name=upload.name or "returns.csv")
                messages.success(request, f"Recorded {summary['lines']} papers: {summary['counted']} to count, "
                                          f"{summary['duplicates']} duplicates, {summary['late']} late, "
                                          f"{summary['unchanged']} already recorded (unchanged), "
                                          f"{summary['marked_both_ways']} marked both ways on a question.")
                return redirect("union:returns", pk=b.pk)
            if form.is_valid():
                d = form.cleaned_data
                outcome = services.record_return(b, d["paper_number"], {k: d[k] for k in kinds},
                                                 d["received_on"], request.user)
                messages.success(request, f"Paper {outcome.paper_number} ({outcome.unit}): {outcome.status}. "
                                          + " ".join(outcome.notes))
                return redirect("union:returns", pk=b.pk)
            errors = [str(e) for errs in form.errors.values() for e in errs]
        except svc.ReturnsImportError as error:
            errors = error.errors
        except svc.BallotError as error:
            errors = [str(error)]
    papers = b.returns.select_related("unit").order_by("-recorded_at", "-pk")[:50]
    record(request.user, "returns.viewed", "Ballot", b.pk, method=request.method)  # the scrutineer's papers
    flagged = b.returns.exclude(status="counted").select_related("unit")
    both = [p for p in b.returns.filter(status="counted") if "both" in p.marks.values()]
    return render(request, "union/returns.html", {"ballot": b, "form": form, "errors": errors, "papers": papers,
                                                  "flagged": flagged, "both": both, "kinds": kinds,
                                                  "void_papers": b.void_papers.all(),
                                                  "counted": b.returns.filter(status="counted").count()},
                  status=400 if errors else 200)


@role_required(*SCRUTINEER)
@require_POST
def count(request: HttpRequest, pk: int) -> HttpResponse:
    b = _scrutinised_ballot(request, pk)
    try:
        with transaction.atomic():  # closed and counted, or neither
            services.count(b, actor=request.user)
        messages.success(request, "Counted: every unit and question went through the rulebook.")
    except svc.BallotError as error:
        messages.error(request, str(error))
        return redirect("union:returns", pk=b.pk)
    return redirect("union:results", pk=b.pk)


@role_required(*UNION_ROLES)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    b = _ballot(request, pk)
    if b.status != "counted":
        return render(request, "union/results.html", {"ballot": b, "rows": []})
    today = date.today()
    return render(request, "union/results.html", {
        "ballot": b, "rows": svc.result_rows(b), "assessment": b.assessment,
        "mandates": b.mandates.select_related("employer"), "documents": docs.ballot_documents(b),
        "states": services.document_states(b),
        "is_official": has_role(request.user, *OFFICIAL), "is_scrutineer": _appointed(request, b),
        "can": {name: lifecycle.allowed(b, name, request.user) for name in lifecycle.STEPS},
        "members_kinds": MEMBERS_DOCUMENT_KINDS, "correction": CorrectionForm(prefix="correction", initial={"sent_on": today}),
        "is_staff": has_role(request.user, "union_official", "branch_rep") or _appointed(request, b),
        "today": today})


@role_required(*SCRUTINEER)
@require_POST
def scrutineer_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The scrutineer's report; once it is issued, a correction (with its reason) that supersedes it."""
    b = _scrutinised_ballot(request, pk)
    keys = ("no_contravention", "security", "independence")
    satisfied = {k: request.POST.get(k) == "on" for k in keys}
    reasons = {k: request.POST.get(f"{k}_reasons", "")[:5000] for k in keys}
    with _refusals_as_messages(request):
        sent = _valid(ReportForm(request.POST))["sent_on"] or date.today()
        if b.stage == "report_issued":
            services.correct_report(b, reason=request.POST.get("reason", ""), sent_on=sent, satisfied=satisfied,
                                    reasons=reasons, actor=request.user)
            messages.success(request, "The corrected scrutineer's report is issued: it supersedes the one before.")
        else:
            services.issue_report(b, sent_on=sent, satisfied=satisfied, reasons=reasons, actor=request.user)
            messages.success(request, "The scrutineer's report (s.231B) is issued.")
    return redirect("union:results", pk=b.pk)
