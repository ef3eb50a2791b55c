"""HR pages for documents received from a union: record a union's key, import a signed package with the date
it was received, see every received notice with the deadlines it starts, and download the signed
acknowledgement of receipt. Views are adapters: the work is in workplace/received.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mandate.platform import exchange
from mandate.platform.roles import role_required
from mandate.workplace import received as svc
from mandate.workplace.access import organisation_for
from mandate.workplace.models import Organisation, ReceivedPackage, SenderKey

HR = "hr_admin"


class PackageForm(forms.Form):
    file = forms.FileField(label="Signed package (.json)")
    received_on = forms.DateField(label="Date received", widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="The day it reached the organisation: it starts the statutory clocks.",
                                  error_messages={"required": "Enter the date received",
                                                  "invalid": "Enter a real date received, for example 23 November 2026"})


class SenderKeyForm(forms.Form):
    sender_name = forms.CharField(label="Union", max_length=200)
    public_key = forms.CharField(label="The union's public key", max_length=200,
                                 help_text="64 hexadecimal digits, as the union publishes it; check the fingerprint "
                                           "with the union by telephone.")


def _page(request: HttpRequest, organisation: Organisation, status: int = 200, **extra: object) -> HttpResponse:
    key = svc.receipt_key(organisation)
    rows = [(r, svc.clocks(r)) for r in ReceivedPackage.objects.filter(organisation=organisation)
            .select_related("sender_key")]
    keys = [(k, exchange.fingerprint(bytes.fromhex(k.public_key))) for k in
            SenderKey.objects.filter(organisation=organisation)]
    context = {"rows": rows, "keys": keys, "public_key": key.public_key,
               "fingerprint": exchange.fingerprint(bytes.fromhex(key.public_key)),
               "package_form": extra.pop("package_form", None) or PackageForm(),
               "key_form": extra.pop("key_form", None) or SenderKeyForm(), **extra}
    return render(request, "workplace/received/received.html", context, status=status)


@role_required(HR)
def received(request: HttpRequest) -> HttpResponse:
    return _page(request, organisation_for(request))


@role_required(HR)
@require_POST
def package_import(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    form = PackageForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > exchange.MAX_PACKAGE_BYTES:
                raise exchange.PackageRefused("This file is larger than any signed package.")
            got = svc.import_package(organisation, upload.read(), received_on=form.cleaned_data["received_on"],
                                     actor=request.user)
        except exchange.PackageRefused as exc:
            problems = [str(exc)]
        else:
            messages.success(request, f"Verified and recorded: {got.title}, from {got.sender_key.sender_name}.")
            return redirect("workplace:received_detail", got.pk)
    return _page(request, organisation, 400, package_form=form, problems=problems)


@role_required(HR)
@require_POST
def sender_key(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    form = SenderKeyForm(request.POST)
    problems: list[str] = []
    if form.is_valid():
        try:
            svc.record_sender_key(organisation, form.cleaned_data["sender_name"], form.cleaned_data["public_key"],
                                 request.user)
        except exchange.PackageRefused as exc:
            problems = [str(exc)]
        else:
            messages.success(request, "The union's key is recorded.")
            return redirect("workplace:received")
    return _page(request, organisation, 400, key_form=form, problems=problems)


@role_required(HR)
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for(request)
    got = get_object_or_404(ReceivedPackage, pk=pk, organisation=organisation)
    return render(request, "workplace/received/detail.html", {"got": got, "clocks": svc.clocks(got),
                                                               "facts": got.facts})


@role_required(HR)
def received_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    got = get_object_or_404(ReceivedPackage, pk=pk, organisation=organisation_for(request))
    return HttpResponse(bytes(got.pdf), content_type="application/pdf")


@role_required(HR)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    got = get_object_or_404(ReceivedPackage, pk=pk, organisation=organisation_for(request))
    raw = svc.acknowledge(got, actor=request.user)
    response = HttpResponse(raw, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="receipt-{got.pk}.mandate-receipt.json"'
    return response
