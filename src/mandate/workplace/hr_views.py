"""HR administrator pages: ledger imports, adjustments and their reviews, policies, dispute mode."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.dates import human_date
from mandate.platform import exports
from mandate.platform.audit import record
from mandate.platform.models import AuditEntry, RoleAssignment
from mandate.platform.roles import EMPLOYER_ROLES, has_role, role_required
from mandate.workplace import import_jobs
from mandate.workplace.access import organisation_for
from mandate.workplace.forms import (
    DATE_INPUT,
    AdjustmentForm,
    ImportForm,
    PeriodForm,
    PolicyForm,
    WithdrawForm,
)
from mandate.workplace.importers import MAX_ERRORS
from mandate.workplace.models import (
    WITHDRAWAL_REASONS,
    Adjustment,
    AttendancePolicy,
    ImportBatch,
    Organisation,
    ReviewReminder,
    StaffMember,
)
from mandate.workplace.organisation_import import COLUMNS, ORGANISATION_KINDS, template_csv
from mandate.workplace.purposes import COLUMNS as PURPOSE_COLUMNS
from mandate.workplace.purposes import template_csv as purpose_template_csv
from mandate.workplace.reminders import REVIEW_WINDOW_DAYS, reviews_due

HR, MANAGER = "hr_admin", "line_manager"


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
    """The import form; a file sent is checked and imported by a background job (workplace/import_jobs.py),
    whose page shows the progress, then the summary or the refusal (line and field named)."""
    organisation = organisation_for(request)
    result: Any = None
    refused = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = import_jobs.start_import(organisation, form.cleaned_data["kind"], form.cleaned_data["file"],
                                           request.user)
            return redirect("job", pk=job.pk)
    else:
        form = ImportForm()
    every = ImportBatch.objects.filter(organisation=organisation)
    if request.method == "GET" and request.GET.get("format") == "csv":
        return csv_download(f"{organisation.code}-imports.csv", ["imported_at", "kind", "filename", "sha256", "rows",
                                                                 "written", "unmatched", "imported_by"],
                            ([b.imported_at, b.kind, b.filename, b.sha256, b.rows, b.written, b.unmatched,
                              b.imported_by] for b in every))
    batches = Paginator(every, PAGE_SIZE).get_page(request.GET.get("page"))
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


PAGE_SIZE = 50
ADJUSTMENT_COLUMNS = ["staff_id", "name", "expectation", "date_from", "date_to", "route", "approved_by",
                      "review_date", "recorded_at", "recorded_by", "withdrawn_at", "withdrawn_by",
                      "withdrawn_reason"]


def _page(request: HttpRequest, rows: Any, name: str = "page") -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(name))


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for n in names:
        query.pop(n, None)
    return query.urlencode()


def csv_download(filename: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """A whole list as CSV (platform/exports: formulas escaped), ISO 8601 dates."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = exports.csv_writer(response, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _adjustment_row(a: Adjustment) -> list[Any]:
    return [a.staff.staff_id, a.staff.name, a.expectation, a.date_from, a.date_to, a.get_route_display(),
            a.approved_by, a.review_date, a.recorded_at, a.recorded_by, a.withdrawn_at, a.withdrawn_by,
            a.withdrawn_reason]  # the reason's code


