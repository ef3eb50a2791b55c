"""HR administrator pages: ledger imports, adjustments and their reviews, policies, dispute mode."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.platform.audit import record
from mandate.platform.roles import role_required
from mandate.workplace.access import organisation_for
from mandate.workplace.forms import AdjustmentForm, ImportForm, PolicyForm
from mandate.workplace.importers import MAX_ERRORS, ImportRefused, import_file
from mandate.workplace.models import Adjustment, AttendancePolicy, ImportBatch, Organisation
from mandate.workplace.purposes import COLUMNS as PURPOSE_COLUMNS
from mandate.workplace.purposes import import_purposes_file
from mandate.workplace.purposes import template_csv as purpose_template_csv
from mandate.workplace.organisation_import import (
    COLUMNS,
    ORGANISATION_KINDS,
    import_organisation_file,
    template_csv,
)

HR = "hr_admin"
REVIEW_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ReviewDue:
    """An adjustment whose review is due, and the days to its review date (negative once overdue)."""

    adjustment: Adjustment
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


@role_required(HR)
def imports(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    result = refused = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                if kind == "purposes":
                    result = import_purposes_file(organisation, upload.name, upload.read(), request.user)
                else:
                    service = import_organisation_file if kind in ORGANISATION_KINDS else import_file
                    result = service(organisation, kind, upload.name, upload.read(), request.user)
            except ImportRefused as exc:
                refused = exc
            else:
                form = ImportForm()
    else:
        form = ImportForm()
    batches = Paginator(ImportBatch.objects.filter(organisation=organisation), 50).get_page(request.GET.get("page"))
    status = 400 if refused or form.errors else 200
    return render(request, "workplace/imports.html", {
        "organisation": organisation, "form": form, "result": result, "refused": refused,
        "max_errors": MAX_ERRORS, "batches": batches, "organisation_kinds": ORGANISATION_KINDS,
        "columns": COLUMNS, "purpose_columns": PURPOSE_COLUMNS}, status=status)


@role_required(HR)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The starter template of an organisation file: its columns and two example rows."""
    if kind == "purposes":
        text = purpose_template_csv()
    elif kind in ORGANISATION_KINDS:
        text = template_csv(kind)
    else:
        raise Http404("No such template.")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


def reviews_due(organisation: Organisation, today: dt.date, days: int = REVIEW_WINDOW_DAYS) -> QuerySet[Adjustment]:
    """Adjustments whose review date falls on or before `today + days` (overdue ones included)."""
    return (Adjustment.objects.filter(staff__organisation=organisation,
                                      review_date__lte=today + dt.timedelta(days=days))
            .exclude(date_to__lt=today).select_related("staff").order_by("review_date"))


@role_required(HR)
def adjustments(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    today = timezone.localdate()
    items = Adjustment.objects.filter(staff__organisation=organisation).select_related("staff")
    record(request.user, "view_adjustments", "Organisation", organisation.code, count=items.count(),
           staff_ids=sorted({a.staff.staff_id for a in items}))  # whose adjustments were shown
    return render(request, "workplace/adjustments.html", {
        "organisation": organisation, "adjustments": items, "today": today,
        "due": reviews_due(organisation, today).count(), "window": REVIEW_WINDOW_DAYS})


@role_required(HR)
def adjustment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = organisation_for(request)
    instance = None
    if pk is not None:
        instance = get_object_or_404(Adjustment, pk=pk, staff__organisation=organisation)
    form = AdjustmentForm(request.POST or None, instance=instance, organisation=organisation)
    if instance is not None and request.method == "GET":  # one person's adjustment read: whose, never what
        record(request.user, "view_adjustment", "Adjustment", instance.pk, staff_id=instance.staff.staff_id)
    if request.method == "POST" and form.is_valid():
        adjustment = form.save(commit=False)
        adjustment.recorded_by = request.user.get_username()
        adjustment.save()
        # The route and the expectation are special category data: the permanent log names only whose
        # adjustment changed, never what it says.
        record(request.user, "update_adjustment" if pk else "create_adjustment", "Adjustment", adjustment.pk,
               staff_id=adjustment.staff.staff_id)
        messages.success(request, f"Adjustment for {adjustment.staff.name} saved.")
        return redirect("workplace:adjustments")
    return render(request, "workplace/adjustment_form.html",
                  {"organisation": organisation, "form": form, "adjustment": instance})


@role_required(HR)
def reminders(request: HttpRequest) -> HttpResponse:
    """Notifications for HR: adjustment reviews due in the next 30 days, and overdue ones."""
    organisation = organisation_for(request)
    today = timezone.localdate()
    due = [ReviewDue(a, (a.review_date - today).days) for a in reviews_due(organisation, today)]
    record(request.user, "view_review_reminders", "Organisation", organisation.code, count=len(due),
           staff_ids=sorted({d.adjustment.staff.staff_id for d in due}))
    return render(request, "workplace/reminders.html", {
        "organisation": organisation, "due": due, "today": today, "window": REVIEW_WINDOW_DAYS})


@role_required(HR)
def policies(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    items = AttendancePolicy.objects.filter(organisation=organisation)
    return render(request, "workplace/policies.html", {"organisation": organisation, "policies": items})


@role_required(HR)
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = organisation_for(request)
    if pk is None:
        instance = AttendancePolicy(organisation=organisation)
    else:
        instance = get_object_or_404(AttendancePolicy, pk=pk, organisation=organisation)
    form = PolicyForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        policy = form.save(commit=False)
        policy.updated_by = request.user.get_username()
        policy.save()
        record(request.user, "update_policy" if pk else "create_policy", "AttendancePolicy", policy.pk,
               name=policy.name)
        messages.success(request, f"Policy \u201c{policy.name}\u201d saved.")
        return redirect("workplace:policies")
    return render(request, "workplace/policy_form.html",
                  {"organisation": organisation, "form": form, "policy": instance if pk else None})


@role_required(HR)
@require_POST
def dispute_mode(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    turn_on = request.POST.get("dispute_mode") == "on"
    if organisation.dispute_mode != turn_on:
        organisation.dispute_mode = turn_on
        organisation.save(update_fields=["dispute_mode"])
        record(request.user, "dispute_mode_on" if turn_on else "dispute_mode_off", "Organisation",
               organisation.code)
        messages.success(request, "Dispute mode is on: individual non-compliance outputs are withheld."
                         if turn_on else "Dispute mode is off.")
    return redirect("workplace:dashboard")
