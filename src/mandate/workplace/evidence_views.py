"""The equality evidence page and its PDF (spec §5), for the analyst and the HR administrator.

Aggregate only: the page shows groups under disclosure control, never a person (see `evidence.py`). Every
view that reads the equality-monitoring data writes one audit entry ("equality_evidence.read") with the
period, the policies and the cut asked for; no personal data goes into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.platform import inputs
from mandate.platform.audit import record
from mandate.platform.roles import has_role, role_required
from mandate.workplace import import_jobs
from mandate.workplace.access import organisation_for
from mandate.workplace.evidence import CHARACTERISTICS, EvidencePack, build_pack
from mandate.workplace.figures import FigureError
from mandate.workplace.forms import PeriodForm, other_policy
from mandate.workplace.models import AttendancePolicy, Organisation

HR, ANALYST = "hr_admin", "analyst"
CUT_CHOICES = [("", "None")] + list(CHARACTERISTICS.items())

PDF_CSS = """
@page { size: A4 landscape; margin: 14mm 14mm 16mm; }
body { font-size: 9.5pt; }
h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin-top: 14pt; }
h3 { font-size: 11pt; margin: 10pt 0 3pt; }
table { font-size: 8.5pt; margin: 3pt 0 4pt; } caption { text-align: left; font-weight: bold; padding-bottom: 2pt; }
.panel { page-break-inside: avoid; } .outcome { page-break-before: always; }
tr, .summary-row, .summary, dl.facts { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
.hint, figcaption { color: #333; font-size: 8.5pt; } dl.facts dt { font-weight: bold; float: left; width: 30mm; }
dl.facts dd { margin: 0 0 2pt 32mm; } figure { margin: 2pt 0 6pt; }
"""


class EvidenceForm(PeriodForm):
    """The period and policy of PeriodForm, a second policy to compare with (or none), the office-days
    threshold, and an optional cut by two characteristics."""

    other = forms.ModelChoiceField(label="Compare with", queryset=AttendancePolicy.objects.none(),
                                   required=False, empty_label="No second policy")
    days_a_week = forms.DecimalField(label="Office days a week (threshold)", min_value=Decimal("0.5"),
                                     max_value=Decimal("7"), decimal_places=1)
    cut_a = forms.ChoiceField(label="Cut by", choices=CUT_CHOICES, required=False)
    cut_b = forms.ChoiceField(label="and by", choices=CUT_CHOICES, required=False)

    def __init__(self, data: Mapping[str, Any] | None, organisation: Organisation, today: dt.date) -> None:
        super().__init__(data, organisation, today)
        data = data or {}
        policies = AttendancePolicy.objects.filter(organisation=organisation, withdrawn_at__isnull=True)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = policies
        extra: dict[str, Any] = {"days_a_week": data.get("days_a_week") or "2",
                                 "cut_a": data.get("cut_a", ""), "cut_b": data.get("cut_b", "")}
        if "other" in data:
            extra["other"] = data.get("other", "")
        else:  # first visit: compare the default policy with the next one, if there is one
            first = other_policy(policies, self.data.get("policy"))
            extra["other"] = first.pk if first is not None else ""
        self.data = {**self.data, **extra}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        policy, other = data.get("policy"), data.get("other")
        if policy is not None and other is not None and policy.pk == other.pk:
            self.add_error("other", "Choose a different policy to compare with, or none.")
        a, b = data.get("cut_a"), data.get("cut_b")
        if bool(a) != bool(b):
            self.add_error("cut_b", "A cut needs two characteristics: choose both, or neither.")
        elif a and a == b:
            self.add_error("cut_b", "Choose two different characteristics.")
        return data


def _form(request: HttpRequest, organisation: Organisation) -> EvidenceForm:
    return EvidenceForm(request.GET, organisation, timezone.localdate())


def _pack(request: HttpRequest, organisation: Organisation, form: EvidenceForm, fmt: str) -> EvidencePack:
    """Log the read of the equality data (once per view), then build the pack."""
    data = form.cleaned_data
    policies = [p for p in (data["policy"], data.get("other")) if p is not None]
    cut = (data["cut_a"], data["cut_b"]) if data.get("cut_a") else None
    record(request.user, "equality_evidence.read", "Organisation", organisation.code,
           date_from=data["date_from"], date_to=data["date_to"], policies=[p.name for p in policies],
           cut=list(cut) if cut else None, format=fmt)
    return build_pack(organisation, policies, data["date_from"], data["date_to"],
                      produced_on=timezone.localdate(), days_a_week=float(data["days_a_week"]), cut=cut)


@role_required(HR, ANALYST)
def evidence(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    form = _form(request, organisation)
    context: dict[str, Any] = {"organisation": organisation, "form": form}
    if form.is_valid():
        try:
            context["pack"] = _pack(request, organisation, form, "html")
        except FigureError as exc:
            context["error"] = str(exc)
        context["query"] = request.GET.urlencode() or _query(form)
        context["pdf_fields"] = parse_qsl(_query(form), keep_blank_values=True)
    elif not AttendancePolicy.objects.filter(organisation=organisation, withdrawn_at__isnull=True).exists():
        context["error"] = "No attendance policy has been set up yet."
    return render(request, "workplace/evidence.html", context, status=inputs.refusal_status(request, form, context))


def _query(form: EvidenceForm) -> str:
    from urllib.parse import urlencode

    d = form.cleaned_data
    return urlencode({"date_from": d["date_from"].isoformat(), "date_to": d["date_to"].isoformat(),
                      "policy": d["policy"].pk, "other": d["other"].pk if d.get("other") else "",
                      "days_a_week": d["days_a_week"], "cut_a": d.get("cut_a") or "",
                      "cut_b": d.get("cut_b") or ""})


@role_required(HR, ANALYST)
@require_POST
def evidence_pdf(request: HttpRequest) -> HttpResponse:
    """Start the evidence pack's PDF as a background job (workplace/import_jobs.py) and show its page; the PDF
    is its result, for the person who asked (in the same role) and never cached."""
    organisation = organisation_for(request)
    form = EvidenceForm(request.POST, organisation, timezone.localdate())
    if not form.is_valid():  # a styled page naming what is wrong, with the way back to the form
        problems = "; ".join(f"{form.fields[k].label if k in form.fields else 'The form'}: {' '.join(map(str, v))}"
                             for k, v in form.errors.items())
        return render(request, "workplace/bad_request.html", {
            "organisation": organisation, "title": "The PDF cannot be made", "message": problems,
            "back": reverse("workplace:evidence") + "?" + urlencode(
                {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"})}, status=400)
    d = form.cleaned_data
    query = {"date_from": d["date_from"].isoformat(), "date_to": d["date_to"].isoformat(), "policy": d["policy"].pk,
             "other": d["other"].pk if d.get("other") else None, "days_a_week": str(d["days_a_week"]),
             "cut_a": d.get("cut_a") or "", "cut_b": d.get("cut_b") or ""}
    roles = [r for r in (HR, ANALYST) if has_role(request.user, r, scope=organisation.code)]
    job = import_jobs.start_evidence_pdf(organisation, query, request.user, roles)
    return redirect("job", pk=job.pk)
