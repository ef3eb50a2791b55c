"""Union wing pages. Every view is wrapped in role_required with union-side roles only.

Who sees what: officials set up ballots and see turnout (papers returned, never marks); the scrutineer records
and counts papers and writes the report, and cannot change a counted result; branch representatives see
turnout and mandates; members see results. Where a ballot names its scrutineer's account, a scrutineer sees
that ballot's pages only from that account: another scrutineer of the union is refused its page, turnout,
documents (the voting papers hold every elector's name and home address), papers, count and report.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mandate.platform import inputs
from mandate.platform.audit import record
from mandate.platform.models import Document
from mandate.platform.roles import UNION_ROLES, has_role, role_required
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import projection, rules
from mandate.union.access import union_for
from mandate.union.models import (
    AccidentalOmission,
    Ballot,
    BallotQuestion,
    BallotUnit,
    Dispute,
    DisputeEvent,
    Employer,
    Mandate,
    Member,
    Union,
    Workplace,
)
from mandate.union.register import RegisterImportError, export_register, import_register

OFFICIAL = ("union_official",)
SCRUTINEER = ("scrutineer",)
STAFF = ("union_official", "branch_rep", "scrutineer")


def _date(what: str, **kw: Any) -> forms.DateField:
    """A date field whose errors name it in the users' words: `what` completes "Enter a real date for ...".
    It takes the date picker's 2026-11-23 or a typed 23/11/2026 or 23 November 2026 (platform/formats)."""
    return forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": f"Enter the date for {what}",
                        "invalid": f"Enter a real date for {what}, for example 23 November 2026"},
        **kw)


def _choose_from(form: forms.BaseForm, **querysets: QuerySet[Any]) -> None:
    """Offer each named model choice field only `querysets[name]` (this union's own employers, disputes...)."""
    for name, queryset in querysets.items():
        cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class StepRefused(Exception):
    """A set-up step's input was refused; `problems` are the messages to show, one a line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _valid(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or StepRefused with each of its errors (they name their fields)."""
    if not form.is_valid():
        raise StepRefused([str(e) for errors in form.errors.values() for e in errors])
    return form.cleaned_data


@contextmanager
def _refusals_as_messages(request: HttpRequest) -> Iterator[None]:
    """Run a step in one transaction; a refusal (a form's errors, the services' BallotError, the rulebook's
    ValueError such as OutOfScope, each worded as a sentence) undoes all of the step, documents for the first
    employers of several included, and becomes error messages on the page the step returns to."""
    try:
        with transaction.atomic():
            yield
    except StepRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    except (svc.BallotError, ValueError) as error:
        messages.error(request, str(error))