@role_required(HR)
def adjustments(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    today = timezone.localdate()
    items = Adjustment.objects.filter(staff__organisation=organisation).select_related("staff")
    if request.GET.get("format") == "csv":
        every = list(items.order_by("staff__staff_id", "date_from", "pk"))
        record(request.user, "export_adjustments", "Organisation", organisation.code, count=len(every),
               staff_ids=sorted({a.staff.staff_id for a in every}))
        return csv_download(f"{organisation.code}-adjustments.csv", ADJUSTMENT_COLUMNS,
                            (_adjustment_row(a) for a in every))
    active = _page(request, items.filter(withdrawn_at__isnull=True), "page")
    withdrawn = _page(request, items.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at"), "withdrawn_page")
    shown = list(active.object_list) + list(withdrawn.object_list)
    record(request.user, "view_adjustments", "Organisation", organisation.code, count=len(shown),
           staff_ids=sorted({a.staff.staff_id for a in shown}))  # whose adjustments were shown
    return render(request, "workplace/adjustments.html", {
        "organisation": organisation, "adjustments": active, "withdrawn": withdrawn, "today": today,
        "active_query": _query_without(request, "page"), "withdrawn_query": _query_without(request, "withdrawn_page"),
        "due": reviews_due(organisation, today).count(), "window": REVIEW_WINDOW_DAYS})


@role_required(HR)
def adjustment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an adjustment: kept, with who, when and why, shown apart and no longer applied."""
    organisation = organisation_for(request)
    adjustment = get_object_or_404(Adjustment.objects.select_related("staff"), pk=pk,
                                   staff__organisation=organisation)
    form = WithdrawForm(request.POST or None, choices=WITHDRAWAL_REASONS)
    if adjustment.withdrawn_at is not None:
        messages.info(request, f"The adjustment for {adjustment.staff.name} was already withdrawn.")
        return redirect("workplace:adjustments")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            done = Adjustment.objects.filter(pk=pk, withdrawn_at__isnull=True).update(
                withdrawn_at=timezone.now(), withdrawn_by=request.user.get_username(),
                withdrawn_reason=form.cleaned_data["reason"])
            if done:  # twice at once: one withdrawal, one entry; the reason may be sensitive, so not logged
                record(request.user, "withdraw_adjustment", "Adjustment", pk, staff_id=adjustment.staff.staff_id)
        messages.success(request, f"The adjustment for {adjustment.staff.name} is withdrawn: it no longer applies.")
        return redirect("workplace:adjustments")
    return render(request, "workplace/withdraw.html", {
        "organisation": organisation, "form": form, "what": f"the adjustment for {adjustment.staff.name}",
        "summary": f"{adjustment.expectation} from {human_date(adjustment.date_from)}",
        "cancel": reverse("workplace:adjustments"),
        "effect": "Its expectation no longer applies to any figure, and no review reminder is sent for it. It "
                  "stays on record, shown apart with who withdrew it, when and why."},
        status=400 if form.errors else 200)


@role_required(HR)
def adjustment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = organisation_for(request)
    instance = None
    if pk is not None:
        instance = get_object_or_404(Adjustment, pk=pk, staff__organisation=organisation)
    form = AdjustmentForm(request.POST or None, instance=instance, organisation=organisation)
    if instance is not None and instance.withdrawn_at is not None:
        messages.info(request, "A withdrawn adjustment cannot be changed; record a new one instead.")
        return redirect("workplace:adjustments")
    if instance is None and request.method == "GET" and request.GET.get("staff"):
        form = AdjustmentForm(None, organisation=organisation, initial={"staff": request.GET["staff"]})
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
    due_all = reviews_due(organisation, today)
    if request.GET.get("format") == "csv":
        every = list(due_all)
        record(request.user, "export_review_reminders", "Organisation", organisation.code, count=len(every),
               staff_ids=sorted({a.staff.staff_id for a in every}))
        return csv_download(f"{organisation.code}-reviews-due-{today.isoformat()}.csv",
                            ["staff_id", "name", "expectation", "review_date", "days_left", "reminder_sent_at"],
                            ([a.staff.staff_id, a.staff.name, a.expectation, a.review_date,
                              (a.review_date - today).days, _sent(a)] for a in every))
    page = _page(request, due_all)
    due = [ReviewDue(a, (a.review_date - today).days) for a in page.object_list]
    record(request.user, "view_review_reminders", "Organisation", organisation.code, count=len(due),
           staff_ids=sorted({d.adjustment.staff.staff_id for d in due}))
    sent = ReviewReminder.objects.filter(adjustment__staff__organisation=organisation).select_related(
        "adjustment__staff")
    return render(request, "workplace/reminders.html", {
        "organisation": organisation, "due": due, "page": page, "today": today, "window": REVIEW_WINDOW_DAYS,
        "query": _query_without(request, "page"), "sent": _page(request, sent, "sent_page"),
        "sent_query": _query_without(request, "sent_page")})


def _sent(a: Adjustment) -> dt.datetime | None:
    reminder = a.reminders.filter(review_date=a.review_date).first()
    return reminder.sent_at if reminder else None


POLICY_COLUMNS = ["name", "effective_from", "is_default", "updated_at", "updated_by", "withdrawn_at",
                  "withdrawn_by", "withdrawn_reason"]


@role_required(HR)
def policies(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request)
    items = AttendancePolicy.objects.filter(organisation=organisation)
    if request.GET.get("format") == "csv":
        return csv_download(f"{organisation.code}-policies.csv", POLICY_COLUMNS + ["toml"],
                            ([getattr(p, c) for c in POLICY_COLUMNS] + [p.toml] for p in items))
    return render(request, "workplace/policies.html", {
        "organisation": organisation, "policies": _page(request, items.filter(withdrawn_at__isnull=True)),
        "withdrawn": _page(request, items.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at"),
                           "withdrawn_page"),
        "query": _query_without(request, "page"), "withdrawn_query": _query_without(request, "withdrawn_page")})


@role_required(HR)
def policy_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a policy: kept, with who, when and why, shown apart, no longer offered on any page."""
    organisation = organisation_for(request)
    policy = get_object_or_404(AttendancePolicy, pk=pk, organisation=organisation)
    if policy.withdrawn_at is not None:
        messages.info(request, f"\u201c{policy.name}\u201d was already withdrawn.")
        return redirect("workplace:policies")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            done = AttendancePolicy.objects.filter(pk=pk, withdrawn_at__isnull=True).update(
                withdrawn_at=timezone.now(), withdrawn_by=request.user.get_username(),
                withdrawn_reason=form.cleaned_data["reason"], is_default=False)
            if done:
                record(request.user, "withdraw_policy", "AttendancePolicy", pk, name=policy.name,
                       reason=form.cleaned_data["reason"], organisation=organisation.code)
                if policy.is_default:  # the pages open with another policy, the oldest in force
                    successor = AttendancePolicy.objects.filter(organisation=organisation,
                                                                withdrawn_at__isnull=True).order_by("pk").first()
                    if successor is not None:
                        AttendancePolicy.objects.filter(pk=successor.pk).update(is_default=True)
        messages.success(request, f"\u201c{policy.name}\u201d is withdrawn: the pages no longer offer it.")
        return redirect("workplace:policies")
    return render(request, "workplace/withdraw.html", {
        "organisation": organisation, "form": form, "what": f"the policy \u201c{policy.name}\u201d",
        "summary": f"In force from {human_date(policy.effective_from)}" if policy.effective_from else "",
        "cancel": reverse("workplace:policies"),
        "effect": "It is no longer offered on the figure, compare and evidence pages"
                  + (" and another policy becomes the default" if policy.is_default else "")
                  + ". It stays on record, shown apart with who withdrew it, when and why."},
        status=400 if form.errors else 200)


@role_required(HR)
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = organisation_for(request)
    if pk is None:
        instance = AttendancePolicy(organisation=organisation)
    else:
        instance = get_object_or_404(AttendancePolicy, pk=pk, organisation=organisation)
        if instance.withdrawn_at is not None:
            messages.info(request, "A withdrawn policy cannot be changed; add a new one instead.")
            return redirect("workplace:policies")
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


# -- choosing a person: a search with paging, never a dropdown of thousands -----------------------------------

PEOPLE_COLUMNS = ["staff_id", "name", "team", "home_site", "grade", "working_days", "start_date", "end_date"]


@role_required(HR, MANAGER)
def people(request: HttpRequest) -> HttpResponse:
    """Find a member of staff by name or staff id (HR: everyone; a line manager: their reports). The links
    keep the period and policy of the page the search came from."""
    organisation = organisation_for(request)
    items = StaffMember.objects.filter(organisation=organisation).select_related("team", "home_site")
    is_hr = has_role(request.user, HR)
    if not is_hr:
        manager = StaffMember.objects.filter(user=cast(Any, request.user), organisation=organisation).first()
        items = items.filter(line_manager=manager) if manager else items.none()
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        items = items.filter(Q(name__icontains=q) | Q(staff_id__icontains=q))
    items = items.order_by("name", "staff_id")
    if request.GET.get("format") == "csv":
        every = list(items)
        record(request.user, "export_people", "Organisation", organisation.code, count=len(every), search=bool(q))
        return csv_download(f"{organisation.code}-people.csv", PEOPLE_COLUMNS,
                            ([s.staff_id, s.name, s.team.code, s.home_site.code, s.grade, s.working_days,
                              s.start_date, s.end_date] for s in every))
    page = _page(request, items)
    period = {k: request.GET[k] for k in PeriodForm.KEYS if request.GET.get(k)}
    return render(request, "workplace/people.html", {
        "organisation": organisation, "page": page, "q": q, "is_hr": is_hr,
        "query": _query_without(request, "page"), "period_query": urlencode(period),
        "csv_query": _query_without(request, "page", "format")})


# -- the workplace wing's own audit entries -----------------------------------------------------------------

AUDIT_COLUMNS = ["seq", "at", "actor", "action", "object_type", "object_id", "detail"]


def workplace_audit_entries(organisation: Organisation) -> QuerySet[AuditEntry]:
    """The audit entries of this organisation's workplace wing: those made by its employer-side accounts, and
    those naming the organisation (imports and commands run as someone else)."""
    actors = RoleAssignment.objects.filter(scope=organisation.code, role__in=EMPLOYER_ROLES).values_list(
        "user__username", flat=True)
    return AuditEntry.objects.filter(Q(actor__in=actors) | Q(object_type="Organisation", object_id=organisation.code)
                                     | Q(detail__organisation=organisation.code)).order_by("-seq")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Kind", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def __init__(self, data: Any, actions: list[str]) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", "Every kind")] + [(a, a) for a in actions]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


