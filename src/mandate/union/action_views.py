"""Union pages for calling the action: issue a notice of industrial action (s.234A), suspend and resume it,
download its signed package, publish the union's public key, record an employer's key and import the
employer's acknowledgement of receipt. Views are adapters: the work is in union/action.py."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from mandate.dates import human_date
from mandate.platform import exchange
from mandate.platform.models import Document
from mandate.platform.roles import has_role, role_required
from mandate.union import action as act
from mandate.union import action_documents
from mandate.union.access import union_for
from mandate.union.models import ActionNotice, Employer, Mandate

OFFICIAL = ("union_official",)
STAFF = ("union_official", "branch_rep")
MAX_RECEIPT_BYTES = 64 * 1024


def _date(label: str, **kw: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), error_messages={
        "required": f"Enter the {label.lower()}", "invalid": f"Enter a real date for the {label.lower()}, "
                                                            "for example 23 November 2026"}, **kw)


def _parse_days(text: str) -> list[date]:
    out = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        try:
            out.append(date.fromisoformat(part))
        except ValueError:
            raise forms.ValidationError(f"“{part[:40]}” is not a date: give dates as 2026-12-01, one a line.") from None
    if len(out) > 366:
        raise forms.ValidationError("At most 366 days in one notice.")
    return out


class NoticeForm(forms.Form):
    mandate = forms.ModelChoiceField(queryset=Mandate.objects.none(), label="Mandate")
    continuous = forms.TypedChoiceField(label="The action is", coerce=lambda v: v == "continuous",
                                        choices=[("continuous", "Continuous, from a start day"),
                                                 ("discontinuous", "Discontinuous, on the days listed")])
    days = forms.CharField(label="Days of action", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="The start day, or every day of discontinuous action: 2026-12-01, one a line.")
    forms_of_action = forms.CharField(label="Forms of action short of a strike", required=False, max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="One a line, for a mandate for action short of a strike.")
    sent_on = _date("Date sent")
    expected_receipt = _date("Date the employer will receive it")

    def clean_days(self) -> list[date]:
        return _parse_days(self.cleaned_data["days"])


class KeyForm(forms.Form):
    employer = forms.ModelChoiceField(queryset=Employer.objects.none(), label="Employer")
    public_key = forms.CharField(label="The employer's public key", max_length=200,
                                 help_text="64 hexadecimal digits, as their HR page shows it; check the "
                                           "fingerprint with them by telephone.")


class ReceiptForm(forms.Form):
    file = forms.FileField(label="Acknowledgement of receipt (.json)")


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(label="Why", choices=list(act.SUSPENSION_REASONS.items()))
    suspended_from = _date("Suspended from")
    resumes_on = _date("Agreed date of resumption", required=False)
    sent_on = _date("Date sent")
    expected_receipt = _date("Date the employer will receive it")


class ResumeForm(forms.Form):
    resumes_on = _date("Resumes on")
    sent_on = _date("Date sent")
    expected_receipt = _date("Date the employer will receive it")


def _context(request: HttpRequest, union: Any, **extra: Any) -> dict[str, Any]:
    key, fingerprint = act.public_key_of(union)
    notice_form = extra.pop("notice_form", None) or NoticeForm()
    key_form = extra.pop("key_form", None) or KeyForm()
    cast(forms.ModelChoiceField, notice_form.fields["mandate"]).queryset = Mandate.objects.filter(
        union=union, ballot__isnull=False).select_related("employer")
    cast(forms.ModelChoiceField, key_form.fields["employer"]).queryset = Employer.objects.filter(union=union)
    return {"union": union, "public_key": key, "fingerprint": fingerprint, "notices": act.notices_for(union),
            "notice_form": notice_form, "key_form": key_form, "receipt_form": extra.pop("receipt_form", None)
            or ReceiptForm(), "ballot_documents": action_documents.packageable(union), "employer_keys": [(k, exchange.fingerprint(bytes.fromhex(k.public_key))) for k in
                                                 act.EmployerKey.objects.filter(employer__union=union)
                                                 .select_related("employer")], **extra}


@role_required(*STAFF)
def action(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    return render(request, "union/action/action.html", _context(request, union))


@role_required(*OFFICIAL)
@require_POST
def notice_new(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = NoticeForm(request.POST)
    cast(forms.ModelChoiceField, form.fields["mandate"]).queryset = Mandate.objects.filter(union=union,
                                                                                          ballot__isnull=False)
    problems: list[str] = []
    if form.is_valid():
        d = form.cleaned_data
        try:
            notice = act.issue_action_notice(
                d["mandate"], days=d["days"], continuous=d["continuous"],
                forms=d["forms_of_action"].splitlines(), sent_on=d["sent_on"],
                expected_receipt=d["expected_receipt"], actor=request.user)
        except act.ActionRefused as exc:
            problems = exc.problems
        else:
            messages.success(request, f"{notice} issued and signed. Download its package and send it.")
            return redirect("union:action")
    return render(request, "union/action/action.html", _context(request, union, notice_form=form,
                                                                 problems=problems), status=400)


@role_required(*OFFICIAL)
@require_POST
def employer_key(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = KeyForm(request.POST)
    cast(forms.ModelChoiceField, form.fields["employer"]).queryset = Employer.objects.filter(union=union)
    problems: list[str] = []
    if form.is_valid():
        try:
            act.record_employer_key(form.cleaned_data["employer"], form.cleaned_data["public_key"], request.user)
        except exchange.PackageRefused as exc:
            problems = [str(exc)]
        else:
            messages.success(request, "The employer's key is recorded.")
            return redirect("union:action")
    return render(request, "union/action/action.html", _context(request, union, key_form=form, problems=problems),
                  status=400)


@role_required(*OFFICIAL)
@require_POST
def receipt_import(request: HttpRequest) -> HttpResponse:
    union = union_for(request)
    form = ReceiptForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_RECEIPT_BYTES:
                raise exchange.PackageRefused("This file is far larger than an acknowledgement of receipt.")
            package = act.import_receipt(union, upload.read(), actor=request.user)
        except exchange.PackageRefused as exc:
            problems = [str(exc)]
        else:
            received = human_date(package.received_on) if package.received_on else ""
            messages.success(request, f"Proof of receipt recorded: {package.document.title}, received on {received}.")
            return redirect("union:action")
    return render(request, "union/action/action.html", _context(request, union, receipt_form=form,
                                                                 problems=problems), status=400)


@role_required(*STAFF)
def notice_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    union = union_for(request)
    notice = get_object_or_404(ActionNotice, pk=pk, union=union)
    if fmt == "json":
        response = HttpResponse(bytes(notice.package.package), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="notice-{notice.pk}.mandate-package.json"'
        return response
    if fmt == "pdf":
        return HttpResponse(bytes(notice.package.document.pdf or b""), content_type="application/pdf")
    return HttpResponse(notice.package.document.html)


@role_required(*STAFF)
def document_package(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed package of a ballot's document to its employer (notice of ballot, sample paper, s.231A
    result), signed the first time it is asked for."""
    union = union_for(request)
    doc = get_object_or_404(Document.objects.defer("pdf", "html"), pk=pk, issued_by_side="union",
                            issued_by_scope=union.code, kind__in=list(action_documents.PACKAGED))
    try:
        package = action_documents.package_document(union, doc, actor=request.user)
    except act.ActionRefused as exc:
        return render(request, "union/action/action.html", _context(request, union, problems=exc.problems),
                      status=400)
    response = HttpResponse(bytes(package.package), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{doc.kind}-{doc.pk}.mandate-package.json"'
    return response


@role_required(*OFFICIAL)
def notice_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Suspend a notice's action, or resume suspended action."""
    union = union_for(request)
    notice = get_object_or_404(ActionNotice, pk=pk, union=union, kind__in=["action", "suspension"])
    form_class = SuspendForm if notice.kind == "action" else ResumeForm
    form = form_class(request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if notice.kind == "action":
                act.issue_suspension(notice, suspended_from=d["suspended_from"], reason=d["reason"],
                                     resumes_on=d["resumes_on"], sent_on=d["sent_on"],
                                     expected_receipt=d["expected_receipt"], actor=request.user)
            else:
                act.issue_resumption(notice, resumes_on=d["resumes_on"], sent_on=d["sent_on"],
                                     expected_receipt=d["expected_receipt"], actor=request.user)
        except act.ActionRefused as exc:
            problems = exc.problems
        else:
            messages.success(request, "Notice issued and signed.")
            return redirect("union:action")
    return render(request, "union/action/change.html", {"notice": notice, "form": form, "problems": problems},
                  status=400 if problems or form.errors else 200)


def _calendar_page(request: HttpRequest, union: Any, status: int = 200, **extra: Any) -> HttpResponse:
    from mandate.union import action_calendar

    return render(request, "union/action/calendar.html", {
        "items": action_calendar.entries(union), "union": union, "feed": action_calendar.live_feed(union),
        "can_manage_feed": has_role(request.user, *OFFICIAL), **extra}, status=status)


@role_required(*STAFF)
def calendar(request: HttpRequest) -> HttpResponse:
    from mandate.union import action_calendar

    union = union_for(request)
    fmt = request.GET.get("format", "")
    if fmt in ("ics", "csv"):
        items = action_calendar.entries(union)
        if fmt == "ics":
            response = HttpResponse(action_calendar.to_ical(union, items), content_type="text/calendar; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{union.code}-action.ics"'
            return response
        response = HttpResponse(action_calendar.to_csv(items), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{union.code}-action.csv"'
        return response
    return _calendar_page(request, union)


@role_required(*OFFICIAL)
@require_POST
def calendar_feed_new(request: HttpRequest) -> HttpResponse:
    """Make the feed's secret address (replacing any live one) and show it, this once."""
    from mandate.union import action_calendar

    union = union_for(request)
    token = action_calendar.new_feed(union, request.user)
    url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return _calendar_page(request, union, new_feed_url=url)


@role_required(*OFFICIAL)
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    from mandate.union import action_calendar

    union = union_for(request)
    if action_calendar.revoke_feed(union, request.user):
        messages.success(request, "The feed's address is revoked: calendars subscribed to it stop updating.")
    return redirect("union:action_calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The action calendar as an iCal feed for calendar apps, opened by its secret token alone (no session):
    read-only, the same entries as the calendar page, no member's data. A revoked or unknown token: 404."""
    from mandate.union import action_calendar

    union = action_calendar.union_for_token(token)
    if union is None:
        raise Http404("No calendar feed at this address: it was revoked or never existed.")
    response = HttpResponse(action_calendar.to_ical(union, action_calendar.entries(union)),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


# labels for tests/platform/test_route_isolation.py: opened by its token, by anyone holding it, on no side's role
calendar_feed.mandate_roles = frozenset()  # type: ignore[attr-defined]
calendar_feed.mandate_side = "token"  # type: ignore[attr-defined]