@role_required(*UNION_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    context: dict[str, object] = {"union": union}
    if has_role(request.user, *STAFF):
        current = Q(members__union=union, members__left_on__isnull=True)
        context["workplaces"] = (
            Workplace.objects.filter(employer__union=union)
            .annotate(member_count=Count("members", filter=current))
            .select_related("employer")
            .order_by("employer__name", "name")
        )
        context["total_members"] = Member.objects.filter(union=union, left_on__isnull=True).count()
    context["ballots"] = _visible_ballots(request, union)[:10]
    return render(request, "union/dashboard.html", context)


# ---------------------------------------------------------------------------------------------------------------
# Disputes
# ---------------------------------------------------------------------------------------------------------------


class DisputeForm(forms.Form):
    code = forms.SlugField()
    title = forms.CharField(max_length=200)
    matters = forms.CharField(widget=forms.Textarea, help_text="The matters in issue.")
    categories_affected = forms.CharField(widget=forms.Textarea, required=False, help_text="One a line.")
    employers = forms.ModelMultipleChoiceField(queryset=Employer.objects.none())
    workplaces = forms.ModelMultipleChoiceField(queryset=Workplace.objects.none(), required=False)
    opened_on = _date("the day the dispute opened")


class EventForm(forms.ModelForm):
    on = _date("the event")

    class Meta:
        model = DisputeEvent
        fields = ["on", "kind", "title", "detail"]


@role_required("union_official", "branch_rep")
def disputes(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = DisputeForm(request.POST or None)
    _choose_from(form, employers=Employer.objects.filter(union=union),
                 workplaces=Workplace.objects.filter(employer__union=union))
    if request.method == "POST":
        if not has_role(request.user, *OFFICIAL):
            return HttpResponse("Only an official can open a dispute.", status=403)
        if form.is_valid() and Dispute.objects.filter(union=union, code=form.cleaned_data["code"]).exists():
            form.add_error("code", "A dispute with this code already exists.")
        if form.is_valid():
            d = form.cleaned_data
            dispute = Dispute.objects.create(union=union, code=d["code"], title=d["title"], matters=d["matters"],
                                             categories_affected=d["categories_affected"], opened_on=d["opened_on"])
            dispute.employers.set(d["employers"])
            dispute.workplaces.set(d["workplaces"])
            record(request.user, "dispute.created", "Dispute", dispute.pk, code=dispute.code)
            return redirect("union:dispute", pk=dispute.pk)
    return render(request, "union/disputes.html", {"union": union, "form": form,
                                                   "disputes": Dispute.objects.filter(union=union)})


@role_required("union_official", "branch_rep")
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    union = union_for(request)
    d = get_object_or_404(Dispute, pk=pk, union=union)
    form = EventForm(request.POST or None)
    if request.method == "POST" and not has_role(request.user, *OFFICIAL):
        return HttpResponse("Only an official can add to a dispute's timeline.", status=403)
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event.dispute = d
        event.save()
        record(request.user, "dispute.event_added", "Dispute", d.pk, on=event.on, kind=event.kind)
        return redirect("union:dispute", pk=d.pk)
    return render(request, "union/dispute.html", {"dispute": d, "form": form, "ballots": d.ballots.all(),
                                                  "mandates": d.mandates.select_related("employer")})


# ---------------------------------------------------------------------------------------------------------------
# Register
# ---------------------------------------------------------------------------------------------------------------


class RegisterForm(forms.Form):
    file = forms.FileField(label="Register file", help_text="CSV in the register format (see docs/union.md).",
                           validators=[inputs.upload_validator("register")])
    mark_missing_left = forms.BooleanField(required=False, label="Mark members missing from the file as left")


@role_required(*OFFICIAL)
def register(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = RegisterForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            text = form.cleaned_data["file"].read().decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
            errors = ["The file is not UTF-8 text: save it as CSV UTF-8 and upload it again."]
        if text is not None:
            try:
                report = import_register(union, text, request.user,
                                         mark_missing_left=form.cleaned_data["mark_missing_left"])
                messages.success(request, f"Imported {report.rows} members: {report.created} new, {report.updated} "
                                          f"updated, {report.unchanged} unchanged, {report.marked_left} marked as left.")
                return redirect("union:register")
            except RegisterImportError as error:
                errors = [str(e) for e in error.errors]
    total = Member.objects.filter(union=union, left_on__isnull=True).count()
    refused = bool(errors) or (request.method == "POST" and bool(form.errors))
    return render(request, "union/register.html", {"form": form, "errors": errors, "total": total},
                  status=400 if refused else 200)


@role_required(*OFFICIAL)
def register_export(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    out = io.StringIO()
    export_register(union, out, request.user)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{union.code}-register-{date.today().isoformat()}.csv"'
    return response


# ---------------------------------------------------------------------------------------------------------------
# Ballots
# ---------------------------------------------------------------------------------------------------------------


class BallotForm(forms.Form):
    dispute = forms.ModelChoiceField(queryset=Dispute.objects.none())
    code = forms.SlugField()
    title = forms.CharField(max_length=200)
    employers = forms.ModelMultipleChoiceField(queryset=Employer.objects.none())
    workplaces = forms.ModelMultipleChoiceField(queryset=Workplace.objects.none(), required=False,
                                                help_text="Leave empty for every workplace of those employers.")
    strike = forms.BooleanField(required=False, initial=True, label="Ask about strike action")
    asos = forms.BooleanField(required=False, initial=True, label="Ask about action short of a strike")
    action_types = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                   label="Types of action short of a strike, one a line")
    units_mode = forms.ChoiceField(choices=Ballot.UNITS_CHOICES, label="Ballot units")
    aggregation_basis = forms.ChoiceField(choices=Ballot.BASIS_CHOICES, required=False, label="s.228A basis")
    aggregation_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    voting_method = forms.ChoiceField(choices=Ballot.METHOD_CHOICES, initial="postal",
                                      help_text="Postal for now; electronic and hybrid come with the voting engine.")
    scrutineer_name = forms.CharField(max_length=200, required=False)
    scrutineer_username = forms.CharField(max_length=150, required=False)
    return_address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    caller = forms.CharField(max_length=300, initial=Ballot._meta.get_field("caller").default)
    opening_day = _date("the opening day of the ballot")
    closing_day = _date("the closing day of the ballot")


@role_required(*STAFF)
def ballots(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    return render(request, "union/ballots.html", {"ballots": _visible_ballots(request, union)})


@role_required(*OFFICIAL)
def ballot_new(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = BallotForm(request.POST or None)
    _choose_from(form, dispute=Dispute.objects.filter(union=union), employers=Employer.objects.filter(union=union),
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


def _ballot(request: HttpRequest, pk: int) -> Ballot:
    return get_object_or_404(Ballot, pk=pk, union=union_for(request))


def _appointed(request: HttpRequest, b: Ballot) -> bool:
    """Whether the user is this ballot's scrutineer: holds the role and, where the ballot names the
    scrutineer's account, is that account."""
    return has_role(request.user, *SCRUTINEER) and (
        not b.scrutineer_username or request.user.get_username() == b.scrutineer_username)


def _scrutinised_ballot(request: HttpRequest, pk: int) -> Ballot:
    """The ballot, for its scrutineer: where the ballot names the scrutineer's account, only that account
    sees the papers' marks, counts or reports; another scrutineer of the union is refused."""
    b = _ballot(request, pk)
    if not _appointed(request, b):
        raise PermissionDenied("Only this ballot's appointed scrutineer can open its papers.")
    return b


def _staff_ballot(request: HttpRequest, pk: int) -> Ballot:
    """The ballot, for the union's staff pages: officials and branch representatives see every ballot of
    their union; a scrutineer sees only the ballots they are appointed to."""
    b = _ballot(request, pk)
    if not has_role(request.user, "union_official", "branch_rep") and not _appointed(request, b):
        raise PermissionDenied("Only this ballot's appointed scrutineer can open it.")
    return b


def _visible_ballots(request: HttpRequest, union: Union) -> QuerySet[Ballot]:
    """The union's ballots a user may see listed: all of them, except that a scrutineer (holding no other
    staff role) sees only the ballots naming their account or naming none."""
    ballots = Ballot.objects.filter(union=union)
    if has_role(request.user, *SCRUTINEER) and not has_role(request.user, "union_official", "branch_rep"):
        ballots = ballots.filter(Q(scrutineer_username="") | Q(scrutineer_username=request.user.get_username()))
    return ballots


@role_required(*STAFF)
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    b = _staff_ballot(request, pk)
    timeline = rules.timeline_for(b)
    context = {
        "ballot": b, "timeline": timeline, "questions": b.questions.all(),
        "units": b.units.annotate(n=Count("electors")), "electors": b.electors.count(),
        "documents": docs.ballot_documents(b), "kinds": docs.KINDS,
        "notices": svc.notice_status(b) if b.status != "draft" else [],
        "problems": svc.open_problems(b) if b.status == "frozen" else [],
        "omissions": b.omissions.select_related("unit"), "is_official": has_role(request.user, *OFFICIAL),
        "is_scrutineer": _appointed(request, b), "paper": rules.paper_requirements(b.opening_day),
        "today": date.today(), "candidates": svc.candidate_members(b).count() if b.status == "draft" else None,
    }
    if b.status == "counted":
        tallies = list(svc.tally(b).values())
        whatifs = []
        for unit_name, n in b.omissions.values_list("unit__name").annotate(n=Count("pk")):
            whatifs.append(rules.omission_whatif(b, unit_name, n, tallies))
        context["whatifs"] = whatifs
    return render(request, "union/ballot.html", context)


class DatesForm(forms.Form):
    opening_day = _date("the opening day of the ballot")
    closing_day = _date("the closing day of the ballot")


class NoticesForm(forms.Form):
    sent_on = _date("the day the notices are sent")
    expected_receipt = _date("the day the employers should receive the notices", required=False)


class ResultsForm(forms.Form):
    sent_on = _date("the day the result is sent")


class OmissionForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=BallotUnit.objects.none(),
                                  error_messages={"required": "Choose the ballot unit",
                                                  "invalid_choice": "Choose a ballot unit of this ballot"})
    kind = forms.ChoiceField(choices=AccidentalOmission.KIND_CHOICES,
                             error_messages={"required": "Choose what happened",
                                             "invalid_choice": "Choose what happened from the list"})
    description = forms.CharField(error_messages={"required": "Describe what happened"})
    membership_number = forms.CharField(max_length=32, required=False)
    discovered_on = _date("the day the omission was found")


class DocumentDatesForm(forms.Form):
    sent_on = _date("the day the document was sent", required=False)
    received_on = _date("the day the document was received", required=False)


class ReportForm(forms.Form):
    sent_on = _date("the date of the scrutineer's report", required=False)


@role_required(*OFFICIAL)
@require_POST
def ballot_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The official's set-up steps: dates, freeze, notices, papers, open, omissions, results."""
    b = _ballot(request, pk)
    with _refusals_as_messages(request):
        if action == "dates":
            d = _valid(DatesForm(request.POST))
            svc.update_dates(b, d["opening_day"], d["closing_day"], request.user)
        elif action == "freeze":
            n = svc.freeze_electorate(b, request.user)
            messages.success(request, f"Electorate frozen: {n} members, papers numbered 1 to {n}.")
        elif action == "notices":
            d = _valid(NoticesForm(request.POST))
            sent, expected = d["sent_on"], d["expected_receipt"] or d["sent_on"]
            for employer in svc.employers_in_electorate(b):
                docs.issue_notice(b, employer, sent_on=sent, expected_receipt=expected, actor=request.user)
                docs.issue_sample(b, employer, sent_on=sent, actor=request.user)
            messages.success(request, "Notices of ballot and sample voting papers issued to every employer.")
        elif action == "papers":
            doc = docs.issue_voting_papers(b, actor=request.user)
            messages.success(request, f"{doc.title}: one print-ready PDF.")
        elif action == "open":
            svc.open_ballot(b, request.user)
            messages.success(request, "The ballot is open.")
        elif action == "omission":
            form = OmissionForm(request.POST)
            _choose_from(form, unit=b.units.all())
            d = _valid(form)
            svc.record_omission(b, d["unit"], kind=d["kind"], description=d["description"],
                                discovered_on=d["discovered_on"], membership_number=d["membership_number"],
                                actor=request.user)
        elif action == "results":
            sent = _valid(ResultsForm(request.POST))["sent_on"]
            docs.issue_result_to_members(b, sent_on=sent, actor=request.user)
            for employer in svc.employers_in_electorate(b):
                docs.issue_result_to_employer(b, employer, sent_on=sent, actor=request.user)
            messages.success(request, "Result issued to members (s.231) and to every employer (s.231A).")
        else:
            raise Http404("no such step")
    return redirect("union:results" if action == "results" else "union:ballot", pk=b.pk)


@role_required(*OFFICIAL)
@require_POST
def document_dates(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    b = _ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk))
    with _refusals_as_messages(request):
        d = _valid(DocumentDatesForm(request.POST))
        warning = docs.record_dates(document, b, sent_on=d["sent_on"], received_on=d["received_on"],
                                    actor=request.user)
        if warning:
            messages.warning(request, warning)
    return redirect("union:ballot", pk=b.pk)


@role_required(*STAFF)
def document_file(request: HttpRequest, pk: int, doc: int, fmt: str) -> HttpResponse:
    b = _staff_ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk))
    if document.kind == "voting-papers" and not (has_role(request.user, *OFFICIAL) or _appointed(request, b)):
        raise Http404("not available")
    return _document_response(request, document, fmt)


# What every member may read of a counted ballot: the result the union must tell them (s.231) and the
# scrutineer's report, of which anyone entitled to vote may have a copy (s.231B(2)). Not the notice to the
# employer (s.231A), nor the notices and papers of the running of the ballot.
MEMBERS_DOCUMENT_KINDS = ("s231-result", "s231b-report")


@role_required(*UNION_ROLES)
def result_document(request: HttpRequest, pk: int, doc: int, fmt: str) -> HttpResponse:
    b = _ballot(request, pk)
    document = get_object_or_404(Document, pk=doc, related_type="Ballot", related_id=str(b.pk),
                                 kind__in=MEMBERS_DOCUMENT_KINDS)
    return _document_response(request, document, fmt)


def _document_response(request: HttpRequest, document: Document, fmt: str) -> HttpResponse:
    record(request.user, "document.viewed", "Document", document.pk, kind=document.kind, format=fmt)
    if fmt == "pdf":
        response = HttpResponse(bytes(document.pdf or b""), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document.kind}-{document.pk}.pdf"'
        return response
    return HttpResponse(document.html, content_type="text/html; charset=utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Turnout, returns, count
# ---------------------------------------------------------------------------------------------------------------


@role_required(*STAFF)
def turnout(request: HttpRequest, pk: int) -> HttpResponse:
    b = _staff_ballot(request, pk)
    rows = svc.turnout(b)
    total_e = sum(r["entitled"] for r in rows)
    total_r = sum(r["returned"] for r in rows)
    return render(request, "union/turnout.html", {"ballot": b, "rows": rows, "method": projection.METHOD,
                                                  "threshold": rules.turnout_threshold(b), "total_entitled": total_e,
                                                  "total_returned": total_r})


class ReturnForm(forms.Form):
    paper_number = forms.IntegerField(min_value=1)
    received_on = _date("the day the paper was received")
    strike = forms.ChoiceField(choices=[(m, m) for m in ("yes", "no", "both", "blank")], required=False)
    action_short_of_strike = forms.ChoiceField(choices=[(m, m) for m in ("yes", "no", "both", "blank")],
                                               required=False, label="Action short of a strike")


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
                too_large = inputs.upload_too_large(upload, inputs.upload_limit("returns"))
                if too_large:
                    raise svc.BallotError(too_large)
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    raise svc.BallotError("The file is not UTF-8 text: save it as CSV UTF-8 and upload it "
                                          "again.") from error
                summary = svc.import_returns(b, text, request.user, name=upload.name or "returns.csv")
                messages.success(request, f"Recorded {summary['lines']} papers: {summary['counted']} to count, "
                                          f"{summary['duplicates']} duplicates, {summary['late']} late, "
                                          f"{summary['marked_both_ways']} marked both ways on a question.")
                return redirect("union:returns", pk=b.pk)
            if form.is_valid():
                d = form.cleaned_data
                outcome = svc.record_return(b, d["paper_number"], {k: d.get(k, "") for k in kinds},
                                            d["received_on"], request.user)
                messages.success(request, f"Paper {outcome.paper_number} ({outcome.unit}): {outcome.status}. "
                                          + " ".join(outcome.notes))
                return redirect("union:returns", pk=b.pk)
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
                                                  "counted": b.returns.filter(status="counted").count()},
                  status=400 if errors else 200)


@role_required(*SCRUTINEER)
@require_POST
def count(request: HttpRequest, pk: int) -> HttpResponse:
    b = _scrutinised_ballot(request, pk)
    try:
        svc.count(b, request.user)
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
    return render(request, "union/results.html", {
        "ballot": b, "rows": svc.result_rows(b), "assessment": b.assessment,
        "mandates": b.mandates.select_related("employer"), "documents": docs.ballot_documents(b),
        "is_official": has_role(request.user, *OFFICIAL), "is_scrutineer": _appointed(request, b),
        "members_kinds": MEMBERS_DOCUMENT_KINDS,
        "is_staff": has_role(request.user, "union_official", "branch_rep") or _appointed(request, b),
        "today": date.today()})


@role_required(*SCRUTINEER)
@require_POST
def scrutineer_report(request: HttpRequest, pk: int) -> HttpResponse:
    b = _scrutinised_ballot(request, pk)
    keys = ("no_contravention", "security", "independence")
    satisfied = {k: request.POST.get(k) == "on" for k in keys}
    reasons = {k: request.POST.get(f"{k}_reasons", "") for k in keys}
    with _refusals_as_messages(request):
        sent = _valid(ReportForm(request.POST))["sent_on"] or date.today()
        docs.issue_scrutineer_report(b, sent_on=sent, satisfied=satisfied, reasons=reasons, actor=request.user)
        messages.success(request, "The scrutineer's report (s.231B) is issued.")
    return redirect("union:results", pk=b.pk)


# ---------------------------------------------------------------------------------------------------------------
# Mandates
# ---------------------------------------------------------------------------------------------------------------


class MandateForm(forms.Form):
    employer = forms.ModelChoiceField(queryset=Employer.objects.none())
    dispute = forms.ModelChoiceField(queryset=Dispute.objects.none(), required=False)
    unit_name = forms.CharField(max_length=200, label="Ballot unit (workplace or aggregate)")
    kind = forms.ChoiceField(choices=BallotQuestion.KIND_CHOICES, label="Question")
    opening_day = _date("the opening day of the ballot")
    date_of_ballot = _date("the date of the ballot", label="Date of the ballot (closing day)")
    entitled = forms.IntegerField(min_value=1)
    voted = forms.IntegerField(min_value=0, label="Votes cast (spoilt papers included)")
    yes = forms.IntegerField(min_value=0)
    no = forms.IntegerField(min_value=0)
    spoiled = forms.IntegerField(min_value=0, initial=0, label="Spoilt")
    reference = forms.CharField(max_length=300, required=False, help_text="Where the figures come from.")


@role_required("union_official", "branch_rep")
def mandates(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    today = date.today()
    form = MandateForm(request.POST or None)
    _choose_from(form, employer=Employer.objects.filter(union=union), dispute=Dispute.objects.filter(union=union))
    if request.method == "POST":
        if not has_role(request.user, *OFFICIAL):
            return HttpResponse("Only an official can enter a mandate.", status=403)
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.enter_mandate(union, employer=d["employer"], unit_name=d["unit_name"], kind=d["kind"],
                                  opening_day=d["opening_day"], date_of_ballot=d["date_of_ballot"],
                                  entitled=d["entitled"], voted=d["voted"], yes=d["yes"], no=d["no"],
                                  spoiled=d["spoiled"], reference=d["reference"], dispute=d["dispute"],
                                  actor=request.user)
                messages.success(request, "Mandate entered.")
                return redirect("union:mandates")
            except (svc.BallotError, ValueError) as error:
                form.add_error(None, str(error))
    live = [(m, (m.last_day - today).days) for m in
            Mandate.objects.filter(union=union, last_day__gte=today).select_related("employer")]
    ended = Mandate.objects.filter(union=union, last_day__lt=today).select_related("employer")[:20]
    return render(request, "union/mandates.html", {"live": live, "ended": ended, "form": form,
                                                   "is_official": has_role(request.user, *OFFICIAL)})


@role_required("union_official", "branch_rep")
def renewal(request: HttpRequest, pk: int) -> HttpResponse:
    union = union_for(request)
    m = get_object_or_404(Mandate, pk=pk, union=union)
    voting_days: int | None
    try:
        voting_days = max(7, min(60, int(request.GET["voting_days"])))
    except (KeyError, ValueError):
        voting_days = None  # the Code of Practice's suggestion, from the rulebook
    plan = rules.renewal_plan(m.last_day, voting_days=voting_days, entitled=m.entitled)
    allowed = rules.agreed_months_allowed(m.opening_day)
    agreement = None
    if allowed is not None and has_role(request.user, *OFFICIAL):
        agreement = AgreementForm(months=allowed[:2], initial={"months": allowed[1]})
    court_order = CourtOrderForm() if has_role(request.user, *OFFICIAL) else None
    return render(request, "union/renewal.html", {"mandate": m, "plan": plan, "today": date.today(),
                                                  "allowed": allowed, "agreement": agreement,
                                                  "agreement_section": rules.agreement_section(m.opening_day),
                                                  "exclusions": m.court_exclusions.all(), "court_order": court_order})


class AgreementForm(forms.Form):
    months = forms.TypedChoiceField(coerce=int, label="Agreed length of the mandate")
    agreed_on = _date("the day the employer agreed", label="Agreed on")
    reference = forms.CharField(max_length=300, required=False,
                                help_text="Where the agreement is recorded, for example the employer's letter.")
    whole_ballot = forms.BooleanField(required=False, initial=True,
                                      label="Every mandate of this ballot with this employer")

    def __init__(self, *args: Any, months: tuple[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statutory, longest = months
        cast(forms.TypedChoiceField, self.fields["months"]).choices = [(n, f"{n} months") for n in range(statutory + 1, longest + 1)]


@role_required(*OFFICIAL)
def mandate_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """A longer mandate agreed with the employer (TUA16 ballots): recorded, then back to the renewal page."""
    m = get_object_or_404(Mandate, pk=pk, union=union_for(request))
    if request.method != "POST":
        return redirect("union:renewal", pk=m.pk)
    allowed = rules.agreed_months_allowed(m.opening_day)
    if allowed is None:
        messages.error(request, f"A mandate from a ballot opened on {m.opening_day:%-d %B %Y} cannot be lengthened "
                                f"by agreement ({rules.agreement_section(m.opening_day)}).")
        return redirect("union:renewal", pk=m.pk)
    with _refusals_as_messages(request):
        d = _valid(AgreementForm(request.POST, months=allowed[:2]))
        changed = svc.lengthen_mandate_by_agreement(m, months=d["months"], agreed_on=d["agreed_on"],
                                                    reference=d["reference"], whole_ballot=d["whole_ballot"],
                                                    actor=request.user)
        _say_mandates_now_run_until(request, m, len(changed))
    return redirect("union:renewal", pk=m.pk)


class CourtOrderForm(forms.Form):
    court = forms.CharField(max_length=200, help_text="For example: High Court of Justice, King's Bench Division.",
                            error_messages={"required": "Name the court that made the order"})
    made_on = _date("the day the court made the order", label="Order made on")
    excluded_from = _date("the first day that does not count", label="First day that does not count")
    excluded_to = _date("the last day that does not count", label="Last day that does not count")
    reference = forms.CharField(max_length=300, required=False, help_text="The order's reference.")
    whole_ballot = forms.BooleanField(required=False, initial=True,
                                      label="Every mandate of this ballot with this employer")


@role_required(*OFFICIAL)
def mandate_court_order(request: HttpRequest, pk: int) -> HttpResponse:
    """A court order that a period does not count towards the mandate (s.234(2)-(6)): recorded, then back to the
    renewal page."""
    m = get_object_or_404(Mandate, pk=pk, union=union_for(request))
    if request.method != "POST":
        return redirect("union:renewal", pk=m.pk)
    with _refusals_as_messages(request):
        d = _valid(CourtOrderForm(request.POST))
        changed = svc.record_court_exclusion(m, court=d["court"], made_on=d["made_on"],
                                             excluded_from=d["excluded_from"], excluded_to=d["excluded_to"],
                                             reference=d["reference"], whole_ballot=d["whole_ballot"],
                                             actor=request.user)
        _say_mandates_now_run_until(request, m, len(changed))
    return redirect("union:renewal", pk=m.pk)


def _say_mandates_now_run_until(request: HttpRequest, m: Mandate, changed: int) -> None:
    m.refresh_from_db()
    messages.success(request, f"{changed} mandate{'s' if changed != 1 else ''} now run until {m.last_day:%-d %B %Y}.")
