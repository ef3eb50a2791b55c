"""Ballots: the list, set-up and the official's steps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.platform.roles import has_role, role_required
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import lifecycle, rules, services
from mandate.union import tasks as union_tasks
from mandate.union.access import union_for
from mandate.union.forms import (
    BallotForm,
    CorrectionForm,
    DatesForm,
    NoticesForm,
    OmissionForm,
    ReplaceForm,
    ResultsForm,
    WithdrawForm,
    choose_from,
)
from mandate.union.models import Ballot, Dispute, Employer, Workplace
from mandate.union.views._common import (
    OFFICIAL,
    STAFF,
    _appointed,
    _ballot,
    _refusals_as_messages,
    _staff_ballot,
    _valid,
    _visible_ballots,
)


@role_required(*STAFF)
def ballots(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    return render(request, "union/ballots.html", {"ballots": _visible_ballots(request, union)})


@role_required(*OFFICIAL)
def ballot_new(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = BallotForm(request.POST or None)
    choose_from(form, dispute=Dispute.objects.filter(union=union), employers=Employer.objects.filter(union=union),
                 workplaces=Workplace.objects.filter(employer__union=union))
    if request.method == "POST" and form.is_valid() and Ballot.objects.filter(
            union=union, code=form.cleaned_data["code"]).exists():
        form.add_error("code", "A ballot with this code already exists.")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        questions: dict[str, dict[str, Any]] = {}
        if d["strike"]:
            questions["strike"] = {}
        if d["asos"]:
            questions["action_short_of_strike"] = {"action_types": d["action_types"]}
        try:
            ballot = svc.create_ballot(
                union, d["dispute"], code=d["code"], title=d["title"], opening_day=d["opening_day"],
                closing_day=d["closing_day"], employers=list(d["employers"]), workplaces=list(d["workplaces"]),
                questions=questions, units_mode=d["units_mode"], aggregation_basis=d["aggregation_basis"],
                aggregation_reason=d["aggregation_reason"], scrutineer_name=d["scrutineer_name"],
                scrutineer_username=d["scrutineer_username"], return_address=d["return_address"],
                caller=d["caller"], voting_method=d["voting_method"], actor=request.user)
            return redirect("union:ballot", pk=ballot.pk)
        except svc.BallotError as error:
            form.add_error(None, str(error))
    return render(request, "union/ballot_new.html", {"form": form})


@role_required(*STAFF)
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    b = _staff_ballot(request, pk)
    timeline = rules.timeline_for(b)
    today = date.today()
    for step in timeline["steps"]:
        step["passed"] = step["date"] < today
    notified = b.status == "frozen"  # being set up with the electorate frozen, notices or papers issued
    context = {
        "ballot": b, "timeline": timeline, "questions": b.questions.all(),
        "units": b.units.annotate(n=Count("electors")), "electors": b.electors.count(),
        "documents": docs.ballot_documents(b),
        "kinds": docs.KINDS, "states": services.document_states(b),
        "notices": svc.notice_status(b) if b.status != "draft" else [],
        "problems": svc.open_problems(b) if notified else [],
        "omissions": b.omissions.select_related("unit"), "is_official": has_role(request.user, *OFFICIAL),
        "is_scrutineer": _appointed(request, b), "paper": rules.paper_requirements(b.opening_day),
        "today": today, "candidates": svc.candidate_members(b).count() if b.status == "draft" else None,
        "can": {name: lifecycle.allowed(b, name, request.user) for name in lifecycle.STEPS},
        "withdrawals": services.withdrawals(b), "void_papers": b.void_papers.select_related("elector"),
        "stages": lifecycle.STAGE_LABELS.items(), "reached": lifecycle.STAGES.index(b.stage),
        "withdraw_form": WithdrawForm(prefix="withdraw", initial={"withdrawn_on": today}),
        "replace_form": ReplaceForm(prefix="replace"),
    }
    if context["is_official"] or context["is_scrutineer"]:
        context["address_sheets"] = list(docs.all_address_sheets(b))
    if b.status == "counted":
        tallies = list(svc.tally(b).values())
        whatifs = []
        for unit_name, n in b.omissions.values_list("unit__name").annotate(n=Count("pk")):
            whatifs.append(rules.omission_whatif(b, unit_name, n, tallies))
        context["whatifs"] = whatifs
    return render(request, "union/ballot.html", context)


@role_required(*OFFICIAL)
@require_POST
def ballot_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The official's steps: dates, freeze and unfreeze, notices and their withdrawal, papers and replacements,
    open, omissions, results and their correction. Each is a service through the lifecycle."""
    b = _ballot(request, pk)
    user = request.user
    with _refusals_as_messages(request):
        if action == "dates":
            d = _valid(DatesForm(request.POST))
            services.update_dates(b, d["opening_day"], d["closing_day"], user)
        elif action == "freeze":
            n = services.freeze_electorate(b, user)
            messages.success(request, f"Electorate frozen: {n} members, papers numbered 1 to {n}.")
        elif action == "unfreeze":
            n = services.unfreeze_electorate(b, user)
            messages.success(request, f"Electorate unfrozen ({n} members): freeze it again from the register.")
        elif action == "notices":
            d = _valid(NoticesForm(request.POST))
            services.issue_notices(b, sent_on=d["sent_on"], expected_receipt=d["expected_receipt"], actor=user)
            messages.success(request, "Notices of ballot and sample voting papers issued to every employer.")
        elif action == "withdraw":
            d = _valid(WithdrawForm(request.POST, prefix="withdraw"))
            n = services.withdraw_notices(b, reason=d["reason"], withdrawn_on=d["withdrawn_on"], actor=user)
            messages.success(request, f"Notices withdrawn ({n} documents): the ballot is being set up again; "
                                      "issue new notices when it is ready.")
        elif action == "papers":  # a background job (union/tasks.py): its page shows progress and result
            job = union_tasks.start_voting_papers(b, actor=user)
            if not job.finished:
                return redirect("job", pk=job.pk)
            (messages.success if job.status == "succeeded" else messages.error)(request, job.result_text or job.error)
        elif action == "replace":
            replace = ReplaceForm(request.POST, prefix="replace")
            _valid(replace)
            doc = services.replace_papers(b, replace.numbers(), reason=replace.cleaned_data["reason"], actor=user)
            messages.success(request, f"{doc.title}: the old numbers are void.")
        elif action == "credentials-sent":
            services.record_credentials_sent(b, actor=user)
            messages.success(request, "Recorded: the credential authority has sent every member their credential.")
        elif action == "open":
            services.open_ballot(b, actor=user)
            messages.success(request, "The ballot is open.")
        elif action == "omission":
            form = OmissionForm(request.POST)
            choose_from(form, unit=b.units.all())
            d = _valid(form)
            services.record_omission(b, d["unit"], kind=d["kind"], description=d["description"],
                                     discovered_on=d["discovered_on"], membership_number=d["membership_number"],
                                     actor=user)
        elif action == "results":
            sent = _valid(ResultsForm(request.POST))["sent_on"]
            services.issue_results(b, sent_on=sent, actor=user)
            messages.success(request, "Result issued to members (s.231) and to every employer (s.231A).")
        elif action == "correct-results":
            d = _valid(CorrectionForm(request.POST, prefix="correction"))
            services.correct_results(b, reason=d["reason"], sent_on=d["sent_on"], actor=user)
            messages.success(request, "Corrected result issued: it supersedes the one before.")
        else:
            raise Http404("no such step")
    return redirect("union:results" if action in ("results", "correct-results") else "union:ballot", pk=b.pk)
