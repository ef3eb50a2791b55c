"""The dashboard, the disputes and their timelines."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from mandate.platform.audit import record
from mandate.platform.roles import UNION_ROLES, has_role, role_required
from mandate.union.access import union_for
from mandate.union.forms import (
    DisputeForm,
    EventForm,
    choose_from,
)
from mandate.union.models import Dispute, Employer, Member, Workplace
from mandate.union.views._common import (
    OFFICIAL,
    STAFF,
    _visible_ballots,
)


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
    from django.conf import settings

    context["demo_vote"] = settings.MANDATE_DEMO and has_role(request.user, "member")  # union/voting demo page
    return render(request, "union/dashboard.html", context)


@role_required("union_official", "branch_rep")
def disputes(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = DisputeForm(request.POST or None)
    choose_from(form, employers=Employer.objects.filter(union=union),
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
                                                  "mandates": d.mandates.select_related("employer"),
                                                  "today": date.today()})
