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
from mandate.workplace.models import AttendancePolicy, Organisation, ReceivedPackage, SenderKey

HR = "hr_admin"


class PackageForm(forms.Form):
    file = forms.FileField(label="Signed package (.json)")
    expected_kind = forms.ChoiceField(label="Document", choices=svc.KIND_CHOICES, required=False,
                                      help_text="Optional: the kind of document you expect; any other is refused.")
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
                                     expected_kind=form.cleaned_data["expected_kind"], actor=request.user)
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


class RecordForm(forms.Form):
    file = forms.FileField(label="The public election record (.jsonl)",
                           help_text="The record file the union publishes for this ballot.")


class DisputeModeForm(forms.Form):
    policy = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label="I confirm: switch on dispute mode now", error_messages={
        "required": "Tick the box to confirm that dispute mode should be switched on."})


def _detail(request: HttpRequest, got: ReceivedPackage, status: int = 200, **extra: object) -> HttpResponse:
    record_named = got.kind == "s231a-result" and isinstance(got.facts.get("election_record"), dict)
    return render(request, "workplace/received/detail.html", {
        "got": got, "clocks": svc.clocks(got), "facts": got.facts, "covered": svc.covered_policies(got),
        "dispute_mode": got.organisation.dispute_mode, "record_named": record_named,
        "record_form": extra.pop("record_form", None) or RecordForm(),
        "dispute_form": extra.pop("dispute_form", None) or DisputeModeForm(), **extra}, status=status)


@role_required(HR)
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = organisation_for(request)
    got = get_object_or_404(ReceivedPackage.objects.select_related("organisation", "sender_key"), pk=pk,
                            organisation=organisation)
    return _detail(request, got)


@role_required(HR)
@require_POST
def received_dispute_mode(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch dispute mode on from a received notice of industrial action covering an attendance policy."""
    organisation = organisation_for(request)
    got = get_object_or_404(ReceivedPackage.objects.select_related("organisation", "sender_key"), pk=pk,
                            organisation=organisation)
    form = DisputeModeForm(request.POST)
    if not form.is_valid():
        return _detail(request, got, 400, dispute_form=form)
    policy = AttendancePolicy.objects.filter(organisation=organisation, pk=form.cleaned_data["policy"]).first()
    if policy is None:
        return _detail(request, got, 400, problems=["No such attendance policy in this organisation."])
    try:
        changed = svc.switch_on_dispute_mode(got, policy, actor=request.user)
    except exchange.PackageRefused as exc:
        return _detail(request, got, 400, problems=[str(exc)])
    messages.success(request, f"Dispute mode is on for {organisation.name}: individual non-compliance outputs are "
                              f"withheld under every attendance policy, “{policy.name}” included."
                     if changed else "Dispute mode was already on. Nothing changed.")
    return redirect("workplace:received_detail", got.pk)


@role_required(HR)
@require_POST
def received_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Check an electronic ballot's result against its public election record (the verifier, run here)."""
    import tempfile
    from pathlib import Path

    from mandate.platform.audit import record
    from mandate.workplace import received_record

    organisation = organisation_for(request)
    got = get_object_or_404(ReceivedPackage.objects.select_related("organisation", "sender_key"), pk=pk,
                            organisation=organisation, kind="s231a-result")
    form = RecordForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, got, 400, record_form=form)
    upload = form.cleaned_data["file"]
    if upload.size > received_record.MAX_RECORD_BYTES:
        return _detail(request, got, 400, problems=["This file is larger than any election record this page "
                                                    "checks; run `mandate record verify` on it instead."])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "record.jsonl"
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        opening = svc.fact_day(got.facts, "opening_day")
        finding = received_record.check_result(got.facts, path, opening=opening)
    record(request.user, "exchange.record_checked", "ReceivedPackage", got.pk, ok=finding.ok, head=finding.head)
    return _detail(request, got, finding=finding)


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