@role_required(HR)
def audit(request: HttpRequest) -> HttpResponse:
    """HR's view of the workplace wing's audit entries: paged, filtered by kind and date, as CSV."""
    organisation = organisation_for(request)
    entries = workplace_audit_entries(organisation)
    actions = sorted(set(entries.values_list("action", flat=True).distinct()))
    form = AuditFilterForm(request.GET or None, actions)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["date_from"]:
            entries = entries.filter(at__gte=dt.datetime.combine(form.cleaned_data["date_from"], dt.time(0),
                                                                 tzinfo=timezone.get_current_timezone()))
        if form.cleaned_data["date_to"]:
            entries = entries.filter(at__lt=dt.datetime.combine(form.cleaned_data["date_to"] + dt.timedelta(days=1),
                                                                dt.time(0), tzinfo=timezone.get_current_timezone()))
    elif form.is_bound:
        return render(request, "workplace/audit.html", {"organisation": organisation, "form": form, "page": None},
                      status=400)
    record(request.user, "view_workplace_audit", "Organisation", organisation.code,
           format="csv" if request.GET.get("format") == "csv" else "page")
    if request.GET.get("format") == "csv":
        return csv_download(f"{organisation.code}-audit.csv", AUDIT_COLUMNS,
                            ([e.seq, e.at, e.actor, e.action, e.object_type, e.object_id,
                              json.dumps(e.detail, sort_keys=True, default=str)] for e in entries.iterator()))
    return render(request, "workplace/audit.html", {
        "organisation": organisation, "form": form, "page": _page(request, entries),
        "query": _query_without(request, "page"), "csv_query": _query_without(request, "page", "format")})
