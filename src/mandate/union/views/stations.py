"""Workplace voting pages: the agreement and the stations (officials, before the ballot opens), the marked
register at a station and the sealed boxes (the ballot's scrutineer). Counts only: no page shows who voted."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mandate.platform.roles import has_role, role_required
from mandate.union import ballots as svc
from mandate.union import lifecycle
from mandate.union import workplace_voting as wv
from mandate.union.views._common import _appointed, _ballot, _csv_text, _refusals_as_messages, _valid


def _day(label: str = "On") -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class AgreementForm(forms.Form):
    union_agreed_by = forms.CharField(max_length=200, label="Agreed for the union by")
    union_agreed_on = _day()
    scrutineer_agreed_by = forms.CharField(max_length=200, label="Agreed as scrutineer by")
    scrutineer_agreed_on = _day()
    employer_agreed_by = forms.CharField(max_length=200, label="Agreed for the employer by",
                                         help_text="Name and post, e.g. 'J. Smith, HR director'.")
    employer_agreed_on = _day()
    reference = forms.CharField(max_length=200, required=False, label="Reference (optional)")


class StationForm(forms.Form):
    unit = forms.ChoiceField(label="Ballot unit")
    code = forms.SlugField(max_length=32, help_text="Short, e.g. npt-canteen.")
    name = forms.CharField(max_length=200)
    place = forms.CharField(max_length=300, label="Where the box stands")
    papers = forms.IntegerField(min_value=1, max_value=wv.MAX_STOCK, label="Papers in stock")


class IssueForm(forms.Form):
    station = forms.SlugField(max_length=32, widget=forms.HiddenInput)
    membership_number = forms.CharField(max_length=32, label="Membership number")


class SealForm(forms.Form):
    station = forms.SlugField(max_length=32, widget=forms.HiddenInput)
    seal_number = forms.CharField(max_length=64, label="Seal number")


def _papers(n: int) -> str:
    return f"{n:,} paper" + ("" if n == 1 else "s")


@role_required("union_official", "scrutineer")
def stations(request: HttpRequest, pk: int) -> HttpResponse:
    b = _ballot(request, pk)
    official = has_role(request.user, "union_official")
    scrutineer = _appointed(request, b)
    if not (official or scrutineer):
        raise PermissionDenied("Only an official or this ballot's appointed scrutineer can open its stations.")
    if b.voting_method != wv.METHOD:
        raise PermissionDenied("This ballot has no workplace voting.")
    agreement_form = AgreementForm(prefix="a")
    station_form = StationForm(prefix="s")
    station_form.fields["unit"].choices = [(u.name, u.name) for u in b.units.all()]  # type: ignore[attr-defined]
    if request.method == "POST":
        action = request.POST.get("action", "")
        with _refusals_as_messages(request):
            if action == "agreement" and official:
                agreement_form = AgreementForm(request.POST, prefix="a")
                wv.record_agreement(b, **_valid(agreement_form), actor=request.user)
                messages.success(request, "The agreement to workplace voting is recorded.")
            elif action == "station" and official:
                station_form = StationForm(request.POST, prefix="s")
                station_form.fields["unit"].choices = [(u.name, u.name) for u in b.units.all()]  # type: ignore[attr-defined]
                st = wv.add_station(b, **_valid(station_form), actor=request.user)
                messages.success(request, f"{st.name}: papers {st.first_number:,} to {st.last_number:,}. Print "
                                          "them, shuffle them, and keep them with the box.")
            elif action == "issue" and scrutineer:
                d = _valid(IssueForm(request.POST))
                done = wv.issue_paper(b, d["station"], d["membership_number"], actor=request.user)
                who = d["membership_number"].strip()
                messages.success(request, (f"{who} was already marked here today: do not hand over a second "
                                           "paper.") if done.unchanged else
                                 f"{who} is marked on the register: hand them one paper from the stack.")
            elif action == "seal" and scrutineer:
                d = _valid(SealForm(request.POST))
                st = wv.seal_box(b, d["station"], d["seal_number"], actor=request.user)
                messages.success(request, f"The box at {st.name} is sealed with seal {st.seal_number}.")
            elif action == "box" and scrutineer:
                upload = request.FILES.get("file")
                if upload is None:
                    raise svc.BallotError("Choose the file of the box's papers.")
                text = _csv_text(upload)
                try:
                    summary = wv.count_box(b, request.POST.get("station", ""), text, name=upload.name or "box.csv",
                                           actor=request.user)
                except svc.ReturnsImportError as error:
                    raise svc.BallotError("The box's file was refused, nothing was recorded: "
                                          + "; ".join(error.errors[:20])) from None
                messages.success(request, f"Box {summary['station']}: {_papers(summary['counted'])} to count, "
                                          f"{summary['duplicates']} set aside, {summary['unchanged']} already "
                                          "recorded (unchanged).")
            else:
                raise PermissionDenied("That is not a step you can take here.")
        return redirect("union:stations", pk=b.pk)
    b.refresh_from_db()
    agreement = wv.WorkplaceVotingAgreement.objects.filter(ballot=b).first()
    return render(request, "union/stations.html", {
        "ballot": b, "rows": wv.stations(b), "agreement": agreement, "official": official,
        "scrutineer": scrutineer, "agreement_form": agreement_form, "station_form": station_form,
        "can_set_up": lifecycle.allowed(b, "set_up_station", request.user),
        "can_issue": lifecycle.allowed(b, "issue_station_paper", request.user),
        "can_seal": lifecycle.allowed(b, "seal_box", request.user),
        "can_count": lifecycle.allowed(b, "count_box", request.user),
        "problems": wv.stock_problems(b) if b.stage in ("setup", "notices_issued", "papers_issued") else [],
        "today": date.today(), "kinds": list(b.questions.values_list("kind", flat=True)),
    })
