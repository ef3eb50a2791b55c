"""Mandates: the list, mandates entered by hand, the renewal planner, agreements and court orders."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from mandate.dates import human_date
from mandate.platform.roles import has_role, role_required
from mandate.union import ballots as svc
from mandate.union import mandates as mandate_svc
from mandate.union import rules
from mandate.union.access import union_for
from mandate.union.forms import (
    AgreementForm,
    CourtOrderForm,
    MandateForm,
    choose_from,
)
from mandate.union.models import Dispute, Employer, Mandate
from mandate.union.views._common import (
    OFFICIAL,
    _refusals_as_messages,
    _valid,
)


@role_required("union_official", "branch_rep")
def mandates(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    today = date.today()
    form = MandateForm(request.POST or None)
    choose_from(form, employer=Employer.objects.filter(union=union), dispute=Dispute.objects.filter(union=union))
    if request.method == "POST":
        if not has_role(request.user, *OFFICIAL):
            return HttpResponse("Only an official can enter a mandate.", status=403)
        if form.is_valid():
            d = form.cleaned_data
            try:
                mandate_svc.enter_mandate(union, employer=d["employer"], unit_name=d["unit_name"], kind=d["kind"],
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


@role_required(*OFFICIAL)
def mandate_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """A longer mandate agreed with the employer (TUA16 ballots): recorded, then back to the renewal page."""
    m = get_object_or_404(Mandate, pk=pk, union=union_for(request))
    if request.method != "POST":
        return redirect("union:renewal", pk=m.pk)
    allowed = rules.agreed_months_allowed(m.opening_day)
    if allowed is None:
        messages.error(request, f"A mandate from a ballot opened on {human_date(m.opening_day)} cannot be lengthened "
                                f"by agreement ({rules.agreement_section(m.opening_day)}).")
        return redirect("union:renewal", pk=m.pk)
    with _refusals_as_messages(request):
        d = _valid(AgreementForm(request.POST, months=allowed[:2]))
        changed = mandate_svc.lengthen_mandate_by_agreement(m, months=d["months"], agreed_on=d["agreed_on"],
                                                    reference=d["reference"], whole_ballot=d["whole_ballot"],
                                                    actor=request.user)
        _say_mandates_now_run_until(request, m, len(changed))
    return redirect("union:renewal", pk=m.pk)


@role_required(*OFFICIAL)
def mandate_court_order(request: HttpRequest, pk: int) -> HttpResponse:
    """A court order that a period does not count towards the mandate (s.234(2)-(6)): recorded, then back to the
    renewal page."""
    m = get_object_or_404(Mandate, pk=pk, union=union_for(request))
    if request.method != "POST":
        return redirect("union:renewal", pk=m.pk)
    with _refusals_as_messages(request):
        d = _valid(CourtOrderForm(request.POST))
        changed = mandate_svc.record_court_exclusion(m, court=d["court"], made_on=d["made_on"],
                                             excluded_from=d["excluded_from"], excluded_to=d["excluded_to"],
                                             reference=d["reference"], whole_ballot=d["whole_ballot"],
                                             actor=request.user)
        _say_mandates_now_run_until(request, m, len(changed))
    return redirect("union:renewal", pk=m.pk)


def _say_mandates_now_run_until(request: HttpRequest, m: Mandate, changed: int) -> None:
    m.refresh_from_db()
    messages.success(request, f"{changed} mandate{'s' if changed != 1 else ''} now run until {human_date(m.last_day)}.")
